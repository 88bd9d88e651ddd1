// Real gdb-multiarch against `samsara gdbserver` on the demo recording, for what gdb got wrong from
// us before: watchpoint stops one instruction off (gdb steps after a RISC-V watchpoint stop itself),
// reverse-stepi on the selected thread moving another hart, `info threads` calling stopped harts
// "running", and a gdb connecting right after the last one's `disconnect` being refused.

import { ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RspClient } from '../../src/gdbstub/client';
import { requireTool, ROOT } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { expectWatchStops, mark, parseRegisters, printedValues, sections, watchStopCommands } from './gdb-listing';
import { startGdbServer } from './server-process';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-regressions-'));
/** The shared demo recording (test/cli/recordings.ts: seed 5, the race hits), set in beforeAll. */
let REC = '';
const END = 1_000_000_000_000; // past the end: seek clamps it to the last position

let server: ChildProcess | undefined;
let port = 0;

/**
 * gdb-multiarch with these arguments, as test/gdbstub/gdb-batch.ts's runGdb runs it: in a temporary
 * folder, with core dumps off; it fails if gdb cannot be started or exits with a non-zero status.
 */
function runGdb(args: string[]): string {
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', ...args], { cwd: tmp, encoding: 'utf8', timeout: 240_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`gdb-multiarch exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** gdb on the demo, connected to the server, running these commands (each its own -ex: one that fails does not stop the rest). */
function gdb(commands: string[]): string {
  const all = ['set pagination off', 'set confirm off', 'set width 0', `target remote 127.0.0.1:${port}`, ...commands, 'disconnect'];
  return runGdb(['-nx', '-batch', ...all.flatMap((c) => ['-ex', c]), DEMO]);
}

/** gdb's caches emptied after a `monitor seek` (what samsara gdb's seek does). */
const FLUSH = ['maint flush register-cache', 'maint flush dcache'];

const positions = (out: string): number[] => [...out.matchAll(/^position (\d+)/gm)].map((m) => Number(m[1]));

/** The `*` row of `info threads`: gdb's current thread. */
const currentThread = (out: string): number[] => [...out.matchAll(/^\* +(\d+) +Thread/gm)].map((m) => Number(m[1]));

describe.skipIf(requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)'))('gdb-multiarch on the demo recording: regressions', () => {
  beforeAll(async () => {
    const r = sharedRecording();
    REC = r.file;
    expect(r.stdout).toContain('kernel BUG');
    ({ process: server, port } = await startGdbServer(REC));
  }, 120_000);
  afterAll(() => {
    server?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('watch -l on a variable the guest writes: forward gdb stops just after the store, backward on the store', () => {
    // obj_alloc's `++next_serial` (guests/demo/objects.c); its address is mapped once paging is on, from kmain.
    const out = gdb(watchStopCommands('next_serial', 'kmain', FLUSH));
    expect(out).toMatch(/hit Hardware watchpoint 2: -location next_serial\s+Old value = 0\s+New value = 1\s/); // the first write
    expect(out.match(/hit Hardware watchpoint 2: -location next_serial\s+Old value = \d+\s+New value = \d+/g)).toHaveLength(2);
    const { forward, backward } = expectWatchStops(out);
    expect(forward.address).toBe(backward.address); // one store writes next_serial
  });

  /** Where gdb stopped at a breakpoint both harts run through, and which thread took the step before it. */
  function stopOnBothHarts(): { position: number; last: number; other: number } {
    const found = gdb(['monitor seek 0', ...FLUSH, 'break obj_put', 'continue', 'continue', 'continue', 'monitor when']);
    const position = positions(found).at(-1)!;
    // A new connection's current thread is the hart that took the last step (the stop reply to `?`).
    const fresh = gdb(['info threads']);
    const last = currentThread(fresh)[0];
    expect([1, 2]).toContain(last);
    return { position, last, other: 3 - last };
  }

  it('reverse-stepi on a selected thread that did not take the last step goes back one instruction of that thread', () => {
    const { position, last, other } = stopOnBothHarts();
    const regs = (thread: number, name: string): string[] => [`thread ${thread}`, 'maint flush register-cache', mark(name), 'info registers', mark('END')];
    const out = gdb([
      `monitor seek ${position}`, ...FLUSH, 'monitor when',
      ...regs(other, 'OTHER_BEFORE'), ...regs(last, 'LAST_BEFORE'),
      `thread ${other}`, 'reverse-stepi', 'monitor when', mark('THREADS'), 'info threads', mark('END'),
      ...regs(other, 'OTHER_AFTER'), ...regs(last, 'LAST_AFTER'),
    ]);
    const [before, after] = positions(out).slice(1);
    expect(before).toBe(position);
    const s = sections(out);
    const reg = (name: string): Map<string, bigint> => parseRegisters(s.get(name)!);
    // gdb stays on the selected thread; the step was that thread's, not the last stepper's.
    expect(currentThread(s.get('THREADS')!)).toEqual([other]);
    expect(out).not.toMatch(/received signal SIGTRAP/);
    expect(after).not.toBe(position - 1); // the last stepper's step alone undone: the old fault
    expect(after).toBeLessThan(position - 1);
    expect(reg('OTHER_AFTER').get('pc')).not.toBe(reg('OTHER_BEFORE').get('pc'));

    // `after` is the selected thread's last step before `position`: just after it, that thread is
    // as it was at `position` (registers and pc), so the reverse-stepi undid exactly one of its
    // instructions. The last stepper is where the recording had it then (the steps it took after
    // are undone with the time), not one instruction back from where it was.
    const check = gdb([`monitor seek ${after + 1}`, ...FLUSH, ...regs(other, 'OTHER'), ...regs(last, 'LAST'), `monitor seek ${after}`, ...FLUSH, ...regs(last, 'LAST_AT')]);
    const c = sections(check);
    expect(parseRegisters(c.get('OTHER')!)).toEqual(reg('OTHER_BEFORE'));
    expect(parseRegisters(c.get('LAST_AT')!)).toEqual(reg('LAST_AFTER'));
  });

  it('reverse-next, reverse-step and reverse-finish on a switched thread end on that thread', () => {
    const { position, other } = stopOnBothHarts();
    for (const command of ['reverse-next', 'reverse-step', 'reverse-finish']) {
      const out = gdb([
        `monitor seek ${position}`, ...FLUSH, `thread ${other}`, 'bt 2', 'p/x $pc', command, 'monitor when', 'p/x $pc',
        mark('THREADS'), 'info threads', mark('END'),
      ]);
      const s = sections(out);
      expect(currentThread(s.get('THREADS')!), `${command}:\n${out}`).toEqual([other]);
      expect(out, command).not.toMatch(/received signal SIGTRAP|Switching to Thread/);
      const [pcBefore, pcAfter] = printedValues(out);
      expect(pcAfter, command).not.toBe(pcBefore);
      expect(positions(out).at(-1)!, command).toBeLessThan(position);
      if (command === 'reverse-finish') {
        // Back in the caller, at the call.
        const caller = /^#1 +0x[0-9a-f]+ in (\w+) /m.exec(out)![1];
        expect(s.get('THREADS')).toMatch(new RegExp(`^\\* +${other} +Thread .* in ${caller} `, 'm'));
      }
    }
  });

  it('info threads says what each hart does, and never "running" for a stopped target', () => {
    const out = gdb([
      'monitor seek 0', ...FLUSH, mark('START'), 'info threads', mark('END'),
      `monitor seek ${END}`, ...FLUSH, mark('AT_END'), 'info threads', mark('END'),
    ]);
    const s = sections(out);
    // At the start hart 1 has not been started (SBI HSM); at the end it idles in WFI (secondary_main).
    expect(s.get('START')).toMatch(/Thread 1 \(hart 0, S-mode\)/);
    expect(s.get('START')).toMatch(/Thread 2 \(hart 1, stopped \(/);
    expect(s.get('AT_END')).toMatch(/Thread 1 \(hart 0, S-mode\)/);
    expect(s.get('AT_END')).toMatch(/Thread 2 \(hart 1, idle in WFI, S-mode\) .*secondary_main/);
    expect(out).not.toMatch(/running/);
  });

  it('a client connecting right after the last one detached (D) is served, whether or not the last has closed its socket yet', async () => {
    for (const closeFirst of [false, true]) {
      for (let i = 0; i < 10; i++) {
        const first = await RspClient.connect(port);
        expect(await first.request('?', 10_000)).toMatch(/^T05/);
        expect(await first.request('D', 10_000)).toBe('OK');
        if (closeFirst) first.close();
        const second = await RspClient.connect(port);
        try {
          expect(await second.request('?', 10_000)).toMatch(/^T05/);
          expect(await second.monitor('when', 10_000)).toMatch(/^position \d+/);
        } finally {
          first.close();
          second.close();
        }
      }
    }
  });

  it('gdb disconnect then target remote at once, and two gdbs back to back, are served', () => {
    const out = gdb(['monitor when', 'disconnect', `target remote 127.0.0.1:${port}`, 'monitor when']);
    expect(positions(out)).toHaveLength(2);
    for (let i = 0; i < 2; i++) expect(positions(gdb(['monitor when']))).toHaveLength(1);
  });

  it('a gdb killed during a long reverse-continue: the next is served, once that motion has stopped', async () => {
    const first = await RspClient.connect(port);
    await first.monitor(`seek ${END}`, 10_000);
    const motion = first.request('bc').catch(() => ''); // no breakpoints: it would run back to the start
    await new Promise((r) => setTimeout(r, 300));
    first.close(); // as when gdb dies: no interrupt, no D
    void motion;
    const second = await RspClient.connect(port);
    try {
      const at = await second.monitor('when', 10_000);
      await new Promise((r) => setTimeout(r, 500));
      // Nothing moves the timeline under the new connection.
      expect(await second.monitor('when', 10_000)).toBe(at);
      expect(Number(/position (\d+)/.exec(at)![1])).toBeGreaterThan(0);
    } finally {
      second.close();
    }
  });

  it('while one gdb stays connected, another is refused, and the first is still served', async () => {
    const first = await RspClient.connect(port);
    try {
      expect(await first.request('?', 10_000)).toMatch(/^T05/);
      const second = await RspClient.connect(port);
      await expect(second.request('?', 10_000)).rejects.toThrow(/closed the connection/);
      second.close();
      expect(await first.monitor('when', 10_000)).toMatch(/^position \d+/);
    } finally {
      first.close();
    }
  });
});
