// `samsara dap` on a recording that replays to a divergence (issue 12): the shared demo recording with
// one chunk of a later block given to the other hart, every checksum right. A continue stops at the
// last state the recording vouches for, with a stopped event (reason exception) and the sentence in
// an `important` output event; motions past it are refused with that sentence; stepping back and
// seeking within the good prefix work, with the registers of a clean replay there.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DebugTarget } from '../../src/rr/debug-target';
import { parseRecording } from '../../src/rr/format';
import { ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { swapChunkHart } from '../rr/diverging';
import { DapClient } from './client';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dap-divergence-'));
const REC = path.join(tmp, 'diverging.rec');
/** The events block whose middle chunk goes to the other hart: replay diverges about 19 million steps in. */
const BLOCK = 10;
const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

let clean: DebugTarget;
let limit = 0;
let client: DapClient | undefined;
afterEach(async () => client?.close());
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function position(c: DapClient): Promise<number> {
  return (await c.request('samsara/position')).position;
}

/** x0-x31 and pc of each hart, as the adapter evaluates them in its top frame. */
async function registers(c: DapClient): Promise<bigint[]> {
  const out: bigint[] = [];
  for (const threadId of [1, 2]) {
    const frameId = (await c.top(threadId)).id;
    for (const name of [...ABI, 'pc']) {
      const r = await c.request('evaluate', { expression: `$${name}`, context: 'watch', frameId });
      out.push(BigInt.asUintN(64, BigInt(r.result.split(' ')[0])));
    }
  }
  return out;
}

/** The same on a clean replay at `p`. */
function cleanRegisters(p: number): bigint[] {
  clean.seek(p);
  expect(clean.position).toBe(p);
  return [0, 1].flatMap((h) => [...Array.from({ length: 32 }, (_, r) => BigInt.asUintN(64, clean.hart(h).reg(r))), clean.hart(h).pc]);
}

describe('samsara dap on a recording that diverges', () => {
  beforeAll(() => {
    const data = fs.readFileSync(sharedRecording().file);
    const d = swapChunkHart(data, BLOCK);
    fs.writeFileSync(REC, d.bytes);
    limit = d.blockStart;
    clean = DebugTarget.open(parseRecording(data));
  }, 120_000);

  it('continue stops where it diverges and says so; motions past it are refused; stepBack and seek before it work', async () => {
    const c = (client = new DapClient());
    await c.start({ recording: REC, program: DEMO });
    await c.waitFor('stopped');
    const sentence = new RegExp(`diverging\\.rec: replay diverged at position (\\d+) \\(hart 0 pc 0x[0-9a-f]+, hart 1 pc 0x[0-9a-f]+\\): .+; replay stops at position ${limit}, the last state the recording vouches for$`);

    const stop = await c.move('continue', { threadId: 1 });
    expect(stop.body.reason).toBe('exception');
    expect(stop.body.text).toMatch(sentence);
    const important = c.log.filter((e) => e.event === 'output' && e.body.category === 'important').map((e) => e.body.output as string);
    expect(important.filter((o) => /^samsara: .*replay diverged at position \d+/.test(o)), important.join('')).toHaveLength(1);
    expect(important.find((o) => o.startsWith('samsara: '))!.trim().slice('samsara: '.length)).toMatch(sentence);
    expect(await position(c)).toBe(limit);

    // Past it: refused, with the sentence, and nothing moves.
    for (const [command, args] of [['continue', { threadId: 1 }], ['next', { threadId: 2 }], ['stepIn', { threadId: 1 }], ['samsara/seek', { position: limit + 1 }]] as const) {
      const r = await c.send(command, args);
      expect(r.success, command).toBe(false);
      expect(r.message, command).toMatch(sentence);
      expect(await position(c)).toBe(limit);
    }

    // Back from it, and to a position inside the prefix: a clean replay's registers.
    const back = await c.move('stepBack', { threadId: stop.body.threadId });
    expect(back.body.reason).toBe('step');
    const p = await position(c);
    expect(p).toBeLessThan(limit);
    expect(await registers(c)).toEqual(cleanRegisters(p));
    const inside = limit - 123_457;
    expect((await c.request('samsara/seek', { position: inside })).position).toBe(inside);
    expect((await c.waitFor('stopped')).body.reason).toBe('goto');
    expect(await registers(c)).toEqual(cleanRegisters(inside));

    // Forward from inside the prefix: a continue stops at it again.
    const again = await c.move('continue', { threadId: 1 });
    expect(again.body.reason).toBe('exception');
    expect(again.body.text).toMatch(sentence);
    expect(await position(c)).toBe(limit);
  });
});
