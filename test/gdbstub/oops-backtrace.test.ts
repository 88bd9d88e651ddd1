// gdb-multiarch's own unwinder through the demo kernel's trap entry: at the oops (the BUG_ON in
// obj_put traps with ebreak into trap_entry, then handle_trap, die and sbi_shutdown), `bt` goes on
// past the trap frame to the trapping instruction and its callers, from the call frame information
// that guests/demo/entry.S gives trap_entry (a signal frame whose return column holds sepc).

import { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsara } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { runGdb } from './gdb-batch';
import { startGdbServer } from './server-process';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
/** The shared demo recording (test/cli/recordings.ts: seed 5, the race hits), set in beforeAll. */
let REC = '';

let server: ChildProcess | undefined;
let port = 0;

describe.skipIf(requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)'))('gdb-multiarch bt at the demo kernel\'s oops', () => {
  beforeAll(async () => {
    // seed 5 with the virtual clock: the race hits on hart 0 (test/gdbstub/gdb.test.ts).
    const r = sharedRecording();
    REC = r.file;
    expect(r.stdout).toContain('kernel BUG at objects.c:125!');
    ({ process: server, port } = await startGdbServer(REC));
  }, 120_000);
  afterAll(() => server?.kill());

  it('bt goes from sbi_shutdown through handle_trap and trap_entry to obj_put\'s BUG_ON, lookup_and_use, worker and kmain', () => {
    // runGdb: gdb in a temporary folder, core dumps off, its exit status checked.
    const out = runGdb([
      'break sbi_shutdown', 'continue', 'bt',
      // The frame above handle_trap is the trap entry's, and the one above that the trapping ebreak.
      'frame function handle_trap', 'up', 'info symbol $pc', 'up', 'info symbol $pc', 'info line *$pc', 'p/x $sp', 'p/x $a0',
    ], DEMO, port);
    expect(out).toMatch(/hit Breakpoint 1, sbi_shutdown \(failure=failure@entry=true\)/);
    const frames = [...out.matchAll(/^#(\d+)\s+(?:0x[0-9a-f]+ in )?(<signal handler called>|\S+) ?(?:\(.*\))?(?: at (\S+:\d+))?$/gm)]
      .map((m) => `${m[2]}${m[3] ? ` ${m[3]}` : ''}`);
    // gdb shows the frame of an FDE with the 'S' augmentation as "<signal handler called>"; the
    // `info symbol` below names it.
    expect(frames.slice(0, 9)).toEqual([
      'sbi_shutdown sbi.c:32', 'oops_end trap.c:194', 'die trap.c:207', 'handle_trap trap.c:104', '<signal handler called>',
      'obj_put objects.c:125', 'lookup_and_use worker.c:36', 'worker worker.c:52', 'kmain main.c:207',
    ]);
    expect(out.slice(0, out.search(/^#8 /m))).not.toMatch(/Backtrace stopped/);
    const symbols = [...out.matchAll(/^(\w+) \+ (\d+) in section \.text$/gm)].map((m) => m[1]);
    expect(symbols).toEqual(['trap_entry', 'obj_put']);
    expect(out).toMatch(/^obj_put \+ 44 in section \.text$/m); // the BUG_ON's ebreak, obj_put+0x2c in the oops
    expect(out).toMatch(/^Line 125 of "(?:guests\/demo\/)?objects\.c" starts at address/m);
    // The trapped frame's registers are those the oops printed: sp is the trap entry frame's CFA,
    // a0 (the object) comes from its pt_regs slot.
    const oops = samsara(['replay', REC]).stdout;
    const printed = (name: string): string => new RegExp(` ${name} : ([0-9a-f]{16})`).exec(oops)![1].replace(/^0+/, '');
    const values = [...out.matchAll(/^\$\d+ = 0x([0-9a-f]+)$/gm)].map((m) => m[1]);
    expect(values).toEqual([printed('sp'), printed('a0')]);
  });
});
