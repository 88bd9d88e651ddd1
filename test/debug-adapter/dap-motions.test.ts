// `samsara dap` motions and their edges, on the same recording of the racy demo guest as
// dap.test.ts (2 harts, virtual clock, seed 5): ending a session while a motion runs, `terminate`
// then `disconnect`, log points met by backward line steps (printed once per hit, as the same code
// forward prints them), and the user's breakpoints, data breakpoints and log points met by line
// steps made of single steps.

import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { DapClient } from './client';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const OBJECTS = path.join(ROOT, 'guests/demo/objects.c');
const WORKER = path.join(ROOT, 'guests/demo/worker.c');
/** The shared demo recording (test/cli/recordings.ts: seed 5, the race hits), set in beforeAll. */
let REC = '';
const launch = (): { recording: string; program: string } => ({ recording: REC, program: DEMO });

let client: DapClient | undefined;
const open = (): DapClient => (client = new DapClient());
afterEach(async () => client?.close());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when the adapter process has exited, or after `ms`. */
function exited(c: DapClient, ms = 5000): Promise<void> {
  if (c.process.exitCode !== null || c.process.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.process.once('exit', () => resolve());
    setTimeout(resolve, ms);
  });
}

const stoppedEvents = (c: DapClient): number => c.log.filter((e) => e.event === 'stopped').length;

/** The Debug Console lines printed by `run` (output events that arrive before its stop). */
async function printedBy(c: DapClient, run: () => Promise<unknown>): Promise<string[]> {
  const before = c.output().length;
  await run();
  return c.output().slice(before).split('\n').filter((l) => l !== '');
}

async function position(c: DapClient): Promise<number> {
  return (await c.request('samsara/position')).position;
}

/** "name file:line" of a thread's top frame. */
async function where(c: DapClient, threadId: number): Promise<string> {
  const f = await c.top(threadId);
  return `${f.name} ${f.source?.name}:${f.line}`;
}

describe('samsara dap: motions, the session\'s end, and the stops and log points line steps meet', () => {
  beforeAll(() => {
    const r = sharedRecording();
    REC = r.file;
    expect(r.stdout).toContain('kernel BUG');
  }, 120_000);

  it('disconnect while a continue or a reverseContinue runs: it answers, no stopped event follows, and the adapter exits', async () => {
    for (const direction of ['continue', 'reverseContinue']) {
      const c = open();
      await c.start(launch());
      await c.waitFor('stopped');
      if (direction === 'reverseContinue') {
        await c.request('samsara/seek', { position: 1e12 });
        await c.waitFor('stopped');
      }
      const stops = stoppedEvents(c);
      // No breakpoints: the motion would run for seconds, to the other end of the recording.
      await c.request(direction, { threadId: 1 });
      const r = await c.send('disconnect', {});
      expect(r.success).toBe(true);
      await exited(c);
      expect(c.process.exitCode).toBe(0);
      await sleep(100); // anything still in the pipe
      expect(stoppedEvents(c), `${direction}: stopped events after disconnect`).toBe(stops);
    }
  });

  it('terminate sends terminated and waits for the client\'s disconnect, which is answered before the adapter exits', async () => {
    const c = open();
    await c.start(launch());
    await c.waitFor('stopped');
    const t = await c.send('terminate', {});
    expect(t.success).toBe(true);
    await c.waitFor('terminated', 5000);
    await sleep(500);
    expect(c.process.exitCode, 'the adapter exited before the client disconnected').toBeNull();
    const d = await c.send('disconnect', {});
    expect(d.success).toBe(true);
    await exited(c);
    expect(c.process.exitCode).toBe(0);
  });

  it('a stepBack over a line prints each log point hit on the way once, the lines a next over the same code prints, latest first', async () => {
    const c = open();
    await c.start(launch(), async () => {
      await c.request('setBreakpoints', { source: { path: WORKER }, breakpoints: [{ line: 36 }, { line: 15, logMessage: 'rng {mhartid} {a5}' }] });
      await c.request('setBreakpoints', {
        source: { path: OBJECTS },
        breakpoints: [{ line: 91, logMessage: 'lookup {mhartid} {a0}' }, { line: 155, logMessage: 'use {mhartid} {a0} {a1}' }],
      });
    });
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body.reason).toBe('breakpoint');
    const t = hit.body.threadId!;
    expect(await where(c, t)).toBe('lookup_and_use worker.c:36');
    // Back to just after the call to obj_use on line 35, then back over line 35 (the call, and
    // random_below() inlined there) while the other hart runs too.
    await c.move('stepBack', { threadId: t });
    const origin = await position(c);
    const backward = await printedBy(c, () => c.move('stepBack', { threadId: t }));
    const landed = await position(c);
    expect(landed).toBeLessThan(origin);
    expect(backward.length).toBeGreaterThan(0);
    expect(new Set(backward).size, `printed more than once: ${backward.join(' | ')}`).toBe(backward.length);
    expect(backward.filter((l) => l.startsWith(`use 0x${(t - 1).toString(16).padStart(16, '0')}`))).toHaveLength(1);
    // Forward again over the same code: the same lines, in the order they happened.
    const forward: string[] = [];
    for (let i = 0; i < 20 && (await position(c)) < origin; i++) forward.push(...(await printedBy(c, () => c.move('next', { threadId: t }))));
    expect(await position(c)).toBe(origin);
    expect(backward).toEqual([...forward].reverse());
  });

  it('a log point in a function called from the line a stepBack goes back over prints once per call', async () => {
    const c = open();
    await c.start(launch(), async () => {
      await c.request('setBreakpoints', { source: { path: WORKER }, breakpoints: [{ line: 36 }] });
      await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 155, logMessage: 'use {mhartid} {a0} {a1}' }] });
    });
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    const t = hit.body.threadId!;
    const mine = `use 0x${(t - 1).toString(16).padStart(16, '0')}`;
    await c.move('stepBack', { threadId: t }); // to the return from obj_use, on line 35
    const origin = await position(c);
    // Back over line 35: `this_hart()->checksum += obj_use(obj, random_below(MAX_USE));`
    const backward = await printedBy(c, () => c.move('stepBack', { threadId: t }));
    expect(backward.filter((l) => l.startsWith(mine)), backward.join(' | ')).toHaveLength(1);
    // Forward over it again with one next at a time: the same calls.
    const forward: string[] = [];
    for (let i = 0; i < 20 && (await position(c)) < origin; i++) forward.push(...(await printedBy(c, () => c.move('next', { threadId: t }))));
    expect(forward.filter((l) => l.startsWith(mine))).toEqual(backward.filter((l) => l.startsWith(mine)));
    expect(backward.length).toBe(forward.length);
  });

  /** A session stopped at the first hit of worker.c:34, `this_hart()->lookups++;` (random_u64(), worker.c:14-19, is inlined in its middle). */
  async function atLookups(c: DapClient, extra: { line: number; logMessage?: string }[] = []): Promise<{ t: number; s1: bigint }> {
    await c.start(launch(), async () => {
      await c.request('setBreakpoints', { source: { path: WORKER }, breakpoints: [{ line: 34 }, ...extra] });
    });
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body.reason).toBe('breakpoint');
    const t = hit.body.threadId!;
    const frame = await c.top(t);
    const s1 = BigInt((await c.request('evaluate', { expression: 's1', context: 'watch', frameId: frame.id })).result.split(' ')[0]);
    return { t, s1 };
  }

  it('a next made of single steps prints a log point in the middle of its line', async () => {
    const c = open();
    const { t } = await atLookups(c, [{ line: 15, logMessage: 'rng {mhartid} {a5}' }]);
    const printed = await printedBy(c, async () => {
      const s = await c.move('next', { threadId: t });
      expect(s.body).toMatchObject({ reason: 'step', threadId: t });
    });
    expect(printed.filter((l) => l.startsWith(`rng 0x${(t - 1).toString(16).padStart(16, '0')}`)), printed.join(' | ')).toHaveLength(1);
  });

  it('a next made of single steps stops at a data breakpoint written in its line', async () => {
    const c = open();
    const { t, s1 } = await atLookups(c);
    const start = await position(c);
    // The store of lookups++ (struct hart's lookups, at s1 + 56) is in the line: a data breakpoint
    // on it stops a next over the line, after the store.
    const info = await c.request('dataBreakpointInfo', { name: `0x${(s1 + 56n).toString(16)}`, bytes: 8 });
    const set = await c.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    expect(set.breakpoints[0].verified).toBe(true);
    const s = await c.move('next', { threadId: t });
    expect(s.body).toMatchObject({ reason: 'data breakpoint', threadId: t });
    expect(s.body.text).toContain(`write of 0x${(s1 + 56n).toString(16).padStart(16, '0')} by hart ${t - 1}`);
    expect(await position(c)).toBeGreaterThan(start);
  });

  describe('stepping back over an interrupt taken as a turn begins', () => {
    // The demo enters its trap entry only for the timer interrupt (SBI calls go to the built-in SBI),
    // and each hart takes it as one of its turns begins: before the turn's first step, at the
    // position where the turn begins.
    let c: DapClient;
    let entry: string;
    const value = async (expression: string, threadId: number): Promise<string> =>
      (await c.request('evaluate', { expression, context: 'watch', frameId: (await c.top(threadId)).id })).result;
    /** A session stopped at the trap entry's breakpoint. */
    const start = async (): Promise<void> => {
      c = open();
      await c.start(launch(), async () => {
        entry = (await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'trap_entry' }] })).breakpoints[0].instructionReference;
      });
      await c.waitFor('stopped');
    };
    /** Continue to the trap entry's next hit: the hart, the position, and the interrupted pc and its line ("file:line"). */
    const nextTrap = async (): Promise<{ t: number; T: number; sepc: string; line: string }> => {
      const hit = await c.move('continue', { threadId: 1 });
      expect(hit.body.reason).toBe('breakpoint');
      const t = hit.body.threadId!;
      expect((await c.top(t)).instructionPointerReference).toBe(entry);
      expect(BigInt((await value('scause', t)).split(' ')[0]) >> 63n).toBe(1n); // an interrupt
      const sepc = await value('sepc', t);
      const [insn] = (await c.request('disassemble', { memoryReference: sepc, instructionCount: 1 })).instructions;
      return { t, T: await position(c), sepc, line: `${insn.location.name}:${insn.line}` };
    };
    /** Back by instructions to the last one hart t ran before position T: its position and line ("file:line"). */
    const ranBefore = async (t: number, T: number): Promise<{ position: number; line: string }> => {
      for (let i = 0; i < 3 && (await position(c)) >= T; i++) await c.move('stepBack', { threadId: t, granularity: 'instruction' });
      return { position: await position(c), line: await fileLine(t) };
    };
    /** The "file:line" of a thread's top frame. */
    const fileLine = async (t: number): Promise<string> => (await where(c, t)).split(' ')[1];

    it('by instruction: from the handler\'s first instruction to the one it interrupted, at the same position, and forward again', async () => {
      await start();
      const { t, T, sepc } = await nextTrap();
      const sp = await value('sp', t);
      await c.move('stepBack', { threadId: t, granularity: 'instruction' });
      expect(await position(c)).toBe(T);
      expect((await c.top(t)).instructionPointerReference).toBe(sepc);
      expect(await value('sp', t)).toBe(sp);
      await c.move('stepIn', { threadId: t, granularity: 'instruction' });
      expect(await position(c)).toBe(T);
      expect((await c.top(t)).instructionPointerReference).toBe(entry);
    });

    it('by line: from the handler\'s first line to the interrupted line, in the run the interrupt broke into', async () => {
      await start();
      const { t, T, line } = await nextTrap();
      await c.move('stepBack', { threadId: t });
      const landed = { position: await position(c), line: await fileLine(t) };
      // Where the run the interrupt broke into is: back at the trap, the instruction before it.
      const hit = await c.move('continue', { threadId: t });
      expect(hit.body.reason).toBe('breakpoint');
      expect(await position(c)).toBe(T);
      const before = await ranBefore(t, T);
      expect(landed.line).toBe(line);
      expect(landed.position).toBeLessThanOrEqual(before.position);
      expect(landed.position).toBeGreaterThan(before.position - 100);
    });

    it('by line: from where the handler returned, at the start of a line, to the line before (as a next steps over the handler)', async () => {
      await start();
      let found: { t: number; T: number; sepc: string; line: string; previous: { position: number; line: string } } | undefined;
      for (let n = 0; n < 12 && !found; n++) {
        const trap = await nextTrap();
        const previous = await ranBefore(trap.t, trap.T);
        if (previous.line !== trap.line) found = { ...trap, previous };
        // To the same trap again (the other hart's, taken in between, first).
        for (let i = 0; i < 3 && (await position(c)) < trap.T; i++) await c.move('continue', { threadId: trap.t });
      }
      expect(found).toBeDefined();
      const { t, T, sepc, line, previous } = found!;
      await c.request('setFunctionBreakpoints', { breakpoints: [] });
      await c.request('setInstructionBreakpoints', { breakpoints: [{ instructionReference: sepc, condition: `mhartid == ${t - 1}` }] });
      const back = await c.move('continue', { threadId: t });
      expect(back.body).toMatchObject({ reason: 'breakpoint', threadId: t });
      expect(await position(c)).toBeGreaterThan(T);
      expect(await fileLine(t)).toBe(line);
      await c.move('stepBack', { threadId: t });
      expect(await fileLine(t)).toBe(previous.line);
      expect(await position(c)).toBeLessThanOrEqual(previous.position);
      expect(await position(c)).toBeGreaterThan(previous.position - 100);
    });
  });
});
