// The demo README's gdb recipe, shared by the test that runs it on a serial recording
// (recipe.test.ts) and the one that runs it on a parallel recording (test/parallel).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../cli/helpers';

// The same lines are in guests/demo/README.md, after `(gdb) `: change both together (the second
// test checks that they match).
export const RECIPE = [
  'target remote :1234',
  'continue',
  'frame function obj_put',
  'watch -l obj->refcnt',
  'reverse-continue',
];

/** gdb-multiarch with these arguments in `cwd`, without core files; throws on a non-zero exit status. */
export function gdb(args: string[], cwd: string, timeoutMs = 120_000): Promise<string> {
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

/** The recipe as a gdb script in `dir`, against a server on `port`; returns its path. */
export function recipeScript(dir: string, port: number): string {
  const script = path.join(dir, 'recipe.gdb');
  fs.writeFileSync(script, [
    'set pagination off',
    'set confirm off',
    // The README runs gdb in the repository's folder, where it finds the sources; gdb runs in a
    // temporary folder here (nothing it writes lands in the repository).
    `directory ${ROOT}`,
    ...RECIPE.map((line) => line.replace(/^target remote :1234$/, `target remote 127.0.0.1:${port}`)),
    'disconnect',
  ].join('\n') + '\n');
  return script;
}

/**
 * What the recipe must print on a recording whose console is `oops` (kernel BUG at objects.c:125):
 * the oopsing hart at the end, obj_put's frame on the oops's object, and reverse-continue stopping
 * at a racy store (by gdb's thread `storer`, hart storer - 1, if given), which made the count
 * `values.new` from `values.old` (gdb, going backward, calls the later value the old one).
 */
export function expectRecipeFindsTheRace(out: string, oops: string, storer: number | undefined, values = { old: 1, new: 3 }): void {
  // `continue` runs to the end: the oopsing hart in sbi_shutdown.
  expect(out).toMatch(/No more reverse-execution history\.\n(?:\[Switching to Thread \d\]\n)?sbi_shutdown \(failure=failure@entry=true\) at sbi\.c:\d+\n/);
  // The obj_put frame is frame 5 (sbi_shutdown, oops_end, die, handle_trap, the trap entry's
  // <signal handler called>), at the BUG_ON, its obj the object in the oops's a0.
  const frame = /^#5\s+obj_put \(obj=obj@entry=0x([0-9a-f]+) <pool\+\d+>\) at objects\.c:125\n125\s+BUG_ON\(ref < 2\);$/m.exec(out);
  expect(frame, out).not.toBeNull();
  expect(frame![1].padStart(16, '0')).toBe(/ a0 : ([0-9a-f]{16})/.exec(oops)![1]);
  expect(out).toContain('Hardware watchpoint 1: -location obj->refcnt');
  // reverse-continue: the other hart's store of 1 over 3 (going backward gdb's old value is the later one).
  expect(out).toMatch(new RegExp(`Thread ${storer ?? '\\d+'} hit Hardware watchpoint 1: -location obj->refcnt\n\nOld value = ${values.old}\nNew value = ${values.new}\n`));
  expect(out).toMatch(/^0x[0-9a-f]+ in obj_put \(obj=obj@entry=0x[0-9a-f]+ <pool\+\d+>\) at objects\.c:126\n126\s+WRITE_ONCE\(obj->refcnt, ref - 1\);\s+\/\* \.\.\. and racy store \*\/$/m);
}
