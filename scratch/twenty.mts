import { startExchange } from '../src/sim/index.js';
import { startGateway } from '../src/fleet/index.js';
import { startNatsServer } from '../test/fleet/nats-server.js';
import { ClientProcess } from '../test/fleet/processes.js';
const nats = await startNatsServer();
const ex = await startExchange({});
const gw = await startGateway({ nats: nats.url, orchestrator: { endpoints: { public: ex.url, private: ex.privateUrl } } });
const t0 = Date.now();
const startAt = Date.now() + 4000;
const N = Number(process.argv[2] ?? 20);
const cs = Array.from({ length: N }, (_, i) => new ClientProcess({ nats: nats.url, specs: [{ type: 'ticker', codes: [['KRW-BTC','KRW-ETH','KRW-XRP'][i%3]!] }], startAt }));
for (let s = 0; s < 20; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  console.log(Date.now() - t0, 'settled', cs.filter((c) => c.settled).length, 'seen', cs.filter((c) => c.total > 0).length, 'errors', cs.flatMap((c) => c.errors.map((e) => e.code)).join(','), JSON.stringify(gw.stats()));
  if (cs.every((c) => c.settled)) break;
}
await Promise.all(cs.map((c) => c.stop()));
await gw.close(); await ex.close(); await nats.close();
