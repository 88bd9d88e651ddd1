// Bad DWARF in the program the adapter is given is shown where the data would be, never as a failed
// request: a corrupt location list is that variable's value; a unit whose entries cannot be read
// shows the error in place of its Arguments and Locals. Registers, the stack and C expressions over
// registers keep working.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { DEMO, sharedRecording } from '../cli/recordings';
import { DapClient } from './client';

let REC: string;
let client: DapClient | undefined;
afterEach(async () => client?.close());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-bad-dwarf-'));

/** A copy of the demo's ELF with one section's bytes replaced by `fill`. */
function corrupt(section: string, fill: (bytes: Buffer) => void): string {
  const data = fs.readFileSync(DEMO);
  const s = parseElf(data).sections.find((x) => x.name === section);
  if (!s) throw new Error(`${DEMO} has no ${section}`);
  fill(data.subarray(s.offset, s.offset + s.size));
  const out = path.join(tmp, `demo-bad${section.replace(/\W/g, '-')}.elf`);
  fs.writeFileSync(out, data);
  return out;
}

async function stopInObjPut(program: string) {
  const c = (client = new DapClient());
  await c.start({ recording: REC, program }, async () => {
    await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'obj_put' }] });
  });
  await c.waitFor('stopped');
  const hit = await c.move('continue', { threadId: 1 });
  const top = await c.top(hit.body.threadId!);
  expect(top.name).toBe('obj_put');
  const { scopes } = await c.request('scopes', { frameId: top.id });
  const vars = async (name: string) => (await c.request('variables', { variablesReference: scopes.find((s: { name: string }) => s.name === name).variablesReference })).variables as { name: string; value: string }[];
  return { c, top, vars };
}

describe('bad DWARF in the program', () => {
  beforeAll(() => {
    REC = sharedRecording().file;
  }, 300_000);

  it('.debug_loc overwritten: each variable with a location list says why, in its value', async () => {
    const program = corrupt('.debug_loc', (b) => b.fill(0xff));
    const { c, top, vars } = await stopInObjPut(program);
    // obj's location is an expression of its own (.debug_info): still read. ref's is a list in
    // .debug_loc: its value says what is wrong there.
    const args = await vars('Arguments');
    expect(args.map((a) => a.name)).toEqual(['obj']);
    expect(args[0].value).toMatch(/^0x[0-9a-f]+ <pool\+\d+>$/);
    const locals = await vars('Locals');
    expect(locals.map((a) => a.name)).toEqual(['ref']);
    expect(locals[0].value).toMatch(/^<bad DWARF: \.debug_loc\+0x[0-9a-f]+: /);
    // The machine's side is untouched.
    const regs = await vars('Registers');
    expect(regs.find((r) => r.name === 'pc')!.value).toMatch(/<obj_put/);
    const a0 = await c.request('evaluate', { expression: '$a0 + 1', context: 'watch', frameId: top.id });
    expect(a0.result).toMatch(/^-?\d+$/);
  }, 120_000);

  it('.debug_abbrev overwritten: Arguments and Locals show the error, the stack and registers still work', async () => {
    const program = corrupt('.debug_abbrev', (b) => b.fill(0x7f));
    const { c, vars } = await stopInObjPut(program);
    for (const scope of ['Arguments', 'Locals']) {
      const list = await vars(scope);
      expect(list).toHaveLength(1);
      expect(list[0].name).toBe('<error>');
      expect(list[0].value).toMatch(/^<bad DWARF: \.debug_(abbrev|info)\+0x[0-9a-f]+: /);
    }
    expect((await vars('Registers')).length).toBeGreaterThan(30);
    const threads = (await c.request('threads')).threads;
    expect(threads.length).toBe(2);
  }, 120_000);
});
