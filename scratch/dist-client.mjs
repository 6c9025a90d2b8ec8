import { createFleetClient } from '../dist/gateway.js';
const c = createFleetClient({ gateway: 'nats://127.0.0.1:24999' });
let n = 0;
c.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => n++);
await c.settled();
await new Promise((r) => setTimeout(r, 1000));
console.log('messages in 1 s after settled:', n);
await c.close();
