// gdb-multiarch with vmlinux on a recording of the Linux guest: a breakpoint on a kernel function
// that init's system calls reach, a backtrace through kernel frames, x/s of a string argument (a
// user-space pointer), and reverse-continue to the previous hit; a watchpoint on jiffies forward
// and backward.

import { RspClient } from '../../src/gdbstub/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLinuxGuest, requireTool, samsaraAsync } from '../cli/helpers';
import { runGdb } from './gdb-batch';
import { expectWatchStops, watchStopCommands } from './gdb-listing';
import { GdbServer, startGdbServer } from './server-process';

const NO_GDB = requireTool('gdb-multiarch', 'the gdb tests on Linux drive the stub with it; scripts/setup-debian installs it (gdb-multiarch)');
const guest = NO_GDB ? undefined : requireLinuxGuest('the gdb tests on Linux record it');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-linux-'));
const REC = path.join(tmp, 'linux.rec');
let server: GdbServer | undefined;
let port = 0;

/** A packet and its reply, waiting at most `ms`: fails naming the packet when the stub does not answer. */
async function ask(client: RspClient, packet: string, ms = 60_000): Promise<string> {
  try {
    return await client.request(packet, ms);
  } catch (e) {
    throw new Error(`no reply to the packet ${packet}: ${(e as Error).message}`);
  }
}

/** A monitor command's output, waiting at most 60 s. */
async function monitor(client: RspClient, command: string): Promise<string> {
  try {
    return await client.monitor(command, 60_000);
  } catch (e) {
    throw new Error(`no reply to monitor ${command}: ${(e as Error).message}`);
  }
}

describe.skipIf(!guest)('gdb-multiarch vmlinux on a Linux recording', () => {
  beforeAll(async () => {
    const r = await samsaraAsync(['record', '-o', REC, '--harts', '2', '--append', 'console=ttyS0', '--drive', guest!.disk, guest!.image]);
    expect(r.code).toBe(0);
    server = await startGdbServer(REC);
    port = server.port;
  }, 300_000);
  afterAll(() => server?.process.kill());

  it('break do_sys_openat2, bt, x/s the file name, reverse-continue', () => {
    const out = runGdb(
      ['break do_sys_openat2', 'continue', 'bt', 'x/s $a1', 'monitor when', 'continue', 'x/s $a1', 'reverse-continue', 'monitor when', 'x/s $a1'],
      guest!.vmlinux, port, { timeoutMs: 240_000 },
    );
    expect(out).toMatch(/hit Breakpoint 1, do_sys_openat2 \(dfd=/);
    // The backtrace goes through the system call path into the exception entry.
    expect(out).toMatch(/#1 +0x[0-9a-f]+ in do_sys_open /);
    expect(out).toMatch(/in __do_sys_openat|__se_sys_openat/);
    expect(out).toMatch(/handle_exception \(\)/);
    // init opens /etc/motd, then /dev/vda (guests/linux/init.c).
    const names = [...out.matchAll(/0x[0-9a-f]+:\s+"([^"]*)"/g)].map((m) => m[1]);
    expect(names).toEqual(['/etc/motd', '/dev/vda', '/etc/motd']);
    const whens = [...out.matchAll(/position (\d+) \(of/g)].map((m) => Number(m[1]));
    expect(whens).toHaveLength(2);
    expect(whens[1]).toBe(whens[0]);
  }, 300_000);

  it('watch -l jiffies: forward gdb stops just after the store in the tick code, backward on it', () => {
    // jiffies is mapped from start_kernel on; a seek across the recording takes longer than gdb's
    // default 2 s wait for a reply.
    const commands = ['set width 0', 'set remotetimeout 120', ...watchStopCommands('jiffies', 'start_kernel', ['maint flush register-cache', 'maint flush dcache'])];
    const out = runGdb(commands, guest!.vmlinux, port, { timeoutMs: 240_000 });
    expect(out.match(/hit Hardware watchpoint 2: -location jiffies\s+Old value = \d+\s+New value = \d+/g)).toHaveLength(2);
    const { forward, backward } = expectWatchStops(out);
    // `jiffies_64 += ticks` in do_timer (kernel/time/timekeeping.c), or the tick code's own update.
    for (const store of [forward, backward]) expect(store.mnemonic).toMatch(/^(c\.)?sd$|^amo/);
    expect(out).toMatch(/FORWARD[^]*<(do_timer|tick_\w+)\+\d+>[^]*BACKWARD[^]*=> 0x[0-9a-f]+ <(do_timer|tick_\w+)\+\d+>/);
  }, 300_000);

  it('Ctrl-C (0x03) interrupts a long continue, and the position stays inside the recording', async () => {
    await server!.idle(); // the last test's connection is gone
    const client = await RspClient.connect(port);
    const when = async (): Promise<number> => Number(/position (\d+)/.exec(await monitor(client, 'when'))![1]);
    await monitor(client, 'seek 0');
    const start = await when();
    const stopped = ask(client, 'c');
    await new Promise((r) => setTimeout(r, 300));
    client.interrupt();
    const reply = await stopped;
    expect(reply).toMatch(/^T02thread:[0-9a-f]+;$/); // SIGINT, as for a live target: not replaylog:end
    const at = await when();
    expect(at).toBeGreaterThan(start);
    expect(at).toBeLessThan(100_000_000); // the recording is about 130 M steps long
    // The binary read (x, gdb 16) returns the same bytes as the hex read (m).
    const hexRead = await ask(client, 'mffffffff80000000,40');
    const binRead = await ask(client, 'xffffffff80000000,40');
    expect(binRead[0]).toBe('b');
    expect(Buffer.from(binRead.slice(1), 'latin1').toString('hex')).toBe(hexRead);
    client.close();
  }, 60_000);

  it('Ctrl-C interrupts a long reverse-continue too: a plain stop, earlier than where it began', async () => {
    await server!.idle(); // the last test's connection is gone
    const client = await RspClient.connect(port);
    const when = async (): Promise<number> => Number(/position (\d+)/.exec(await monitor(client, 'when'))![1]);
    await monitor(client, 'seek 1000000000000');
    const end = await when();
    const stopped = ask(client, 'bc'); // no breakpoints: it would run back to the start
    await new Promise((r) => setTimeout(r, 300));
    client.interrupt();
    const reply = await stopped;
    expect(reply).toMatch(/^T02thread:[0-9a-f]+;$/); // SIGINT: not replaylog:begin
    const at = await when();
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(end);
    client.close();
  }, 60_000);
});

