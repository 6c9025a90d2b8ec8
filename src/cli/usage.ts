/**
 * The help texts of upstate's commands and how a bad argument is reported. The top-level help and
 * the synopsis are made from these texts by commands.ts, so a flag listed here is in both.
 */
import { DEFAULT_MARKETS } from '../sim/catalogue.js';
import { COMMON_HELP } from './args.js';
import { EXIT, type CliIo } from './io.js';

/**
 * `head` followed by `text` broken at spaces into lines of at most `width` columns; lines after
 * the first are indented to the width of `head`.
 */
export function wrap(text: string, width: number, head = ''): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    const candidate = line.length === head.length && lines.length === 0 ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length > width && line.trim() !== '') {
      lines.push(line);
      line = `${' '.repeat(head.length)}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

export const DEMO_USAGE = `Usage: upstate demo [options]

Starts the embedded exchange and about 50 components that subscribe and unsubscribe in bursts
(one of them private: myOrder), shows each connection live, then compares naive sending (one
message per change) with the pending flush for concurrent requests, on the exchange.

Options:
  --duration S        seconds the whole run takes at most (default 30); a comparison
                      still running then is cut short and reported as such
  --compare N,N,…     concurrent requests to compare, each 1 to 100 (default 1,5,10,100;
                      100 needs about 25 s)
  --seed N            seed of the market and of the components' bursts (default 1)
${COMMON_HELP}

Everything it shows is simulated: the embedded exchange makes up the market.
Environment: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY set the key pair of the private component
(generated when unset); they are used with the embedded exchange only.
`;

export const WATCH_USAGE = `Usage: upstate watch <type> [codes…] [options]

Streams one subscription: a live table, or one JSON object per line with --json. Messages
always carry Upbit's DEFAULT field names. Runs against an embedded exchange unless --endpoint
is given: its data is simulated, and every output says so (JSON lines carry
"simulated": true). Ends after --count messages, after --duration, or on Ctrl-C.

  <type>    ticker, trade, orderbook, candle.1s … candle.240m, myOrder, myAsset
  <codes>   market codes such as KRW-BTC (orderbook: KRW-BTC.15 for 15 levels); on the
            embedded exchange, one of its markets (see 'upstate sim --help')

Options:
  --endpoint URL      a real WebSocket endpoint, e.g. wss://api.upbit.com/websocket/v1
                      (…/v1/private for myOrder and myAsset, with UPBIT_ACCESS_KEY and
                      UPBIT_SECRET_KEY set)
  --format F          wire format: DEFAULT or SIMPLE (default DEFAULT)
  --json              print JSON lines instead of a table
  --count N           stop after N messages
  --duration S        stop after S seconds
${COMMON_HELP}
`;

export const SIM_USAGE = `Usage: upstate sim [options]

${wrap(`Runs an Upbit-compatible WebSocket exchange on this machine until Ctrl-C. Its market is simulated; it lists ${DEFAULT_MARKETS.join(', ')}.`, 90)}

Options:
  --port N            TCP port (default 0: any free port)
  --host H            interface to listen on (default 127.0.0.1)
  --seed N            seed of the simulated market (default 1)
  --tick-ms N         milliseconds between market ticks (default 100; 0: no ticks)
  -h, --help          show this help

Environment: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY set the key pair the private endpoint
accepts; without them it refuses every handshake.
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

export const GATEWAY_USAGE = `Usage: upstate gateway --nats <url> [options]

Holds the Upbit connections of a fleet: clients announce what they want over NATS, the gateway
merges it, subscribes once, and publishes every frame to <prefix>.<type>.<code>.

Options:
  --nats URL               NATS server, e.g. nats://127.0.0.1:4222 (required; repeat for a cluster)
  --endpoint URL           public Upbit WebSocket (default: the embedded exchange when neither
                           endpoint is given, else wss://api.upbit.com/websocket/v1)
  --private-endpoint URL   private Upbit WebSocket (same default rule)
  --prefix P               subject prefix of public streams (default upstate)
  --private-prefix P       subject prefix of private streams (default upstate-private)
  --active-lease-ms N      the active gateway's lease in JetStream KV (default 3000; the same
                           for every gateway of a prefix): a standby takes over within about it
  --standby-poll-ms N      how often a standby tries to claim the lease (default 500)
  --http PORT              serve the live view, /healthz and /metrics of this gateway on PORT
                           (0: any free port); /healthz answers 200 for a healthy standby too
  --host H                 address --http listens on (default 127.0.0.1)
  -h, --help               show this help

Run it twice or more on a NATS server with JetStream for a standby that takes over; without
JetStream a second gateway on the same prefix refuses to start.

Environment: UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY (both or neither) let private streams
(myOrder, myAsset) through; NATS_USER / NATS_PASSWORD or NATS_TOKEN log in to NATS.
`;
