import { connect } from '@nats-io/transport-node';
const t = Date.now();
setTimeout(() => console.log('still waiting', Date.now() - t), 3000);
try { await connect({ servers: 'nats://127.0.0.1:1', maxReconnectAttempts: -1, reconnectTimeWait: 250 }); console.log('ok'); } catch (e) { console.log('err', String(e), Date.now() - t); }
