// The adapter's routing table answers requests by its own entries only: names that are properties
// of every object (`constructor`, `__proto__`, `toString`, `hasOwnProperty`) are unknown requests,
// answered with an error, not run (`constructor` ran Object() and answered success). The table is a
// Map (issue 12): a name reaches a handler only through its entry, never through Object.prototype,
// even one that something else in the process has added to.

import { DebugProtocol } from '@vscode/debugprotocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SamsaraSession } from '../../src/debug-adapter/session';
import { DapClient } from './client';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

let client: DapClient | undefined;
afterEach(async () => client?.close());

describe('request names', () => {
  it('Object.prototype property names are unsupported requests, and the session goes on', async () => {
    const c = (client = new DapClient());
    await c.request('initialize', { adapterID: 'samsara' });
    for (const name of PROTOTYPE_NAMES) {
      const r = await c.send(name, {});
      expect(r.success, name).toBe(false);
      expect(r.message, name).toBe(`the ${name} request is not supported`);
    }
    const threads = await c.request('threads');
    expect(threads.threads).toEqual([]);
  }, 60_000);

  it('the routing table is a Map that no prototype property reaches, even an added one', async () => {
    const session = new SamsaraSession();
    const table = (session as unknown as { handlers: unknown }).handlers;
    expect(table).toBeInstanceOf(Map);
    for (const name of PROTOTYPE_NAMES) expect((table as Map<string, unknown>).has(name), name).toBe(false);

    // A property added to Object.prototype (by a polluted dependency, say) is no request.
    const responses: DebugProtocol.Response[] = [];
    session.onDidSendMessage((m) => responses.push(m as DebugProtocol.Response));
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = () => ({ ran: true });
    try {
      session.handleMessage({ seq: 1, type: 'request', command: 'polluted', arguments: {} } as DebugProtocol.Request);
      session.handleMessage({ seq: 2, type: 'request', command: '__proto__', arguments: {} } as DebugProtocol.Request);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      delete proto.polluted;
    }
    expect(responses.map((r) => [r.request_seq, r.success, r.message])).toEqual([
      [1, false, 'the polluted request is not supported'],
      [2, false, 'the __proto__ request is not supported'],
    ]);
  });
});
