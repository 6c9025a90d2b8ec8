/**
 * `--ui [PORT]` for the long-running commands: serves the live page, `/metrics` and `/healthz`
 * for the command's orchestrator on 127.0.0.1 (a free port unless one is given). `upstate
 * gateway --http PORT [--host H]` serves the same for the gateway.
 */
import { type LiveSource, type LiveView, serveLiveView } from '../live/index.js';
import { integerOption, UsageError } from './args.js';

export interface UiOption {
  /** 0 picks a free port. */
  readonly port: number;
  /** The address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** The flag that asked for the view, for its error messages. @default '--ui' */
  readonly flag?: string;
}

/**
 * Takes `--ui`, `--ui PORT` and `--ui=PORT` out of `argv`: Node's `parseArgs` has no option whose
 * value may be left out. A bare number right after `--ui` is its port.
 */
export function takeUiOption(argv: readonly string[]): { readonly argv: string[]; readonly ui: UiOption | undefined } {
  const rest: string[] = [];
  let ui: UiOption | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg !== '--ui' && !arg.startsWith('--ui=')) {
      rest.push(arg);
      continue;
    }
    if (ui !== undefined) throw new UsageError('--ui given twice');
    let text: string | undefined;
    if (arg.startsWith('--ui=')) text = arg.slice('--ui='.length);
    else if (/^\d+$/.test(argv[i + 1] ?? '')) text = argv[++i];
    ui = { port: text === undefined ? 0 : integerOption('--ui', text, 1, 65_535) };
  }
  return { argv: rest, ui };
}

/** Serves the live view for `source`; a port already taken is a `UsageError`. */
export async function startUi(source: LiveSource, ui: UiOption, secrets: readonly string[], title = 'upstate live'): Promise<LiveView> {
  const flag = ui.flag ?? '--ui';
  try {
    return await serveLiveView(source, { port: ui.port, secrets, title, ...(ui.host === undefined ? {} : { host: ui.host }) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`${flag} port ${ui.port} is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(`--host ${ui.host ?? ''}: no such address on this machine`);
    throw error;
  }
}

/** The line a command prints so the user can open the page. */
export function uiLine(view: LiveView): string {
  return `Live view: open ${view.url} (also ${view.url}metrics and ${view.url}healthz)`;
}
