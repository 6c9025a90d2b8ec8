/**
 * The commands of `upstate`, in one table: adding a command is one entry here (its name, its
 * operands, a summary and its help text, and how to load it). The top-level help, the synopsis
 * and the dispatch in main.ts are all made from this table; a command's flags are read from the
 * Options section of its own help text, so the synopsis can never miss one.
 */
import type { Command } from './io.js';
import { DEMO_USAGE, GATEWAY_USAGE, SIM_USAGE, WATCH_USAGE, wrap } from './usage.js';

export interface CommandEntry {
  readonly name: string;
  /** What follows the name before the options: `<type> [codes…]`, or ''. */
  readonly operands: string;
  /** One line for the command list of `upstate --help`. */
  readonly summary: string;
  /** `upstate <name> --help`; its `Options:` section lists every flag. */
  readonly usage: string;
  /** Loaded on demand: `upstate sim` never loads the orchestrator, `--help` loads nothing. */
  readonly load: () => Promise<{ run: Command }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'demo',
    operands: '',
    summary: 'embedded exchange, ~50 components subscribing in bursts, a live view, then naive sending vs the pending flush, measured in this run',
    usage: DEMO_USAGE,
    load: () => import('./demo.js'),
  },
  {
    name: 'watch',
    operands: '<type> [codes…]',
    summary: 'one subscription as a live table or JSON lines, from the embedded exchange or --endpoint',
    usage: WATCH_USAGE,
    load: () => import('./watch.js'),
  },
  {
    name: 'sim',
    operands: '',
    summary: 'the embedded Upbit-compatible exchange alone',
    usage: SIM_USAGE,
    load: () => import('./sim.js'),
  },
  {
    name: 'gateway',
    operands: '',
    summary: 'fleet mode: one process holds the Upbit connections, clients join over NATS (docs/fleet.md)',
    usage: GATEWAY_USAGE,
    load: () => import('./gateway.js'),
  },
];

/** The command called `name`, if there is one. */
export function commandNamed(name: string): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}

/** `[--duration S]`, `[--json]`, … for every flag of a help text's Options section but --help. */
export function flagsOf(usage: string): string[] {
  const options = usage.slice(usage.indexOf('\nOptions:\n'));
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)((?: [^ \n]+)?)/gm)]
    .filter(([, flag]) => flag !== '--help')
    .map(([, flag, argument]) => `[${flag}${argument}]`);
}

/** Width of the synopsis and of the top-level help. */
const WIDTH = 80;

/** One `upstate <command> …` entry per command, each wrapped to `width` columns. */
export function synopsis(width = WIDTH): string {
  const nameWidth = Math.max(...COMMANDS.map((command) => command.name.length));
  return COMMANDS.map((command) => {
    const head = `upstate ${command.name.padEnd(nameWidth)} `;
    const words = [command.operands, ...flagsOf(command.usage)].filter((word) => word !== '').join(' ');
    // Flags never split across lines: join each flag's words with no-break spaces while wrapping.
    const text = words.replace(/\[[^\]]*\]/g, (flag) => flag.replaceAll(' ', '\u00a0'));
    return wrap(text, width, head).replaceAll('\u00a0', ' ');
  })
    .concat('upstate --help | --version')
    .join('\n');
}

/** `upstate --help`. */
export function topUsage(): string {
  const nameWidth = Math.max(...COMMANDS.map((command) => command.name.length));
  const list = COMMANDS.map((command) => {
    const head = `  ${command.name.padEnd(nameWidth)}  `;
    return wrap(command.summary, WIDTH, head);
  }).join('\n');
  return `Usage: upstate <command> [options]

${synopsis(WIDTH - 2)
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}

Commands:
${list}

Run 'upstate <command> --help' for a command's options.
Exit codes: 0 done, 1 the run failed, 2 bad arguments, 130 interrupted (Ctrl-C).
`;
}
