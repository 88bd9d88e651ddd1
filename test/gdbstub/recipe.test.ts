// The demo README's gdb recipe ("How to find it from the oops" in guests/demo/README.md), run as
// written with gdb-multiarch against `samsara gdbserver` on the seed-5 recording: from the end of
// the recording, a watchpoint on the oopsing object's refcnt and reverse-continue stop at the
// other hart's racy store, objects.c:126.

import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, ROOT, samsaraAsync } from '../cli/helpers';
import { expectRecipeFindsTheRace, gdb, RECIPE, recipeScript } from './recipe';
import { startGdbServer } from './server-process';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const README = path.join(ROOT, 'guests/demo/README.md');

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
    const out = await gdb(['-nx', '-batch', '-x', recipeScript(tmp, port), DEMO], tmp);
    expectRecipeFindsTheRace(out, oops, 2);
  }, 120_000);

  it('the README has the same gdb commands', () => {
    const text = fs.readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('How to find it from the oops'), text.indexOf('## Building'));
    const lines = [...section.matchAll(/^\s*\(gdb\) (.*)$/gm)].map((m) => m[1]);
    expect(lines).toEqual(RECIPE);
  });
});
