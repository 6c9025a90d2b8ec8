/**
 * A single-screen live view for terminals: each `draw` repaints the screen in place with plain
 * ANSI escapes (cursor home, clear to end of line / screen). No TUI dependency.
 */
import type { Output } from './io.js';

const ESC = '\u001b[';
const HOME = `${ESC}H`;
const CLEAR_SCREEN = `${ESC}2J`;
const CLEAR_LINE_END = `${ESC}K`;
const CLEAR_SCREEN_END = `${ESC}J`;
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;

/** The width a live view keeps to when the terminal does not say (and at most, when it does). */
export const SCREEN_COLUMNS = 80;

/** `line` cut to `columns` characters, the last one an ellipsis when something was cut. */
export function fitLine(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;
}

export class Screen {
  readonly #out: Output;
  readonly #columns: number;
  #started = false;
  #closed = false;

  /** `columns`: the terminal's width; lines are cut to it, and to 80 at most, so nothing wraps. */
  constructor(out: Output, columns?: number) {
    this.#out = out;
    this.#columns = Math.min(SCREEN_COLUMNS, columns !== undefined && columns > 0 ? columns : SCREEN_COLUMNS);
  }

  /** Replaces what the screen shows with `lines`. */
  draw(lines: readonly string[]): void {
    if (this.#closed) return;
    const start = this.#started ? HOME : `${HIDE_CURSOR}${CLEAR_SCREEN}${HOME}`;
    this.#started = true;
    this.#out.write(`${start}${lines.map((line) => fitLine(line, this.#columns) + CLEAR_LINE_END).join('\n')}\n${CLEAR_SCREEN_END}`);
  }

  /** Leaves the last frame on screen and gives the cursor back; what is written next goes below. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#started) this.#out.write(SHOW_CURSOR);
  }
}
