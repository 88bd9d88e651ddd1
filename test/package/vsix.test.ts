// The .vsix that `npm run package` makes, as a user gets it: built into a temporary folder outside
// the repository, its entries checked (the extension, the debug adapter, the command line and their
// production dependencies; no sources, tests, guests, core dumps or recordings), then unpacked there
// and its own `samsara dap` driven through a debugging session on a demo recording, from the
// temporary folder: nothing of the repository is on its module path. Packaging that fails fails
// the test.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, samsara } from '../cli/helpers';
import { DapClient } from '../debug-adapter/client';

const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const OBJECTS = path.join(ROOT, 'guests/demo/objects.c');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-vsix-'));
const VSIX = path.join(tmp, 'samsara-replay.vsix');
const UNPACKED = path.join(tmp, 'unpacked');
const REC = path.join(tmp, 'demo.rec');

let client: DapClient | undefined;
let built: { entries: Record<string, Uint8Array> } | Error | undefined;

/** Runs `npm run package` once; each test calls it, so that a packaging failure fails every test
 *  (rather than skipping them, as a failing beforeAll does). */
function packaged(): Record<string, Uint8Array> {
  if (!built) {
    // The package script's own --out is overridden by this later one.
    const r = spawnSync('npm', ['run', 'package', '--', '--out', VSIX], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.error) built = r.error;
    else if (r.status !== 0 || !fs.existsSync(VSIX)) built = new Error(`npm run package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    else built = { entries: unzipSync(fs.readFileSync(VSIX)) };
  }
  if (built instanceof Error) throw built;
  return built.entries;
}

describe('the packaged extension (npm run package)', () => {
  afterAll(async () => {
    await client?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the extension, the adapter, the command line and their dependencies, and nothing else', () => {
    const entries = packaged();
    expect(fs.statSync(VSIX).size).toBeLessThan(5 * 1024 * 1024);
    const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
    for (const required of [
      'extension/package.json', 'extension/out/extension/extension.js', 'extension/out/cli/main.js', 'extension/bin/samsara.js',
      'extension/media/timeline.js', 'extension/node_modules/@vscode/debugadapter/package.json',
      'extension/node_modules/@vscode/debugprotocol/package.json', 'extension/node_modules/fflate/package.json',
    ]) expect(names).toContain(required);
    const unwanted = names.filter((n) =>
      /^extension\/(src|test|guests|scripts|\.ci|\.vscode)\//.test(n) // guests/demo/demo.elf too: see .vscodeignore
      || /(^|\/)core(\.\d+)?$/.test(n) || /\.(rec|vsix|tsbuildinfo)$/.test(n) || /^extension\/out\/.*\.map$/.test(n)
      || /^extension\/(tsconfig\.json|vitest\.config\.ts|package-lock\.json)$/.test(n)
      || /^extension\/node_modules\/(typescript|vitest|@vscode\/vsce|@types)\//.test(n));
    expect(unwanted).toEqual([]);
    // Everything is under extension/, apart from the package's own two manifests.
    expect(names.filter((n) => !n.startsWith('extension/')).sort()).toEqual(['[Content_Types].xml', 'extension.vsixmanifest']);
  }, 300_000);

  it('unpacked elsewhere, its samsara dap debugs a recording backwards', async () => {
    const entries = packaged();
    const r = samsara(['record', '-o', REC, '--harts', '2', '--clock', 'virtual', '--append', 'seed=5', DEMO]);
    expect(r.stdout).toContain('kernel BUG');
    for (const [name, data] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      const file = path.join(UNPACKED, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data);
    }
    const bin = path.join(UNPACKED, 'extension/bin/samsara.js');
    // The packaged command line too.
    const info = spawnSync(process.execPath, [bin, 'info', REC], { cwd: tmp, encoding: 'utf8' });
    expect(info.status, info.stderr).toBe(0);

    const c = (client = new DapClient(tmp, bin));
    let bp: any;
    await c.start({ recording: REC, program: DEMO }, async () => {
      bp = await c.request('setBreakpoints', { source: { path: OBJECTS }, breakpoints: [{ line: 124 }] });
    });
    expect(bp.breakpoints[0]).toMatchObject({ verified: true, line: 124 });
    expect((await c.waitFor('stopped')).body.reason).toBe('entry');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body).toMatchObject({ reason: 'breakpoint', hitBreakpointIds: [bp.breakpoints[0].id] });
    const t = hit.body.threadId!;
    const { stackFrames } = await c.request('stackTrace', { threadId: t });
    expect(stackFrames[0]).toMatchObject({ name: 'obj_put', line: 124, source: { name: 'objects.c', path: OBJECTS } });
    const before = (await c.request('samsara/position')).position;
    const back = await c.move('stepBack', { threadId: t });
    expect(back.body.reason).toMatch(/^(step|breakpoint)$/);
    expect((await c.request('samsara/position')).position).toBeLessThan(before);
    const top = await c.top(back.body.threadId ?? t);
    expect(`${top.name} ${top.source?.name}:${top.line}`).toBe('obj_put objects.c:123');
    const bye = await c.send('disconnect', {});
    expect(bye.success).toBe(true);
    const code = await new Promise<number | null>((resolve) => {
      if (c.process.exitCode !== null) resolve(c.process.exitCode);
      else c.process.once('exit', (status) => resolve(status));
    });
    expect(code).toBe(0);
    expect(c.stderr).toBe('');
  }, 300_000);
});
