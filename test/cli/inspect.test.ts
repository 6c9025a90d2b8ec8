import { describe, expect, it } from 'vitest';
import { INSPECTOR_PEER, inspectorNotice } from '../../src/cli/inspect.js';
import { missingPeer } from '../../src/optional.js';
import { fitLine, Screen } from '../../src/cli/screen.js';

/** An error shaped like Node's when an import cannot find a package. */
function notFound(specifier: string, code = 'ERR_MODULE_NOT_FOUND'): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/upstate/dist/cli.js`), { code });
}

describe('--inspect without the optional @statelyai/inspect', () => {
  it('becomes an error that says how to install it', () => {
    for (const code of ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']) {
      const error = missingPeer(INSPECTOR_PEER, notFound('@statelyai/inspect', code));
      expect(error?.message).toBe(
        '--inspect needs the optional package @statelyai/inspect, which is not installed: npm install @statelyai/inspect (or record the run with --trace FILE)',
      );
    }
  });

  it('leaves any other failure as it is', () => {
    expect(missingPeer(INSPECTOR_PEER, notFound('superjson'))).toBeUndefined();
    expect(missingPeer(INSPECTOR_PEER, new Error('@statelyai/inspect exploded'))).toBeUndefined();
    expect(missingPeer(INSPECTOR_PEER, 'nope')).toBeUndefined();
  });

  it('says the page needs stately.ai', () => {
    expect(inspectorNotice('http://localhost:4242')).toBe(
      'Stately inspector: open http://localhost:4242 (the page loads the inspector from stately.ai: offline it stays blank)\n',
    );
  });
});

describe('Screen', () => {
  it('cuts every line to 80 columns, or to a narrower terminal', () => {
    const written: string[] = [];
    const long = 'x'.repeat(120);
    new Screen({ write: (text: string) => written.push(text) }).draw([long, 'short']);
    new Screen({ write: (text: string) => written.push(text) }, 40).draw([long]);
    new Screen({ write: (text: string) => written.push(text) }, 200).draw([long]);
    const lines = written.map((frame) => frame.replace(/\u001b\[[\d;?]*[A-Za-z]/g, '').split('\n')[0]);
    expect(lines).toEqual([`${'x'.repeat(79)}…`, `${'x'.repeat(39)}…`, `${'x'.repeat(79)}…`]);
    expect(fitLine('short', 80)).toBe('short');
  });
});
