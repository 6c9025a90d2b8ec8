/**
 * `upstate gateway`: the fleet gateway (docs/fleet.md) until the command's signal aborts. With
 * neither endpoint flag it starts the embedded exchange, so a fleet runs offline.
 */
import { startGateway, type Gateway, type GatewayRoleState } from '../fleet/index.js';
import { loadFleet } from '../fleet/nats.js';
import { UpstateError } from '../errors.js';
import type { Credentials } from '../options.js';
import { startExchange, type ExchangeHandle } from '../sim/index.js';
import type { LiveView } from '../live/index.js';
import { credentialsFromEnv, integerOption, isUsageError, parseCommandArgs, UsageError } from './args.js';
import { type CliIo, EXIT } from './io.js';
import { startUi, type UiOption, uiLine } from './ui.js';
import { GATEWAY_USAGE, usageFailure } from './usage.js';


export interface GatewayArgs {
  readonly help: boolean;
  readonly nats: readonly string[];
  readonly endpoint: string | undefined;
  readonly privateEndpoint: string | undefined;
  readonly prefix: string | undefined;
  readonly privatePrefix: string | undefined;
  readonly activeLeaseMs: number | undefined;
  readonly standbyPollMs: number | undefined;
  /** `--http PORT [--host H]`: the live view, `/healthz` and `/metrics` of the gateway. */
  readonly http: UiOption | undefined;
}

export function parseGatewayArgs(argv: readonly string[]): GatewayArgs {
  const { values } = parseCommandArgs({
    args: [...argv],
    options: {
      nats: { type: 'string', multiple: true },
      endpoint: { type: 'string' },
      'private-endpoint': { type: 'string' },
      prefix: { type: 'string' },
      'private-prefix': { type: 'string' },
      'active-lease-ms': { type: 'string' },
      'standby-poll-ms': { type: 'string' },
      http: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const help = values.help === true;
  if (!help && (values.nats === undefined || values.nats.length === 0)) throw new UsageError('--nats <url> is required');
  for (const flag of ['endpoint', 'private-endpoint'] as const) {
    const url = values[flag];
    if (url !== undefined && !/^wss?:\/\/\S+$/.test(url)) throw new UsageError(`--${flag} expects a ws:// or wss:// URL, got '${url}'`);
  }
  if (values.host !== undefined && values.http === undefined) throw new UsageError('--host is the address of --http: give --http PORT too');
  if (values.host !== undefined && !/^\S+$/.test(values.host)) throw new UsageError(`--host expects a host name or address, got '${values.host}'`);
  return {
    help,
    nats: values.nats ?? [],
    endpoint: values.endpoint,
    privateEndpoint: values['private-endpoint'],
    prefix: values.prefix,
    privatePrefix: values['private-prefix'],
    activeLeaseMs: milliseconds(values['active-lease-ms'], 'active-lease-ms', 300),
    standbyPollMs: milliseconds(values['standby-poll-ms'], 'standby-poll-ms', 1),
    http:
      values.http === undefined
        ? undefined
        : { port: integerOption('--http', values.http, 0, 65_535), flag: '--http', ...(values.host === undefined ? {} : { host: values.host }) },
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let args: GatewayArgs;
  let credentials: Credentials | undefined;
  try {
    args = parseGatewayArgs(argv);
    if (args.help) {
      io.stdout.write(GATEWAY_USAGE);
      return EXIT.ok;
    }
    credentials = credentialsFromEnv(env);
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, 'gateway', error, GATEWAY_USAGE);
    throw error;
  }
  // The NATS packages (optional peers) before the embedded exchange: without them nothing starts.
  await loadFleet();
  let exchange: ExchangeHandle | undefined;
  let gateway: Gateway;
  try {
    const embedded = args.endpoint === undefined && args.privateEndpoint === undefined;
    if (embedded) exchange = await startExchange({ credentials: credentials === undefined ? [] : [credentials] });
    const endpoints = exchange
      ? { public: exchange.url, private: exchange.privateUrl }
      : { ...(args.endpoint ? { public: args.endpoint } : {}), ...(args.privateEndpoint ? { private: args.privateEndpoint } : {}) };
    gateway = await startGateway({
      nats: {
        servers: [...args.nats],
        ...(env.NATS_USER ? { user: env.NATS_USER, pass: env.NATS_PASSWORD ?? '' } : {}),
        ...(env.NATS_TOKEN ? { token: env.NATS_TOKEN } : {}),
      },
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(args.privatePrefix === undefined ? {} : { privatePrefix: args.privatePrefix }),
      ...(args.activeLeaseMs === undefined ? {} : { activeLeaseMs: args.activeLeaseMs }),
      ...(args.standbyPollMs === undefined ? {} : { standbyPollMs: args.standbyPollMs }),
      orchestrator: { endpoints, ...(credentials ? { credentials } : {}) },
    });
  } catch (error) {
    await exchange?.close();
    if (isUsageError(error)) return usageFailure(io, 'gateway', error, GATEWAY_USAGE);
    // Another gateway on this prefix and no JetStream for a lease: say so and stay out.
    if (error instanceof UpstateError && error.code === 'ERR_OPTION') {
      io.stderr.write(`upstate gateway: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  }
  let view: LiveView | undefined;
  try {
    view = args.http ? await startUi(gateway.live, args.http, credentials ? [credentials.secretKey] : [], 'upstate gateway') : undefined;
  } catch (error) {
    await gateway.close();
    await exchange?.close();
    if (isUsageError(error)) return usageFailure(io, 'gateway', error, GATEWAY_USAGE);
    throw error;
  }
  const upstream = exchange ? `${exchange.url} (embedded exchange)` : (args.endpoint ?? 'wss://api.upbit.com/websocket/v1');
  io.stdout.write(
    `upstate gateway: serving the fleet on ${args.nats.join(', ')}\n` +
      `  upstream: ${upstream}\n` +
      `  subjects: ${gateway.prefixes.public}.<type>.<code>; private streams ${credentials ? `on, under ${gateway.prefixes.private}.>` : 'off (no UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY)'}\n` +
      (view ? `  ${uiLine(view)}\n` : ''),
  );
  gateway.on('demand', (client, kind) => io.stdout.write(`  demand   ${client.slice(0, 8)} ${kind}\n`));
  gateway.on('release', (client, kind, why) => io.stdout.write(`  ${why.padEnd(9)}${client.slice(0, 8)} ${kind}\n`));
  gateway.on('error', (error) => io.stderr.write(`upstate gateway: ${error.code} ${error.message}\n`));
  const role = (state: GatewayRoleState): void => {
    io.stdout.write(`  role     ${state.role} (epoch ${state.epoch}${state.election === 'alone' ? ', no JetStream: no standby possible' : ''}${state.lostBecause && state.role === 'deposed' ? `: ${state.lostBecause}` : ''})\n`);
  };
  role(gateway.role());
  gateway.on('role', role);
  await aborted(io.signal);
  await view?.close();
  await gateway.close();
  await exchange?.close();
  io.stdout.write('upstate gateway: closed\n');
  return EXIT.ok;
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

function milliseconds(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new UsageError(`--${flag} expects a whole number of milliseconds ≥ ${min}, got '${value}'`);
  return n;
}
