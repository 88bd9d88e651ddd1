// The demo README's gdb recipe ("How to find it from the oops" in guests/demo/README.md), run as
// written with gdb-multiarch against `samsara gdbserver` on the seed-5 recording: from the end of
// the recording, a watchpoint on the oopsing object's refcnt and reverse-continue stop at the
// other hart's racy store, objects.c:126.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsaraAsync } from '../cli/helpers';
import { startGdbServer } from './server-process';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const README = path.join(ROOT, 'guests/demo/README.md');

// The same lines are in guests/demo/README.md, after `(gdb) `: change both together (the second
// test checks that they match).
const RECIPE = [
  'target remote :1234',
  'continue',
  'frame function obj_put',
  'watch -l obj->refcnt',
  'reverse-continue',
];

/** gdb-multiarch with these arguments in `cwd`, without core files; throws on a non-zero exit status. */
function gdb(args: string[], cwd: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', 'gdb-multiarch', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`gdb-multiarch ${signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exited ${code ?? signal}`}:\n${out}`));
    });
  });
}

describe.skipIf(requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)'))('the demo README\'s gdb recipe', () => {
  let tmp = '';
  let oops = '';
  let server: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-recipe-'));
    const rec = path.join(tmp, 'demo.rec');
    // The README's recording: seed 5 with the virtual clock hits the race on hart 0.
    const r = await samsaraAsync(['record', '-o', rec, '--harts', '2', '--clock', 'virtual', '--append', 'seed=5', DEMO]);
    expect(r.stdout, r.stderr).toContain('kernel BUG at objects.c:125!');
    oops = r.stdout;
    ({ process: server, port } = await startGdbServer(rec));
  }, 120_000);
  afterAll(() => {
    server?.kill();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('continue, frame function obj_put, watch -l obj->refcnt, reverse-continue: hart 1 at objects.c:126, the racy store', async () => {
    const script = path.join(tmp, 'recipe.gdb');
    fs.writeFileSync(script, [
      'set pagination off',
      'set confirm off',
      // The README runs gdb in the repository's folder, where it finds the sources; gdb runs in a
      // temporary folder here (nothing it writes lands in the repository).
      `directory ${ROOT}`,
      ...RECIPE.map((line) => line.replace(/^target remote :1234$/, `target remote 127.0.0.1:${port}`)),
      'disconnect',
    ].join('\n') + '\n');
    // A script (-x) stops at the first command that fails, and gdb then exits 1.
    const out = await gdb(['-nx', '-batch', '-x', script, DEMO], tmp);

    // `continue` runs to the end: the oopsing hart (thread 1) in sbi_shutdown.
    expect(out).toMatch(/No more reverse-execution history\.\n(?:\[Switching to Thread 1\]\n)?sbi_shutdown \(failure=failure@entry=true\) at sbi\.c:\d+\n/);
    // The obj_put frame is frame 5 (sbi_shutdown, oops_end, die, handle_trap, the trap entry's
    // <signal handler called>), at the BUG_ON, its obj the object in the oops's a0.
    const frame = /^#5\s+obj_put \(obj=obj@entry=0x([0-9a-f]+) <pool\+\d+>\) at objects\.c:125\n125\s+BUG_ON\(ref < 2\);$/m.exec(out);
    expect(frame, out).not.toBeNull();
    expect(frame![1].padStart(16, '0')).toBe(/ a0 : ([0-9a-f]{16})/.exec(oops)![1]);
    expect(out).toContain('Hardware watchpoint 1: -location obj->refcnt');
    // reverse-continue: the other hart's store of 1 over 3 (going backward gdb's old value is the later one).
    expect(out).toMatch(/Thread 2 hit Hardware watchpoint 1: -location obj->refcnt\n\nOld value = 1\nNew value = 3\n/);
    expect(out).toMatch(/^0x[0-9a-f]+ in obj_put \(obj=obj@entry=0x[0-9a-f]+ <pool\+\d+>\) at objects\.c:126\n126\s+WRITE_ONCE\(obj->refcnt, ref - 1\);\s+\/\* \.\.\. and racy store \*\/$/m);
  }, 120_000);

  it('the README has the same gdb commands', () => {
    const text = fs.readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('How to find it from the oops'), text.indexOf('## Building'));
    const lines = [...section.matchAll(/^\s*\(gdb\) (.*)$/gm)].map((m) => m[1]);
    expect(lines).toEqual(RECIPE);
  });
});
