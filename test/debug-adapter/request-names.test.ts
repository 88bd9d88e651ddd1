// The adapter's routing table answers requests by its own entries only: names that are properties
// of every object (`constructor`, `__proto__`, `toString`, `hasOwnProperty`) are unknown requests,
// answered with an error, not run (`constructor` ran Object() and answered success).

import { afterEach, describe, expect, it } from 'vitest';
import { DapClient } from './client';

let client: DapClient | undefined;
afterEach(async () => client?.close());

describe('request names', () => {
  it('Object.prototype property names are unsupported requests, and the session goes on', async () => {
    const c = (client = new DapClient());
    await c.request('initialize', { adapterID: 'samsara' });
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const r = await c.send(name, {});
      expect(r.success, name).toBe(false);
      expect(r.message, name).toBe(`the ${name} request is not supported`);
    }
    const threads = await c.request('threads');
    expect(threads.threads).toEqual([]);
  }, 60_000);
});
