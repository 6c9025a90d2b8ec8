/**
 * The consumer check (`npm run test:consumer`, run by .ci/run): what a user gets from
 * `npm install upstate`, checked the way a careful user would.
 *
 * 1. `npm pack` (which runs `prepare`, so dist/ is built from this checkout) and checks what the
 *    tarball holds: dist/ without source maps, docs/, LICENSE, README.md; never src/ or machines/.
 * 2. Installs the tarball into a scratch project in a temporary folder, with an ESM (`"type":
 *    "module"`) and a CommonJS (`"type": "commonjs"`) sub-project. That project also installs the
 *    optional peers the docs' fleet and live-view examples need (the @nats-io packages, elkjs,
 *    prom-client); @statelyai/inspect stays out.
 * 3. Extracts every ```ts block of the installed README.md and docs/*.md that imports from
 *    `upstate` (an example, as opposed to a signature), plus a smoke file that imports every entry
 *    point, and compiles them in both flavours with `strict`, `module`/`moduleResolution`
 *    `nodenext` and `skipLibCheck: false`: a doc that drifts from the API fails here.
 * 4. Runs each example that imports `upstate/sim` (they are self-contained: the embedded exchange
 *    on 127.0.0.1) in both flavours and checks that the process exits 0 by itself.
 *    Loads the ESM and the CommonJS build in one process and checks they share one connection gate.
 * 5. Runs the installed `upstate` command (--version, --help, a bounded watch on the embedded
 *    exchange, --inspect without the optional inspector) and checks every relative link of the
 *    shipped docs resolves inside the package.
 * 5b. A second project installs upstate WITHOUT any optional peer, as a user who only streams
 *    does: no module of dist/ imports a peer at load time, a main-entry example (streaming from
 *    the embedded exchange) compiles and runs in ESM and CommonJS, and the features that need a
 *    peer (serveLiveView, startGateway, `upstate gateway`, `watch --ui`) stop with ERR_PEER_MISSING
 *    and the install command.
 * 6. Prints the tarball's size and the installed size of the package with its dependencies,
 *    without and with the optional peers.
 *
 * Needs the npm registry (the dependencies of the tarball; `--prefer-offline` uses the cache
 * `npm ci` filled). Exits 1 naming every failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** How long one example or command may run before it counts as "did not exit by itself". */
const EXIT_WITHIN_MS = 30_000;
/** Names the README's headline example uses without defining them (a user's own objects). */
const DOC_CONTEXT = `// Things the docs' examples use without defining them: the reader's own objects.
declare const accessKey: string;
declare const secretKey: string;
declare const log: { warn(error: unknown, code?: string): void };
declare const chart: { update(code: string, price: number): void };
declare const recorder: { write(trade: import('upstate').TradeMessage): void };
declare const signal: AbortSignal;
declare function onEvent(message: import('upstate').UpbitMessage): void;
declare const credentials: import('upstate').Credentials;
declare const upbit: import('upstate').Orchestrator;
declare const otherUpbit: import('upstate').Orchestrator;
declare const endpoints: { public: string; private: string };
declare const model: import('upstate/testing').PathModel;
declare const myGate: import('upstate').RateGate;
`;
/** Imports every entry point the way a consumer does, and runs a machine with the consumer's own xstate. */
const SMOKE = `import { createOrchestrator, SpecError, type MessageOf } from 'upstate';
import { flushMachine, connectionMachine, orchestratorMachine } from 'upstate/machines';
import { startExchange, DEFAULT_MARKETS } from 'upstate/sim';
import { createActor, fromPromise } from 'xstate';

const ticker: (message: MessageOf<'ticker'>) => number = (message) => message.trade_price;
const actor = createActor(
  flushMachine.provide({
    actors: {
      acquireSendToken: fromPromise(async () => {}),
      sendDesired: fromPromise(async ({ input }) => ({ fingerprint: input.server, sent: false })),
    },
  }),
  { input: { kind: 'public' } },
);
actor.start();
actor.stop();
console.log(typeof createOrchestrator, typeof startExchange, DEFAULT_MARKETS.length, typeof ticker,
  connectionMachine.id, orchestratorMachine.id, new SpecError('type', 1, 'x').code);
`;
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
    rootDir: '.',
  },
  include: ['*.ts'],
};

/** The optional peers (package.json's peerDependenciesMeta), but the inspector, which `--inspect` checks is absent. */
const OPTIONAL_PEERS = ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv', 'elkjs', 'prom-client'];
/**
 * A user who only streams: the main entry and the embedded exchange, no optional peer installed.
 * The features that need one must say what to install, and start nothing.
 */
const WITHOUT_PEERS = `import { createOrchestrator, serveLiveView, type TickerMessage, type UpstateError } from 'upstate';
import { startExchange } from 'upstate/sim';

const exchange = await startExchange();
const upbit = createOrchestrator({ endpoints: { public: exchange.url } });
const first = await new Promise<TickerMessage>((resolve) => {
  const subscription = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (ticker) => {
    subscription.unsubscribe();
    resolve(ticker);
  });
});
const missing = async (what: string, start: () => Promise<unknown>, install: string): Promise<void> => {
  const error = (await start().then(() => undefined, (e: unknown) => e)) as UpstateError | undefined;
  if (error?.code !== 'ERR_PEER_MISSING' || !error.message.includes(install)) throw new Error(what + ' without its peers: ' + String(error));
};
await missing('serveLiveView', () => serveLiveView(upbit), 'npm install elkjs prom-client');
// upstate/gateway's types name the NATS client's (a fleet user has it): loaded untyped here.
const fleet = (await import('upstate/gateway' as string)) as { startGateway(options: { nats: string }): Promise<unknown> };
await missing('startGateway', () => fleet.startGateway({ nats: 'nats://127.0.0.1:4222' }), 'npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv');
await upbit.close();
await exchange.close();
console.log(first.code + ' ' + first.trade_price);
`;

const failures: string[] = [];
const fail = (what: string): void => {
  failures.push(what);
  console.error(`✗ ${what}`);
};
const ok = (what: string): void => console.log(`✓ ${what}`);

function run(command: string, args: readonly string[], cwd: string, timeoutMs = EXIT_WITHIN_MS) {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, CI: 'true' } });
  return { status: child.status, signal: child.signal, stdout: child.stdout ?? '', stderr: child.stderr ?? '', timedOut: child.error !== undefined };
}

function versionOf(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} kB`;
}

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]) * 1024;
}

// ── 1. pack ──────────────────────────────────────────────────────────────────

const scratch = mkdtempSync(join(tmpdir(), 'upstate-consumer-'));
console.log(`consumer check in ${scratch}`);
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
) as { filename: string; size: number; unpackedSize: number; files: { path: string }[]; version: string }[];
if (packed === undefined) throw new Error('npm pack reported nothing');
const tarball = join(scratch, packed.filename);
const paths = packed.files.map((file) => file.path);
const unwanted = paths.filter((path) => /^(src|machines|test|bench|scripts)\//.test(path) || path.endsWith('.map'));
if (unwanted.length > 0) fail(`the tarball ships ${unwanted.join(', ')}`);
for (const wanted of ['LICENSE', 'README.md', 'package.json', 'dist/cli.js', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts',
  'dist/machines.d.ts', 'dist/machines.d.cts', 'dist/sim.d.ts', 'dist/sim.d.cts', 'docs/api.md', 'docs/sim.md']) {
  if (!paths.includes(wanted)) fail(`the tarball lacks ${wanted}`);
}
if (failures.length === 0) ok(`tarball: ${paths.length} files, no sources, no maps`);

// ── 2. install into ESM and CommonJS projects ───────────────────────────────

const project = join(scratch, 'project');
mkdirSync(project);
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
const tools = ['typescript', '@types/node', '@types/ws', 'ws'].map((name) => `${name}@${versionOf(name)}`);
const peers = OPTIONAL_PEERS.map((name) => `${name}@${versionOf(name)}`);
execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...tools, ...peers], {
  cwd: project,
  stdio: 'inherit',
});
const installed = join(project, 'node_modules', 'upstate');
if (existsSync(join(project, 'node_modules', '@statelyai', 'inspect'))) fail('@statelyai/inspect was installed for a library user');
if (!existsSync(join(project, 'node_modules', 'xstate'))) fail('xstate (a peer dependency) was not installed');

interface Example {
  readonly name: string;
  readonly code: string;
  /** Self-contained on the embedded exchange: compiled and run. */
  readonly runs: boolean;
}

/** The ```ts blocks of a markdown file that import from upstate. */
function examplesOf(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const code = lines.slice(start, end).join('\n');
    i = end;
    if (!/from 'upstate(\/[a-z]+)?';/.test(code)) continue;
    // A test file (docs/testing.md) needs the reader's test runner: upstate's own suite runs it.
    if (/from 'vitest';/.test(code)) continue;
    const name = `${relative(installed, file).replace(/[^\w]+/g, '_')}_L${start}`;
    examples.push({ name, code, runs: /from 'upstate\/sim';/.test(code) });
  }
  return examples;
}

const docs = [join(installed, 'README.md'), ...readdirSync(join(installed, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(installed, 'docs', f))];
const examples = docs.flatMap(examplesOf);
if (examples.length < 5) fail(`only ${examples.length} examples found in the shipped docs`);
examples.push({ name: 'smoke', code: SMOKE, runs: true });

/** CommonJS has no top-level await: imports stay on top, the rest runs in an async function. */
function asCommonJs(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((line) => /^import\s/.test(line));
  const body = lines.filter((line) => !/^import\s/.test(line) && !/^declare\s/.test(line));
  const declarations = lines.filter((line) => /^declare\s/.test(line));
  return [...imports, ...declarations, 'async function main(): Promise<void> {', ...body, '}', 'main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });', 'export {};'].join('\n');
}

for (const flavour of ['esm', 'cjs'] as const) {
  const dir = join(project, flavour);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: flavour === 'esm' ? 'module' : 'commonjs' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, 'doc-context.d.ts'), DOC_CONTEXT);
  for (const example of examples) {
    const code = flavour === 'esm' ? `${example.code}\nexport {};\n` : asCommonJs(example.code);
    writeFileSync(join(dir, `${example.name}.ts`), code);
  }
}

// ── 3. compile ───────────────────────────────────────────────────────────────

const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
for (const flavour of ['esm', 'cjs'] as const) {
  const result = run(process.execPath, [tsc, '-p', flavour], project, 120_000);
  if (result.status === 0) ok(`${flavour}: ${examples.length} examples compile (strict, nodenext, skipLibCheck false)`);
  else fail(`${flavour}: the examples do not compile:\n${result.stdout}${result.stderr}`);
}

// ── 4. run the self-contained examples ──────────────────────────────────────

for (const flavour of ['esm', 'cjs'] as const) {
  for (const example of examples.filter((e) => e.runs)) {
    const file = join(project, flavour, 'out', `${example.name}.js`);
    if (!existsSync(file)) continue; // reported as a compile failure
    const result = run(process.execPath, [file], project);
    if (result.timedOut) fail(`${flavour} ${example.name}: did not exit by itself within ${EXIT_WITHIN_MS / 1000} s`);
    else if (result.status !== 0) fail(`${flavour} ${example.name}: exit ${result.status}\n${result.stderr.slice(0, 2000)}`);
    else ok(`${flavour} ${example.name}: ran and exited by itself`);
  }
}

// ── 4b. one connection gate per process, whichever build loaded upstate ─────

/**
 * An ESM program that also requires the CommonJS build (as a CommonJS dependency of an ESM
 * service would): four orchestrators from each build connect at once. One gate (five per rolling
 * 1.1 s) lets five arrive together and three a second later; a gate per build, all eight at once.
 */
const BOTH_BUILDS = `import { createRequire } from 'node:module';
import { createOrchestrator } from 'upstate';
import { startExchange } from 'upstate/sim';
const required = createRequire(import.meta.url)('upstate');
if (required.createOrchestrator === createOrchestrator) throw new Error('require and import gave one build');
const exchange = await startExchange({ tickMs: 0, limits: false });
const arrivals = [];
exchange.on('connection', () => arrivals.push(Date.now()));
const all = [createOrchestrator, required.createOrchestrator].flatMap((create) =>
  Array.from({ length: 4 }, () => create({ endpoints: { public: exchange.url }, debounceMs: 1 })));
for (const upbit of all) upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
await Promise.all(all.map((upbit) => upbit.settled({ signal: AbortSignal.timeout(10_000) })));
await Promise.all(all.map((upbit) => upbit.close()));
await exchange.close();
const together = arrivals.filter((at) => at - arrivals[0] < 500).length;
if (arrivals.length !== 8 || together > 5) throw new Error(together + ' of ' + arrivals.length + ' connections at once: two connection gates');
`;
writeFileSync(join(project, 'esm', 'both-builds.mjs'), BOTH_BUILDS);
const both = run(process.execPath, [join(project, 'esm', 'both-builds.mjs')], project);
if (both.status === 0) ok('ESM and CommonJS builds loaded together share one connection gate');
else fail(`ESM and CommonJS builds loaded together: exit ${both.status}, timed out ${both.timedOut}\n${both.stderr.slice(0, 2000)}`);

// ── 5. the command and the shipped links ────────────────────────────────────

const bin = join(project, 'node_modules', '.bin', 'upstate');
const version = run(bin, ['--version'], project);
if (version.status === 0 && version.stdout.trim() === packed.version) ok(`upstate --version: ${packed.version}`);
else fail(`upstate --version printed '${version.stdout.trim()}' (exit ${version.status}), expected ${packed.version}`);
const help = run(bin, ['--help'], project);
if (help.status === 0 && help.stdout.includes('Usage: upstate')) ok('upstate --help');
else fail(`upstate --help: exit ${help.status}`);
const watch = run(bin, ['watch', 'ticker', 'KRW-BTC', '--json', '--count', '2'], project);
if (watch.status === 0 && watch.stdout.trim().split('\n').length === 2) ok('upstate watch --count 2 ends by itself');
else fail(`upstate watch --count 2: exit ${watch.status}, timed out ${watch.timedOut}\n${watch.stderr}`);
const inspect = run(bin, ['watch', 'ticker', 'KRW-BTC', '--inspect', '--count', '1'], project);
if (inspect.status === 1 && inspect.stderr.includes('npm install @statelyai/inspect')) ok('--inspect without @statelyai/inspect says how to get it');
else fail(`--inspect without @statelyai/inspect: exit ${inspect.status}\n${inspect.stderr}`);

const broken: string[] = [];
for (const file of docs) {
  for (const match of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1]!.split('#')[0]!;
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    const linked = resolve(dirname(file), target);
    if (!linked.startsWith(installed) || !existsSync(linked)) broken.push(`${relative(installed, file)} → ${target}`);
  }
}
if (broken.length === 0) ok('every relative link of the shipped README and docs resolves in the package');
else fail(`links that are dead in the installed package: ${broken.join(', ')}`);

// ── 5b. without the optional peers ──────────────────────────────────────────

const bare = join(scratch, 'without-peers');
mkdirSync(bare);
writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'without-peers', private: true }, null, 2));
execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...['typescript', '@types/node'].map((name) => `${name}@${versionOf(name)}`)], {
  cwd: bare,
  stdio: 'inherit',
});
const present = [...OPTIONAL_PEERS, '@statelyai/inspect'].filter((name) => existsSync(join(bare, 'node_modules', name)));
if (present.length > 0) fail(`npm install upstate installed optional peers: ${present.join(', ')}`);
// Static imports of a peer in the shipped code (a dynamic import() inside a function is how they load).
const bareDist = join(bare, 'node_modules', 'upstate', 'dist');
const staticPeer = new RegExp(`^\\s*(import\\b[^(]*?from\\s*|import\\s*|.*\\brequire\\()["'](${OPTIONAL_PEERS.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')}|@statelyai/inspect)(/[^"']*)?["']`, 'm');
const staticImporters = readdirSync(bareDist).filter((file) => /\.(c?js)$/.test(file) && staticPeer.test(readFileSync(join(bareDist, file), 'utf8')));
if (staticImporters.length === 0) ok('no module of dist/ imports an optional peer at load time');
else fail(`dist/ modules that import an optional peer at load time: ${staticImporters.join(', ')}`);
for (const flavour of ['esm', 'cjs'] as const) {
  const dir = join(bare, flavour);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: flavour === 'esm' ? 'module' : 'commonjs' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(dir, 'stream.ts'), flavour === 'esm' ? `${WITHOUT_PEERS}\nexport {};\n` : asCommonJs(WITHOUT_PEERS));
  const compiled = run(process.execPath, [join(bare, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', flavour], bare, 120_000);
  if (compiled.status !== 0) {
    fail(`${flavour} without peers: the main-entry example does not compile:\n${compiled.stdout}${compiled.stderr}`);
    continue;
  }
  const ran = run(process.execPath, [join(dir, 'out', 'stream.js')], bare);
  if (ran.status === 0 && /^KRW-BTC \d/.test(ran.stdout)) ok(`${flavour} without peers: compiles (skipLibCheck false), streams from the embedded exchange, serveLiveView and startGateway say what to install`);
  else fail(`${flavour} without peers: exit ${ran.status}, timed out ${ran.timedOut}\n${ran.stdout}${ran.stderr.slice(0, 2000)}`);
}
const bareBin = join(bare, 'node_modules', '.bin', 'upstate');
for (const [args, install] of [
  [['gateway', '--nats', 'nats://127.0.0.1:4222'], 'npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv'],
  [['watch', 'ticker', 'KRW-BTC', '--ui', '--count', '1'], 'npm install elkjs prom-client'],
  [['demo', '--ui', '--duration', '5'], 'npm install elkjs prom-client'],
] as const) {
  const result = run(bareBin, args, bare);
  // One line, no stack trace.
  const oneLine = result.stderr.trim().split('\n').length === 1;
  if (result.status === 1 && oneLine && result.stderr.includes(install)) {
    ok(`upstate ${args.join(' ')} without its peers: exit 1, ${JSON.stringify(result.stderr.trim())}`);
  } else fail(`upstate ${args.join(' ')} without its peers: exit ${result.status}, timed out ${result.timedOut}\n${result.stderr.slice(0, 2000)}`);
}

// ── 6. sizes ─────────────────────────────────────────────────────────────────

const runtime = join(scratch, 'runtime');
mkdirSync(runtime);
writeFileSync(join(runtime, 'package.json'), JSON.stringify({ name: 'runtime', private: true }));
execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: runtime, stdio: 'inherit' });
const installedBytes = duBytes(join(runtime, 'node_modules'));
const runtimePackages = readdirSync(join(runtime, 'node_modules')).filter((name) => !name.startsWith('.')).length;
const upstateBytes = duBytes(join(runtime, 'node_modules', 'upstate'));
execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...peers, `@statelyai/inspect@${versionOf('@statelyai/inspect')}`], { cwd: runtime, stdio: 'inherit' });
const withPeersBytes = duBytes(join(runtime, 'node_modules'));
console.log(
  `sizes: tarball ${kib(statSync(tarball).size)} (${packed.files.length} files), unpacked ${kib(packed.unpackedSize)}, ` +
    `installed with its dependencies and no optional peer ${kib(installedBytes)} (du of node_modules, ${runtimePackages} top-level entries; ` +
    `upstate itself ${kib(upstateBytes)}); with every optional peer ${kib(withPeersBytes)}`,
);

if (failures.length > 0) {
  console.error(`\nconsumer check: ${failures.length} failure(s); scratch project kept in ${scratch}`);
  process.exit(1);
}
rmSync(scratch, { recursive: true, force: true });
console.log('consumer check passed');
