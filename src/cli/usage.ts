/** The help texts of `upstate` and its commands, and how a bad argument is reported. */
import { EXIT, type CliIo } from './io.js';

export const USAGE = `Usage: upstate <command> [options]

Commands:
  demo                    embedded exchange, ~50 components subscribing in bursts, a live view,
                          then naive sending vs the pending flush, measured in this run
  watch <type> <codes…>   one subscription as a live table or JSON lines
  sim                     the embedded Upbit-compatible exchange alone
  gateway --nats <url>    fleet mode: one process holds the Upbit connections, clients join over NATS

Run 'upstate <command> --help' for a command's options.
Exit codes: 0 done, 1 the run failed, 2 bad arguments.
`;

export const DEMO_USAGE = `Usage: upstate demo [options]

Starts the embedded exchange and about 50 components that subscribe and unsubscribe in bursts
(one of them private: myOrder), shows each connection live, then compares naive sending (one
message per change) with the pending flush for concurrent requests, on the exchange.

Options:
  --duration S        seconds of live view (default 30); the comparison runs alongside
  --compare N,N,…     concurrent requests to compare, each 1 to 100 (default 1,5,10,100)
  --seed N            seed of the market and of the components' bursts (default 1)
  --inspect           serve the Stately inspector locally and print its URL
  --inspect-port N    port of the inspector (default: a free one)
  --trace FILE        write every inspection event to FILE as JSON lines
  -h, --help          show this help

Environment: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY set the key pair of the private component
(generated when unset); they are used with the embedded exchange only.
`;

export const WATCH_USAGE = `Usage: upstate watch <type> [codes…] [options]

Streams one subscription: a live table, or one JSON object per line with --json. Messages
always carry Upbit's DEFAULT field names. Runs against an embedded exchange unless --endpoint
is given; ends after --count messages, after --duration, or on Ctrl-C.

  <type>    ticker, trade, orderbook, candle.1s … candle.240m, myOrder, myAsset
  <codes>   market codes such as KRW-BTC (orderbook: KRW-BTC.15 for 15 levels)

Options:
  --endpoint URL      a real WebSocket endpoint, e.g. wss://api.upbit.com/websocket/v1
                      (…/v1/private for myOrder and myAsset, with UPBIT_ACCESS_KEY and
                      UPBIT_SECRET_KEY set)
  --format F          wire format: DEFAULT or SIMPLE (default DEFAULT)
  --json              print JSON lines instead of a table
  --count N           stop after N messages
  --duration S        stop after S seconds
  --inspect           serve the Stately inspector locally and print its URL
  --inspect-port N    port of the inspector (default: a free one)
  --trace FILE        write every inspection event to FILE as JSON lines
  -h, --help          show this help
`;

/** Prints `upstate <command>: <message>` and the usage on stderr; returns exit code 2. */
export function usageFailure(io: CliIo, command: string, error: Error, usage: string): number {
  const prefix = command === '' ? 'upstate' : `upstate ${command}`;
  io.stderr.write(`${prefix}: ${oneLine(error.message)}\n\n${usage}`);
  return EXIT.usage;
}

/** The message on one line, whatever it contained. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
