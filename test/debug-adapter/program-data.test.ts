// The C program's data in the debug adapter, on the demo recording: a breakpoint in obj_put shows
// its argument `obj` (a struct object *) in Arguments, expandable through the pointer; Locals by
// block; C expressions in the watch, hover and repl contexts with errors that name the column; a
// condition in C; "Break on Value Change" on a member, and Reverse to its last write; setVariable and
// setExpression refused with the reason.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, sharedRecording } from '../cli/recordings';
import { DapClient } from './client';

let REC: string;
let client: DapClient | undefined;
afterEach(async () => client?.close());

interface Variable { name: string; value: string; type?: string; variablesReference: number; memoryReference?: string; evaluateName?: string }

async function scopeVariables(c: DapClient, frameId: number, scope: string): Promise<Variable[]> {
  const { scopes } = await c.request('scopes', { frameId });
  const s = scopes.find((x: { name: string }) => x.name === scope);
  expect(s, `scope ${scope} in ${scopes.map((x: { name: string }) => x.name)}`).toBeDefined();
  return (await c.request('variables', { variablesReference: s.variablesReference })).variables;
}

async function stopIn(fn: string, condition?: string): Promise<{ c: DapClient; frameId: number; threadId: number }> {
  const c = (client = new DapClient());
  await c.start({ recording: REC, program: DEMO }, async () => {
    await c.request('setFunctionBreakpoints', { breakpoints: [{ name: fn, condition }] });
  });
  await c.waitFor('stopped');
  const hit = await c.move('continue', { threadId: 1 });
  expect(hit.body.reason).toBe('breakpoint');
  const top = await c.top(hit.body.threadId!);
  expect(top.name).toBe(fn);
  return { c, frameId: top.id, threadId: hit.body.threadId! };
}

describe('the program\'s data in the debug adapter (demo)', () => {
  beforeAll(() => {
    REC = sharedRecording().file;
  }, 300_000);

  it('obj_put: Arguments shows obj, expandable through the pointer; watch, hover and repl evaluate C', async () => {
    const { c, frameId } = await stopIn('obj_put');
    const args = await scopeVariables(c, frameId, 'Arguments');
    expect(args.map((a) => a.name)).toEqual(['obj']);
    expect(args[0].type).toBe('struct object *');
    // A pointer prints as gdb prints it: the address, and the symbol it points into (`print symbol`).
    expect(args[0].value).toMatch(/^0x[0-9a-f]+ <pool\+\d+>$/);
    const address = BigInt(args[0].value.split(' ')[0]);
    expect(args[0].variablesReference).toBeGreaterThan(0);
    const members: Variable[] = (await c.request('variables', { variablesReference: args[0].variablesReference })).variables;
    const names = members.map((m) => m.name);
    expect(names).toContain('refcnt');
    expect(names).toContain('magic');
    const refcnt = members.find((m) => m.name === 'refcnt')!;
    expect(refcnt.evaluateName).toBe('obj->refcnt');
    // The watch of the same member gives the same value.
    const w = await c.request('evaluate', { expression: 'obj->refcnt', context: 'watch', frameId });
    expect(w.result).toBe(refcnt.value);
    const h = await c.request('evaluate', { expression: 'obj', context: 'hover', frameId });
    expect(h.result).toBe(args[0].value);
    expect(BigInt(h.memoryReference)).toBe(address);
    // The debug console prints as gdb's print does: a pointer with its type.
    const p = await c.request('evaluate', { expression: 'obj', context: 'repl', frameId });
    expect(p.result).toBe(`(struct object *) ${args[0].value}`);
    const arith = await c.request('evaluate', { expression: 'obj->refcnt * 2 + 1 == (obj->refcnt << 1 | 1)', context: 'watch', frameId });
    expect(arith.result).toBe('1');
    const size = await c.request('evaluate', { expression: 'sizeof(struct object) == sizeof *obj', context: 'watch', frameId });
    expect(size.result).toBe('1');
    // Errors name the problem and where it is.
    await expect(c.request('evaluate', { expression: 'obj->nosuch', context: 'watch', frameId })).rejects.toThrow(/nosuch/);
    await expect(c.request('evaluate', { expression: 'obj->refcnt +', context: 'watch', frameId })).rejects.toThrow(/column/);
    // The assembly-level forms still work where the text is no C of this frame.
    const a0 = await c.request('evaluate', { expression: 'a0', context: 'watch', frameId });
    expect(BigInt(a0.result.split(' ')[0])).toBe(address);
  }, 120_000);

  it('a C condition on a function breakpoint; setVariable and setExpression are refused', async () => {
    const { c, frameId } = await stopIn('obj_put', 'obj->refcnt >= 3 && obj != 0');
    const args = await scopeVariables(c, frameId, 'Arguments');
    const members: Variable[] = (await c.request('variables', { variablesReference: args[0].variablesReference })).variables;
    expect(Number(members.find((m) => m.name === 'refcnt')!.value)).toBeGreaterThanOrEqual(3);
    await expect(c.request('setVariable', { variablesReference: args[0].variablesReference, name: 'refcnt', value: '1' })).rejects.toThrow(/read-only/);
    await expect(c.request('setExpression', { expression: 'obj->refcnt', value: '1', frameId })).rejects.toThrow(/read-only/);
  }, 120_000);

  it('Break on Value Change on obj->refcnt, then Reverse: stops at the last write of it', async () => {
    const { c, frameId, threadId } = await stopIn('obj_put');
    const args = await scopeVariables(c, frameId, 'Arguments');
    const info = await c.request('dataBreakpointInfo', { variablesReference: args[0].variablesReference, name: 'refcnt', frameId });
    expect(info.dataId).toMatch(/^0x[0-9a-f]+\/4$/);
    expect(info.description).toMatch(/obj->refcnt \(4 bytes at 0x/);
    // A local in a register cannot be watched, and says why.
    const inRegister = await c.request('dataBreakpointInfo', { name: 'obj', frameId });
    expect(inRegister.dataId).toBeNull();
    await c.request('setFunctionBreakpoints', { breakpoints: [] });
    await c.request('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    const back = await c.move('reverseContinue', { threadId });
    expect(back.body.reason).toBe('data breakpoint');
    const top = await c.top(back.body.threadId!);
    expect(top.name).toMatch(/obj_lookup|obj_put|obj_publish|obj_alloc/);
  }, 120_000);
});
