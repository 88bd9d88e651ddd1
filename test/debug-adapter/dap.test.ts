// `samsara dap` as VS Code drives it: a child process speaking the Debug Adapter Protocol on stdio,
// on a recording of the racy demo guest (2 harts, virtual clock, seed 5: the race hits). Each test
// is one session; the requests are the ones VS Code sends for the user's clicks.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers';
import { DEMO, SharedRecording, sharedRecording } from '../cli/recordings';
import { DapClient } from './client';

const OBJECTS = path.join(ROOT, 'guests/demo/objects.c');
const WORKER = path.join(ROOT, 'guests/demo/worker.c');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dap-'));
/** The shared demo recording (test/cli/recordings.ts), made in beforeAll. */
let rec: SharedRecording;
let REC = '';
let LAUNCH = { recording: REC, program: DEMO };

let client: DapClient;
const open = (): DapClient => (client = new DapClient());
afterEach(async () => client?.close());

/** "name file:line" of a thread's top frame. */
async function where(c: DapClient, threadId: number): Promise<string> {
  const f = await c.top(threadId);
  return `${f.name} ${f.source?.name}:${f.line}`;
}

describe('samsara dap on a demo recording', () => {
  beforeAll(() => {
    rec = sharedRecording();
    expect(rec.stdout).toContain('kernel BUG');
    REC = rec.file;
    LAUNCH = { recording: REC, program: DEMO };
  }, 120_000);

  it('initialize advertises reverse execution; launch stops on entry; threads are harts', async () => {
    const c = open();
    const caps = await c.start(LAUNCH);
    expect(caps).toMatchObject({ supportsStepBack: true, supportsConfigurationDoneRequest: true, supportsDataBreakpoints: true, supportsFunctionBreakpoints: true, supportsInstructionBreakpoints: true, supportsReadMemoryRequest: true });
    const stop = await c.waitFor('stopped');
    expect(stop.body).toMatchObject({ reason: 'entry', threadId: 1, allThreadsStopped: true });
    const { threads } = await c.request('threads');
    expect(threads.map((t: { id: number; name: string }) => t.id)).toEqual([1, 2]);
    expect(threads[0].name).toMatch(/^hart 0 /);
    expect(c.output()).toMatch(/2 hart\(s\), positions 0\.\.\d+, symbols from .*demo\.elf/);
  });

  it('a source breakpoint: continue stops there; next moves line by line; stepBack returns; stepOut reaches the caller', async () => {
    const c = open();
    let bp: any;
    await c.start(LAUNCH, async () => {
      bp = await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123 }] });
    });
    expect(bp.breakpoints[0]).toMatchObject({ verified: true, line: 123 });
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body).toMatchObject({ reason: 'breakpoint', hitBreakpointIds: [bp.breakpoints[0].id] });
    const t = hit.body.threadId!;
    expect(await where(c, t)).toBe('obj_put objects.c:123');
    // The call stack, unwound by the kernel's .debug_frame: the callers' lines are the calls'.
    const { stackFrames } = await c.request('stackTrace', { threadId: t });
    expect(stackFrames.slice(0, 3).map((f: { name: string; source?: { name: string }; line: number }) => `${f.name} ${f.source?.name}:${f.line}`))
      .toEqual(['obj_put objects.c:123', 'lookup_and_use worker.c:36', 'worker worker.c:52']);
    const lines: string[] = [];
    for (const step of ['next', 'next', 'stepBack', 'stepBack', 'next']) {
      const s = await c.move(step, { threadId: t });
      lines.push(`${step}: ${s.body.reason} ${await where(c, t)}`);
    }
    // Back at the start of line 123 is the breakpoint again: it says so, as gdb's reverse-next does.
    expect(lines).toEqual(['next: step obj_put objects.c:124', 'next: step obj_put objects.c:125', 'stepBack: step obj_put objects.c:124', 'stepBack: breakpoint obj_put objects.c:123', 'next: step obj_put objects.c:124']);
    await c.move('stepOut', { threadId: t });
    expect(await where(c, t)).toBe('lookup_and_use worker.c:36'); // back in the caller, on the call's line
  });

  it('golden text: the stack after each step of a session, forward and back (a diff shows what changed)', async () => {
    const c = open();
    await c.start(LAUNCH, async () => {
      await c.request('setBreakpoints', { source: { path: WORKER }, breakpoints: [{ line: 31 }] });
    });
    await c.waitFor('stopped');
    const log: string[] = [];
    let t = 1;
    const record = async (label: string, s: { body: { reason: string; threadId?: number } }): Promise<void> => {
      t = s.body.threadId ?? t;
      const { position } = await c.request('samsara/position');
      const { stackFrames } = await c.request('stackTrace', { threadId: t });
      log.push(`${label} -> ${s.body.reason} (thread ${t}, position ${position})`);
      for (const f of stackFrames.slice(0, 4)) log.push(`  ${f.name} ${f.source?.name ?? '?'}:${f.line} ${f.instructionPointerReference}`);
    };
    await record('continue', await c.move('continue', { threadId: t }));
    for (const step of ['next', 'stepIn', 'next', 'stepOut', 'next', 'stepBack', 'stepBack', 'stepBack', 'next']) {
      await record(step, await c.move(step, { threadId: t }));
    }
    await record('stepBack (instruction)', await c.move('stepBack', { threadId: t, granularity: 'instruction' }));
    await record('reverseContinue', await c.move('reverseContinue', { threadId: t }));
    await expect(log.join('\n') + '\n').toMatchFileSnapshot('golden/demo-steps.txt');
  });

  it('reverseContinue goes back to an earlier breakpoint hit, at the same position', async () => {
    const c = open();
    await c.start(LAUNCH, async () => {
      await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'obj_lookup' }] });
    });
    await c.waitFor('stopped');
    const first = await c.move('continue', { threadId: 1 });
    const p1 = (await c.request('samsara/position')).position;
    await c.move('continue', { threadId: first.body.threadId });
    const p2 = (await c.request('samsara/position')).position;
    expect(p2).toBeGreaterThan(p1);
    const back = await c.move('reverseContinue', { threadId: 1 });
    expect(back.body.reason).toBe('breakpoint');
    expect((await c.request('samsara/position')).position).toBe(p1);
    expect(await where(c, back.body.threadId!)).toMatch(/^obj_lookup objects\.c:\d+$/);
  });

  it('a data breakpoint on the corrupted refcount, then reverseContinue from the end, stops at the racy store', async () => {
    const oops = rec.stdout; // the console of the recording: the replay's is the same
    const a0 = BigInt(`0x${/ a0 : ([0-9a-f]{16})/.exec(oops)![1]}`);
    const c = open();
    await c.start(LAUNCH);
    await c.waitFor('stopped');
    await c.request('samsara/seek', { position: 1e12 });
    await c.waitFor('stopped');
    // At the end, the oops's stack goes through the trap entry into the BUG_ON that trapped.
    const oopsHart = (await c.request('threads')).threads.find((t: { name: string }) => /hart 0/.test(t.name)).id;
    const oopsStack = (await c.request('stackTrace', { threadId: oopsHart })).stackFrames.map((f: { name: string; source?: { name: string }; line: number }) => `${f.name} ${f.source?.name}:${f.line}`);
    expect(oopsStack.slice(0, 8)).toEqual([
      'sbi_shutdown sbi.c:34', 'oops_end [inlined] trap.c:194', 'die trap.c:207', 'handle_trap trap.c:104', 'trap_entry entry.S:228',
      'obj_put [breakpoint] objects.c:125', 'lookup_and_use worker.c:36', 'worker worker.c:52',
    ]);
    const refcnt = `0x${(a0 + 24n).toString(16)}`;
    const info = await c.request('dataBreakpointInfo', { name: refcnt, bytes: 4 });
    expect(info.accessTypes).toContain('write');
    const set = await c.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    expect(set.breakpoints[0].verified).toBe(true);
    const s = await c.move('reverseContinue', { threadId: 1 });
    expect(s.body.reason).toBe('data breakpoint');
    expect(s.body.text).toContain(`write of 0x${(a0 + 24n).toString(16).padStart(16, '0')}`);
    // VS Code shows the description in capitals: no address there (it would read 0XFFFF...).
    expect(s.body.description).toBe('Paused on data breakpoint');
    // Stopped at the store itself, WRITE_ONCE(obj->refcnt, ref - 1) on objects.c:126, as it is
    // about to write: `sw a5,24(a0)`.
    const f = await c.top(s.body.threadId!);
    expect(`${f.source?.name}:${f.line}`).toBe('objects.c:126');
    const word = Buffer.from((await c.request('readMemory', { memoryReference: f.instructionPointerReference, count: 2 })).data, 'base64');
    expect(word.readUInt16LE(0)).toBe(0xcd1c); // c.sw a5,24(a0)
  });

  it('log points print and go on; a conditional breakpoint stops only where its condition holds, in both directions', async () => {
    const c = open();
    await c.start(LAUNCH, async () => {
      await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123, logMessage: 'put {a0}' }] });
    });
    await c.waitFor('stopped');
    const end = await c.move('continue', { threadId: 1 });
    expect(end.body.description).toMatch(/^End of the recording/);
    const puts = [...c.output().matchAll(/^put (0x[0-9a-f]{16}) <pool\+0x[0-9a-f]+/gm)].map((m) => m[1]);
    expect(puts.length).toBeGreaterThan(10);
    // The last put of the first object that was put: back from the end, stop there only.
    const target = puts[0];
    const last = puts.lastIndexOf(target);
    const bp = await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123, condition: `a0 == ${target}` }] });
    expect(bp.breakpoints[0].verified).toBe(true);
    const back = await c.move('reverseContinue', { threadId: 1 });
    expect(back.body.reason).toBe('breakpoint');
    const a0 = await c.request('evaluate', { expression: 'a0', context: 'watch', frameId: (await c.top(back.body.threadId!)).id });
    expect(a0.result.split(' ')[0]).toBe(target);
    // Forward from the start, the first stop is the first put of that object.
    await c.request('samsara/seek', { position: 0 });
    await c.waitFor('stopped');
    const first = await c.move('continue', { threadId: 1 });
    const f = await c.top(first.body.threadId!);
    expect((await c.request('evaluate', { expression: 'a0', context: 'watch', frameId: f.id })).result.split(' ')[0]).toBe(target);
    expect(last).toBeGreaterThan(0);
    // Backward, a log point's messages come latest first: from the end back to the start, the
    // same messages as forward, in reverse order.
    await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123, logMessage: 'back {a0}' }] });
    await c.request('samsara/seek', { position: 1e12 });
    await c.waitFor('stopped');
    const start = await c.move('reverseContinue', { threadId: 1 });
    expect(start.body.description).toMatch(/^Start of the recording/);
    const backs = [...c.output().matchAll(/^back (0x[0-9a-f]{16})/gm)].map((m) => m[1]);
    expect(backs).toEqual([...puts].reverse());
  });

  it('a stop names only the breakpoints whose condition holds there', async () => {
    const c = open();
    let src: any;
    let fn: any;
    await c.start(LAUNCH, async () => {
      src = await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123 }] });
      fn = await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'obj_put', condition: 'a0 == 0' }] }); // same address
    });
    expect(fn.breakpoints[0].instructionReference).toBe(src.breakpoints[0].instructionReference);
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body.hitBreakpointIds).toEqual([src.breakpoints[0].id]);
    // Removing the data breakpoints is accepted while running (VS Code sends it then too).
    await c.request('continue', { threadId: 1 });
    const removed = await c.send('setDataBreakpoints', { breakpoints: [] });
    expect(removed.success).toBe(true);
    await c.waitFor('stopped');
  });

  it('registers, CSRs, expressions and memory at a stop', async () => {
    const c = open();
    await c.start(LAUNCH, async () => {
      await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'obj_put' }] });
    });
    await c.waitFor('stopped');
    const s = await c.move('continue', { threadId: 1 });
    const t = s.body.threadId!;
    const { stackFrames } = await c.request('stackTrace', { threadId: t });
    const { scopes } = await c.request('scopes', { frameId: stackFrames[0].id });
    // The program's scopes from the DWARF, then the machine's.
    expect(scopes.map((x: { name: string }) => x.name)).toEqual(['Arguments', 'Locals', 'Globals', 'Registers', 'CSRs']);
    const scope = (name: string): number => scopes.find((x: { name: string }) => x.name === name).variablesReference;
    const regs = (await c.request('variables', { variablesReference: scope('Registers') })).variables;
    expect(regs[0]).toMatchObject({ name: 'pc' });
    expect(regs[0].value).toMatch(/^0xffffffff8020258a <obj_put\+0x0\/0x2e objects\.c:\d+>$/);
    expect(regs.map((r: { name: string }) => r.name).slice(1, 4)).toEqual(['ra', 'sp', 'gp']);
    const ra = regs.find((r: { name: string }) => r.name === 'ra').value;
    expect(ra).toMatch(/<lookup_and_use\+0x[0-9a-f]+\/0x[0-9a-f]+ worker\.c:36>/);
    const csrs = (await c.request('variables', { variablesReference: scope('CSRs') })).variables;
    expect(csrs[0]).toMatchObject({ name: 'priv', value: 'S-mode (1)' });
    expect(csrs.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['sstatus', 'satp', 'sepc', 'scause', 'mhartid']));
    // The debug console.
    // A register by its name alone: the assembly-level view, in hex with the symbol it points into.
    const a0 = await c.request('evaluate', { expression: 'a0', context: 'repl', frameId: stackFrames[0].id });
    expect(a0.result).toMatch(/^0xffffffff8022[0-9a-f]{4} <pool\+0x[0-9a-f]+/);
    // `$a0` is C, as gdb types it (long): the same bits, printed as a signed number.
    const dollar = await c.request('evaluate', { expression: '$a0', context: 'repl', frameId: stackFrames[0].id });
    expect(BigInt.asUintN(64, BigInt(dollar.result))).toBe(BigInt(a0.result.split(' ')[0]));
    expect(dollar.type).toBe('long');
    const magic = await c.request('evaluate', { expression: '*a0', context: 'watch', frameId: stackFrames[0].id });
    // Sums and differences, for the address of a field (the data breakpoint recipe: `a0 + 24`).
    const field = await c.request('evaluate', { expression: 'a0 + 24', context: 'repl', frameId: stackFrames[0].id });
    expect(BigInt(field.result.split(' ')[0])).toBe(BigInt(a0.result.split(' ')[0]) + 24n);
    const below = await c.request('evaluate', { expression: 'a0 - 0x10 + 8', context: 'repl', frameId: stackFrames[0].id });
    expect(BigInt(below.result.split(' ')[0])).toBe(BigInt(a0.result.split(' ')[0]) - 8n);
    // A C error names the problem and the column.
    expect((await c.send('evaluate', { expression: 'a0 +', context: 'repl' })).message).toBe('expected an expression, found the end at column 5');
    const bytes = Buffer.from((await c.request('readMemory', { memoryReference: a0.memoryReference, count: 8 })).data, 'base64');
    expect(BigInt(magic.result.split(' ')[0])).toBe(bytes.readBigUInt64LE(0));
    expect((await c.request('evaluate', { expression: 'obj_put', context: 'hover' })).result).toBe('{void (struct object *)} 0xffffffff8020258a <obj_put>');
    // In the caller's frame, pc is the return address (ra in obj_put), sp the caller's (the CFA).
    const callerPc = await c.request('evaluate', { expression: 'pc', context: 'watch', frameId: stackFrames[1].id });
    expect(callerPc.result).toBe(ra);
    const unsaved = await c.send('evaluate', { expression: 'a5', context: 'watch', frameId: stackFrames[1].id });
    expect(unsaved.message).toMatch(/a5 is not known in this frame/);
    expect((await c.request('evaluate', { expression: 'when', context: 'repl' })).result).toMatch(/^position \d+ \(of 0\.\.\d+\)$/);
    // The timeline view's data: lanes per hart, events, checkpoints and the position.
    const tl = await c.request('samsara/timeline', { buckets: 100 });
    const { position } = await c.request('samsara/position');
    expect(tl).toMatchObject({ start: 0, position });
    expect(tl.steps).toHaveLength(2);
    expect(tl.interrupts.length).toBeLessThanOrEqual(100);
    expect(tl.checkpoints[0]).toBe(0);
    expect((await c.send('samsara/timeline', { buckets: 0 })).message).toMatch(/buckets must be 1 to 8192/);
    expect((await c.send('evaluate', { expression: 'seek', context: 'repl' })).message).toMatch(/^usage: seek POSITION/);
    const bad = await c.send('evaluate', { expression: 'no_such_thing', context: 'repl' });
    expect(bad.success).toBe(false);
    expect(bad.message).toMatch(/no_such_thing.*column 1/);
    // The Disassembly view: around the pc, the same text as objdump, with the function's name.
    const dis = (await c.request('disassemble', { memoryReference: stackFrames[0].instructionPointerReference, instructionOffset: -4, instructionCount: 10 })).instructions;
    expect(dis).toHaveLength(10);
    expect(dis[4]).toMatchObject({ address: '0xffffffff8020258a', symbol: 'obj_put', instructionBytes: '1141', line: 123 });
    expect(dis[4].instruction.replace(/\s+/, ' ')).toBe('add sp,sp,-16');
    expect(dis[5].instruction.replace(/\s+/, ' ')).toBe('sd s0,8(sp)');
    expect(BigInt(dis[3].address)).toBeLessThan(BigInt(dis[4].address));
    // Writes are refused: the recording is read-only.
    const w = await c.send('setVariable', { variablesReference: scopes[0].variablesReference, name: 'a0', value: '0' });
    expect(w.success).toBe(false);
    expect(w.message).toContain('read-only');
  });

  it('bad launch arguments and bad files get an error naming the problem', async () => {
    const c = open();
    await c.request('initialize', { adapterID: 'samsara' });
    const none = await c.send('launch', {});
    expect(none.success).toBe(false);
    expect(none.message).toMatch(/"recording" is required/);
    const missing = await c.send('launch', { recording: path.join(tmp, 'nope.rec') });
    expect(missing.message).toMatch(/cannot open the recording: .*nope\.rec: no such file/);
    const junk = path.join(tmp, 'junk.rec');
    fs.writeFileSync(junk, 'not a recording at all');
    expect((await c.send('launch', { recording: junk })).message).toMatch(/cannot open the recording: .*junk\.rec/);
    const badElf = path.join(tmp, 'bad.elf');
    fs.writeFileSync(badElf, Buffer.from('\x7fELF garbage'));
    expect((await c.send('launch', { recording: REC, program: badElf })).message).toMatch(/cannot read the program's symbols/);
    expect((await c.send('launch', { recording: REC, stopOnEntry: 'yes' })).message).toMatch(/"stopOnEntry" must be a boolean/);
    // Braces in a path stay as they are in the message.
    expect((await c.send('launch', { recording: path.join(tmp, '{abc}', 'x.rec') })).message).toContain('{abc}/x.rec: no such file');
    const unknown = await c.send('frobnicate', {});
    expect(unknown.message).toMatch(/the frobnicate request is not supported/);
    // Breakpoints on lines without code say so.
    await c.request('launch', LAUNCH);
    const b = await c.request('setBreakpoints', { source: { path: path.join(ROOT, 'guests/demo/nowhere.c') }, breakpoints: [{ line: 1 }] });
    expect(b.breakpoints[0]).toMatchObject({ verified: false });
    expect(b.breakpoints[0].message).toMatch(/no code for line 1 of nowhere\.c/);
    // stepping a thread that does not exist
    expect((await c.send('next', { threadId: 9 })).message).toMatch(/no thread 9/);
  });

  it('a program that is not the recorded kernel gets a warning; without sourceRoot, sources are found from the program', async () => {
    const c = open();
    const bench = path.join(ROOT, 'guests/bench/loop.elf');
    await c.start({ recording: REC, program: bench });
    await c.waitFor('stopped');
    expect(c.output()).toMatch(/loop\.elf does not look like the kernel this recording ran/);
    await c.close();
    const d = (client = new DapClient(os.tmpdir()));
    // Started from another folder, with the README's attributes only.
    await d.request('initialize', { adapterID: 'samsara' });
    await d.request('launch', LAUNCH);
    const b = await d.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 123 }] });
    expect(b.breakpoints[0].verified).toBe(true);
    expect(d.output()).not.toMatch(/does not look like/);
  });

  it('pause interrupts a long reverseContinue; the start and end of the recording are stops', async () => {
    const c = open();
    await c.start(LAUNCH);
    await c.waitFor('stopped');
    const back = await c.move('reverseContinue', { threadId: 1 });
    expect(back.body.description).toMatch(/^Start of the recording/);
    const end = await c.move('continue', { threadId: 1 });
    expect(end.body.description).toMatch(/^End of the recording/);
    const { position: endPosition } = await c.request('samsara/position');
    await c.request('reverseContinue', { threadId: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await c.request('pause', { threadId: 1 });
    const paused = await c.waitFor('stopped');
    const { position } = await c.request('samsara/position');
    expect(paused.body.reason).toBe('pause');
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThan(endPosition);
  });
});
