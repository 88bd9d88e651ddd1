// Real gdb-multiarch against `samsara gdbserver`, one script per behaviour, on a recording of the
// racy demo guest (virtual clock, seed 5: the race hits, and the run repeats exactly).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../cli/helpers';
import { DEMO, SharedRecording, sharedRecording } from '../cli/recordings';
import { GdbOptions, runGdb } from './gdb-batch';
import { GdbServer, startGdbServer } from './server-process';

/** The shared demo recording (test/cli/recordings.ts), made in beforeAll. */
let rec: SharedRecording;

let server: GdbServer | undefined;

/**
 * Run gdb-multiarch in batch mode on the demo with these commands; returns its output. Once the
 * last gdb's connection is gone: the stub serves one at a time.
 */
async function gdb(commands: string[], options?: GdbOptions): Promise<string> {
  await server!.idle();
  return runGdb(commands, DEMO, server!.port, options);
}

describe.skipIf(requireTool('gdb-multiarch', 'the gdb tests drive the stub with it; scripts/setup-debian installs it (gdb-multiarch)'))('gdb-multiarch on a recording', () => {
  beforeAll(async () => {
    rec = sharedRecording();
    expect(rec.stdout).toContain('kernel BUG');
    server = await startGdbServer(rec.file);
  }, 120_000);
  afterAll(() => server?.process.kill());

  it('info threads lists one thread per hart', async () => {
    const out = await gdb(['info threads']);
    expect(out).toMatch(/Thread 1 \(hart 0/);
    expect(out).toMatch(/Thread 2 \(hart 1/);
  });

  it('break at a function, continue, stepi, reverse-stepi', async () => {
    const out = await gdb(['break obj_lookup', 'continue', 'p $pc', 'stepi', 'p $pc', 'reverse-stepi', 'p $pc']);
    expect(out).toMatch(/Breakpoint 1, obj_lookup/);
    const pcs = [...out.matchAll(/\$\d+ = \(void \(\*\)\(\)\) (0x[0-9a-f]+)/g)].map((m) => m[1]);
    expect(pcs).toHaveLength(3);
    expect(pcs[1]).not.toBe(pcs[0]);
    expect(pcs[2]).toBe(pcs[0]);
  });

  it('continue after continue past a breakpoint both harts run: gdb steps over it on one thread (vCont;c:N), 150 times', async () => {
    const out = await gdb(['monitor seek 0', 'break obj_put', ...Array<string>(150).fill('continue'), 'monitor when']);
    expect(out).not.toMatch(/internal-error|Assertion/);
    expect([...out.matchAll(/hit Breakpoint 1, obj_put/g)].length).toBe(150);
    // Both harts hit it on the way.
    expect(out).toMatch(/Thread 1 hit Breakpoint 1/);
    expect(out).toMatch(/Thread 2 hit Breakpoint 1/);
  });

  it('reverse-continue goes back to an earlier breakpoint hit', async () => {
    const out = await gdb(['break obj_lookup', 'continue', 'monitor when', 'continue', 'monitor when', 'reverse-continue', 'monitor when']);
    const whens = [...out.matchAll(/position (\d+) \(of/g)].map((m) => Number(m[1]));
    expect(whens).toHaveLength(3);
    expect(whens[1]).toBeGreaterThan(whens[0]);
    expect(whens[2]).toBe(whens[0]);
    expect(out).toMatch(/Breakpoint 1, obj_lookup[\s\S]*Breakpoint 1, obj_lookup[\s\S]*Breakpoint 1, obj_lookup/);
  });

  it('a hardware breakpoint (hbreak) stops too, forward and backward', async () => {
    const out = await gdb(['hbreak obj_lookup', 'continue', 'monitor when', 'continue', 'reverse-continue', 'monitor when']);
    expect(out).toMatch(/Hardware assisted breakpoint 1 at 0x[0-9a-f]+/);
    expect(out).toMatch(/Breakpoint 1, obj_lookup[\s\S]*Breakpoint 1, obj_lookup[\s\S]*Breakpoint 1, obj_lookup/);
    const whens = [...out.matchAll(/position (\d+) \(of/g)].map((m) => Number(m[1]));
    expect(whens[1]).toBe(whens[0]);
  });

  it('next, reverse-next, reverse-step and reverse-nexti move by source lines and instructions', async () => {
    const out = await gdb(['break worker.c:36', 'continue', 'next', 'info line *$pc', 'reverse-next', 'info line *$pc', 'reverse-step', 'info line *$pc', 'p $pc', 'reverse-nexti', 'p $pc']);
    const lines = [...out.matchAll(/^Line (\d+) of "(?:guests\/demo\/)?worker\.c"/gm)].map((m) => Number(m[1]));
    expect(lines).toEqual([55, 36, 35]); // out to worker(), back into lookup_and_use at the breakpoint, one line up
    const pcs = [...out.matchAll(/\$\d+ = \(void \(\*\)\(\)\) (0x[0-9a-f]+)/g)].map((m) => BigInt(m[1]));
    expect(pcs).toHaveLength(2);
    expect(pcs[1]).toBeLessThan(pcs[0]); // one instruction back
  });

  it('reverse-finish returns to the caller', async () => {
    const out = await gdb(['break obj_put', 'continue', 'bt 2', 'reverse-finish', 'info symbol $pc', 'info line *$pc']);
    const caller = /#1 +0x[0-9a-f]+ in (\w+) /.exec(out)![1];
    // Back at the call instruction in the caller.
    expect(out).toMatch(new RegExp(`${caller} \\+ \\d+ in section \\.text`));
    expect(out).toMatch(/Line \d+ of "(guests\/demo\/)?\w+\.c"/);
  });

  it('a watchpoint on the corrupted field and reverse-continue stop at the racy write', async () => {
    // Go to the end (after the oops), read obj_put's object from the oops registers, and watch it.
    const oops = rec.stdout; // the console of the recording: the replay's is the same
    const a0 = / a0 : ([0-9a-f]{16})/.exec(oops)![1];
    const out = await gdb([
      'monitor seek 1000000000000',
      `watch -l *(int *)(0x${a0} + 24)`,
      'reverse-continue',
      'info line *$pc',
    ]);
    expect(out).toMatch(/Hardware watchpoint \d+: -location/);
    expect(out).toMatch(/Old value = \d+\s+New value = \d+/);
    expect(out).toMatch(/Line 126 of "(guests\/demo\/)?objects\.c"/); // WRITE_ONCE(obj->refcnt, ref - 1): the racy store
  });

  it('monitor commands: help, when, seek, info, checkpoints, and an unknown one', async () => {
    const out = await gdb(['monitor help', 'monitor seek 1000', 'monitor when', 'monitor info', 'monitor checkpoints', 'monitor seek x', 'monitor frobnicate']);
    expect(out).toContain('commands: when (the current position), seek POSITION, info (event statistics), checkpoints, help');
    expect(out).toMatch(/position 1000 \(of 0\.\.\d+\)/);
    expect(out).toMatch(/Event Stats:\n\s+instructions \(steps\)\s+\d+\n\s+hart 0\s+\d+ in \d+ chunks \(mean \d+ steps\)\n\s+hart 1\s+\d+ in \d+ chunks/);
    expect(out).toMatch(/\d+ checkpoints?, \d+\.\d MiB, at positions 0( \d+)*/);
    expect(out).toContain('usage: seek POSITION');
    // gdb keeps what it read at the old position: the stub says which of its caches to flush.
    expect(out).toContain("gdb still holds registers and memory from before: run 'maint flush register-cache' and 'maint flush dcache'");
    const clamped = await gdb(['monitor seek 1000000000000']);
    expect(clamped).toMatch(/position (\d+) \(the recording holds 0\.\.\1\)/);
    expect(out).toContain("unknown monitor command 'frobnicate' (try 'monitor help')");
  });

  it('writes to registers and memory are refused with the reason, and the recording is unchanged', async () => {
    // From the start (an earlier test may have left the recording at its end, past every obj_put).
    // Each script ends with the refused write: gdb exits with 1 when a command of its script fails.
    const reg = await gdb(['monitor seek 0', 'break obj_put', 'continue', 'p/x $a0', 'set var $a0 = 5'], { status: 1 });
    expect(reg).toMatch(/hit Breakpoint 1, obj_put \(obj=/);
    expect(reg).toContain(`Could not write register "a0"; remote failure reply 'E.a recording is read-only: registers and memory cannot be changed'`);
    const mem = await gdb(['p/x $a0', 'p *(int *)$a0', 'set var *(int *)$a0 = 7'], { status: 1 });
    const values = (s: string): string[] => [...s.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
    // The word at a0 reads (an object in the pool); writing it is what fails.
    expect(values(mem)).toHaveLength(2);
    expect(values(mem)[0]).toMatch(/^0xffffffff8[0-9a-f]{7}$/);
    expect(mem).toContain(`Cannot access memory at address ${values(mem)[0]}`);
    // The next connection finds the state as it was: the same a0, the same word at a0.
    const after = await gdb(['p/x $a0', 'p *(int *)$a0']);
    expect(values(after)).toEqual(values(mem));
    expect(values(reg)[0]).toBe(values(after)[0]);
  });

  it('the start and the end of the recorded history', async () => {
    // After a seek gdb's register cache is stale (the stub says so): flush it, as samsara gdb's seek does.
    const flush = ['maint flush register-cache', 'maint flush dcache'];
    const out = await gdb(['monitor seek 0', ...flush, 'reverse-stepi', 'monitor seek 1000000000000', ...flush, 'stepi']);
    expect(out).toMatch(/No more reverse-execution history/);
    expect(out).toMatch(/No more reverse-execution history[\s\S]*No more reverse-execution history/);
  });
});
