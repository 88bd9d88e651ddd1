// `samsara dap` with vmlinux on a recording of the Linux guest: a function breakpoint on a kernel
// function that init's system calls reach, its source in the kernel tree, a line step forward and
// back, a user-space string argument read through the hart's translation, and reverseContinue.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireLinuxGuest, samsaraAsync } from '../cli/helpers';
import { DapClient } from './client';

const guest = requireLinuxGuest('the debug adapter tests with vmlinux record it');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dap-linux-'));
const REC = path.join(tmp, 'linux.rec');

let client: DapClient | undefined;
afterEach(async () => client?.close());

describe.skipIf(!guest)('samsara dap with vmlinux on a Linux recording', () => {
  beforeAll(async () => {
    const r = await samsaraAsync(['record', '-o', REC, '--harts', '2', '--append', 'console=ttyS0', '--drive', guest!.disk, guest!.image]);
    expect(r.code).toBe(0);
  }, 300_000);

  it('break do_sys_openat2: fs/open.c, the file name argument, next and stepBack, reverseContinue to the same hit', async () => {
    const c = (client = new DapClient());
    await c.start({ recording: REC, program: guest!.vmlinux }, async () => {
      const b = await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'do_sys_openat2' }] });
      expect(b.breakpoints[0]).toMatchObject({ verified: true });
    });
    await c.waitFor('stopped');
    const hit = await c.move('continue', { threadId: 1 });
    expect(hit.body.reason).toBe('breakpoint');
    const t = hit.body.threadId!;
    const top = await c.top(t);
    expect(top.name).toBe('do_sys_openat2');
    expect(top.source?.path).toMatch(/\/fs\/open\.c$/);
    expect(fs.existsSync(top.source!.path!)).toBe(true);
    // Registers are described only by symbols of allocated sections: never by the assembler's local
    // labels of the debug sections (__efistub_.Ldebug_info0, __efistub_.LASF1869 named sp and t0).
    const { scopes } = await c.request('scopes', { frameId: top.id });
    // The hart's current task, from tp: init opens its files itself (guests/linux/init.c).
    const taskScope = scopes.find((s: { name: string }) => /^Current task \(hart \d\)$/.test(s.name));
    const [current] = (await c.request('variables', { variablesReference: taskScope.variablesReference })).variables;
    expect(current).toMatchObject({ name: 'current', type: 'struct task_struct *' });
    const task: { name: string; value: string }[] = (await c.request('variables', { variablesReference: current.variablesReference })).variables;
    expect(task.find((m) => m.name === 'comm')!.value).toMatch(/^"init", '\\000' <repeats \d+ times>$/);
    expect(Number(task.find((m) => m.name === 'pid')!.value)).toBe(1);
    const registersScope = scopes.find((s: { name: string }) => s.name === 'Registers');
    const regs: { name: string; value: string }[] = (await c.request('variables', { variablesReference: registersScope.variablesReference })).variables;
    expect(regs.find((r) => r.name === 'pc')!.value).toMatch(/^0x[0-9a-f]{16} <do_sys_openat2\+0x0\/0x[0-9a-f]+ open\.c:\d+>$/);
    for (const r of regs) expect(r.value, r.name).not.toMatch(/\.L|__efistub_|\$[xd]\b/);
    // The stack goes through the system call path into the exception entry, as gdb's bt does.
    const stack = (await c.request('stackTrace', { threadId: t })).stackFrames;
    const names = stack.map((f: { name: string }) => f.name);
    expect(names[1]).toBe('do_sys_open');
    expect(names).toContain('__do_sys_openat [inlined]');
    expect(names).toContain('__se_sys_openat');
    // The outermost frame is the exception entry's call of the system call table (entry.S has no
    // call frame information: unwinding stops there, at the trap frame).
    expect(stack[stack.length - 1].source.path).toMatch(/arch\/riscv\/kernel\/entry\.S$/);
    // The second argument is the user's file name: init opens /etc/motd first (guests/linux/init.c).
    const a1 = await c.request('evaluate', { expression: 'a1', context: 'watch', frameId: top.id });
    const bytes = Buffer.from((await c.request('readMemory', { memoryReference: a1.memoryReference, count: 16 })).data, 'base64');
    expect(bytes.subarray(0, bytes.indexOf(0)).toString()).toBe('/etc/motd');
    const { position } = await c.request('samsara/position');
    await c.move('next', { threadId: t });
    const after = await c.top(t);
    expect(after.source?.path).toBe(top.source?.path);
    expect(after.line).not.toBe(top.line);
    await c.move('stepBack', { threadId: t });
    expect((await c.top(t)).line).toBe(top.line);
    // On to the next open, then back to this one.
    await c.move('continue', { threadId: t });
    const back = await c.move('reverseContinue', { threadId: t });
    expect(back.body.reason).toBe('breakpoint');
    expect((await c.request('samsara/position')).position).toBe(position);
  }, 300_000);

  it('next over the call of schedule() in worker_thread ends in the same task (tp), not in another kworker that returns there on the same hart', async () => {
    // Each kworker sleeps in that call, on its own 16 KiB stack: a frame test of sp >= sp0 alone
    // takes another kworker's return there, on a stack above this one's, for this one's.
    const c = (client = new DapClient());
    await c.start({ recording: REC, program: guest!.vmlinux }, async () => {
      await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'schedule' }] });
    });
    await c.waitFor('stopped');
    const value = async (expression: string, threadId: number): Promise<string> =>
      (await c.request('evaluate', { expression, context: 'watch', frameId: (await c.top(threadId)).id })).result.split(' ')[0];
    let checked = 0;
    for (let n = 0; n < 60 && checked < 2; n++) {
      const hit = await c.move('continue', { threadId: 1 });
      if (hit.body.reason !== 'breakpoint') break;
      const t = hit.body.threadId!;
      const frames = (await c.request('stackTrace', { threadId: t, levels: 2 })).stackFrames;
      if (frames[1]?.name !== 'worker_thread') continue;
      const { position } = await c.request('samsara/position');
      const tp = await value('tp', t); // the task (current)
      // Back to the call in worker_thread, and over it.
      await c.request('setFunctionBreakpoints', { breakpoints: [] });
      await c.move('stepBack', { threadId: t, granularity: 'instruction' });
      expect((await c.top(t)).name).toBe('worker_thread');
      const over = await c.move('next', { threadId: t });
      if (!/^End of the recording/.test(over.body.description ?? '')) { // else this kworker never ran again
        expect(over.body).toMatchObject({ reason: 'step', threadId: t });
        expect((await c.top(t)).name).toBe('worker_thread');
        expect(await value('tp', t), `next over schedule() from position ${position}`).toBe(tp);
      }
      checked++;
      await c.request('samsara/seek', { position });
      await c.waitFor('stopped');
      await c.request('setFunctionBreakpoints', { breakpoints: [{ name: 'schedule' }] });
    }
    expect(checked).toBe(2);
  }, 300_000);
});
