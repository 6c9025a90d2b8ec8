import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { run } from '../../src/cli/sim.js';
import { captureIo } from './io.js';

describe('upstate sim', () => {
  it('serves the exchange until its signal aborts, then closes it and exits 0', async () => {
    const controller = new AbortController();
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => (announce = resolve));
    const io = captureIo({
      signal: controller.signal,
      onOut: (text) => {
        const url = /public:\s+(\S+)/.exec(text)?.[1];
        if (url) announce(url);
      },
    });
    const running = run(['--port', '0', '--tick-ms', '0'], io);

    const url = await announced;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1$/);
    const client = new WebSocket(url);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));

    controller.abort();
    expect(await running).toBe(0);
    // The exchange went away with its connections.
    expect(await closed).toBe(1006);
    expect(io.out()).toMatch(/private: ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1\/private\n[\s\S]*upstate sim: closed\n$/);
  });
});
