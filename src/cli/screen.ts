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

export class Screen {
  readonly #out: Output;
  #started = false;
  #closed = false;

  constructor(out: Output) {
    this.#out = out;
  }

  /** Replaces what the screen shows with `lines`. */
  draw(lines: readonly string[]): void {
    if (this.#closed) return;
    const start = this.#started ? HOME : `${HIDE_CURSOR}${CLEAR_SCREEN}${HOME}`;
    this.#started = true;
    this.#out.write(`${start}${lines.map((line) => line + CLEAR_LINE_END).join('\n')}\n${CLEAR_SCREEN_END}`);
  }

  /** Leaves the last frame on screen and gives the cursor back; what is written next goes below. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#started) this.#out.write(SHOW_CURSOR);
  }
}
