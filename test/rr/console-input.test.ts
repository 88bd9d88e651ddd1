// Console input is bounded (issue 12): the machine's input queue holds CONSOLE_INPUT_CAPACITY bytes.
// A recording whose Input events overfill it is refused with one line naming the block and the byte
// (it took `replay` to an out-of-memory crash before); a paste larger than the queue into a recording
// session waits on the host side and reaches the guest whole and in order, and the recording replays.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LinearClock } from '../../src/emulator/clock';
import { CONSOLE_INPUT_CAPACITY, ConsoleInputQueue } from '../../src/emulator/console-input';
import { Machine, RunResult } from '../../src/emulator/machine';
import { parseRecording } from '../../src/rr/format';
import { RecordingTaps } from '../../src/rr/recorder';
import { Replayer } from '../../src/rr/replayer';
import { Session } from '../../src/rr/session';
import { requireTool, ROOT, SAMSARA } from '../cli/helpers';

const FIXTURE = path.join('test', 'rr', 'fixtures', 'input-overflow.samsara');

describe('the console input queue', () => {
  it('keeps bytes in order across growth and wrap-around, and refuses more than its capacity', () => {
    const q = new ConsoleInputQueue();
    const out: number[] = [];
    let next = 0;
    // Push and take in uneven steps so that the ring wraps and grows with bytes in it.
    for (let round = 0; round < 50; round++) {
      const n = 1000 + round * 397;
      q.push(Array.from({ length: n }, (_, i) => next + i));
      next += n;
      for (let i = 0; i < n - 500; i++) out.push(q.shift());
    }
    while (q.length > 0) out.push(q.shift());
    expect(q.shift()).toBe(-1);
    expect(out).toHaveLength(next);
    expect(out.every((b, i) => b === (i & 0xff))).toBe(true);

    q.push(new Uint8Array(CONSOLE_INPUT_CAPACITY - 3));
    expect(q.room).toBe(3);
    expect(() => q.push(new Uint8Array(4))).toThrow(/console input of 4 bytes does not fit: the queue holds 16777213 of 16777216/);
    expect(q.length).toBe(CONSOLE_INPUT_CAPACITY - 3);
  });

  it('replay refuses Input events that overfill the queue: one line, exit 2, within a 512 MB heap', () => {
    // 12 MiB of input, then 60 MiB four times, at position 0: before the queue was bounded, replay
    // pushed each byte onto an array and V8 ran out of memory (exit 134).
    const r = spawnSync(process.execPath, ['--max-old-space-size=512', SAMSARA, 'replay', FIXTURE], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).not.toMatch(/\n\s+at |FATAL|heap/i);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    // 12 MiB entered; one byte of it went into the UART's receive register (its FIFO is off), so
    // 4 MiB + 1 of the next event fit.
    expect(r.stderr).toBe(`samsara replay: ${FIXTURE}: block 2, byte 1: the input event carries 62914560 bytes, but the console's input queue is full (16777216 bytes) after 4194305 of them\n`);
    expect(r.status).toBe(2);
  });
});

/**
 * An S-mode guest over the built-in SBI that reads the console for ever with the debug console's
 * console_read (DBCN, up to 4096 bytes at a time into a buffer at 0x80001000), and hashes what it
 * reads: s0 = s0 * 31 + byte (32 bits), s1 = bytes read. (Assembled with riscv64-unknown-elf-as.)
 */
const GUEST = [
  0x00000413, //        li    s0, 0
  0x00000493, //        li    s1, 0
  0x80001937, //        lui   s2, 0x80001
  0x02091913, //        slli  s2, s2, 32
  0x02095913, //        srli  s2, s2, 32         # s2 = 0x80001000
  0x444248b7, // loop:  lui   a7, 0x44424
  0x34e8889b, //        addiw a7, a7, 0x34e      # a7 = DBCN
  0x00100813, //        li    a6, 1              # console_read
  0x00001537, //        lui   a0, 0x1            # 4096 bytes
  0x00090593, //        mv    a1, s2
  0x00000613, //        li    a2, 0
  0x00000073, //        ecall                    # a1 = bytes read
  0xfe0582e3, //        beqz  a1, loop
  0x00090293, //        mv    t0, s2
  0x00b90333, //        add   t1, s2, a1
  0x0002c383, // inner: lbu   t2, 0(t0)
  0x00541e1b, //        slliw t3, s0, 5
  0x408e043b, //        subw  s0, t3, s0
  0x0074043b, //        addw  s0, s0, t2
  0x00128293, //        addi  t0, t0, 1
  0xfe6296e3, //        bne   t0, t1, inner
  0x00b484b3, //        add   s1, s1, a1
  0xfbdff06f, //        j     loop
];
const S0 = 8;
const S1 = 9;

function guestMachine(clock: LinearClock): Machine {
  const m = new Machine({ harts: 1, memSize: 2 ** 20, clock, console: { write: () => {} }, builtinSbi: true });
  m.bus.writePhys(0x80000000, new Uint8Array(new Uint32Array(GUEST).buffer));
  m.harts[0].reset(0x80000000);
  m.harts[0].priv = 1; // S-mode (Priv.S)
  return m;
}

function hash(bytes: Uint8Array): number {
  let h = 0;
  for (const b of bytes) h = (Math.imul(h, 31) + b) | 0;
  return h;
}

describe('a paste larger than the queue into a recording session', () => {
  it('reaches the guest whole and in order, never holding more than the cap, and the recording replays', () => {
    const N = CONSOLE_INPUT_CAPACITY + 3 * 2 ** 20 + 12345;
    const paste = new Uint8Array(N);
    for (let i = 0; i < N; i++) paste[i] = (i * 7 + (i >> 9)) & 0xff;
    const clock = new LinearClock();
    const m = guestMachine(clock);
    const session = new Session(m, clock, new RecordingTaps());
    const chunks: Uint8Array[] = [];
    session.startRecording({ write: (b) => chunks.push(b.slice()) }, {
      samsara: 'test', created: '', command: 'test', bootargs: '', images: [],
      machine: { harts: 1, memSize: 2 ** 20, builtinSbi: true, entropy: false },
    });
    session.input(paste.subarray(0, 5 * 2 ** 20));
    session.input(paste.subarray(5 * 2 ** 20));
    // One byte went into the UART's receive register; the queue is full; the rest waits on the host side.
    expect(m.pendingInput).toBe(CONSOLE_INPUT_CAPACITY);
    expect(session.heldInput).toBe(N - CONSOLE_INPUT_CAPACITY - 1);
    let most = 0;
    while (Number(m.harts[0].reg(S1)) < N - 1) {
      expect(session.run(2_000_000)).toBe(RunResult.Budget);
      most = Math.max(most, m.pendingInput);
    }
    expect(most).toBeLessThanOrEqual(CONSOLE_INPUT_CAPACITY);
    expect(session.heldInput).toBe(0);
    expect(m.pendingInput).toBe(0);
    // The first byte waits in the UART's receive register (the guest reads through the SBI); every other
    // byte reached the guest, in order.
    expect(m.uart.read(0, 1)).toBe(paste[0]);
    expect(Number(m.harts[0].reg(S1))).toBe(N - 1);
    expect(Number(BigInt.asIntN(32, m.harts[0].reg(S0)))).toBe(hash(paste.subarray(1)));
    const position = m.position;
    session.stopRecording('stopped');

    const replayer = new Replayer(parseRecording(Buffer.concat(chunks)), { write: () => {} }, 'paste');
    replayer.runTo();
    expect(replayer.ended?.reason).toBe('stopped');
    expect(replayer.position).toBe(position);
    expect(replayer.machine.harts[0].reg(S0)).toBe(m.harts[0].reg(S0));
    expect(replayer.machine.harts[0].reg(S1)).toBe(m.harts[0].reg(S1));
    expect(replayer.machine.uart.read(0, 1)).toBe(paste[0]);
  });
});

const NO_AS = requireTool('riscv64-unknown-elf-ld', 'the stdin test assembles a two-instruction guest with it; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)')
  || requireTool('riscv64-unknown-elf-as', 'the stdin test assembles a two-instruction guest with it; scripts/setup-debian installs it (binutils-riscv64-unknown-elf)');

describe.skipIf(NO_AS)('samsara record with a file as stdin, and a guest that never reads it', () => {
  it('reads no more than the queue and 4 MiB held (within a 256 MB heap), says why it ends, and the recording replays', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-stdin-'));
    try {
      // M-mode, interrupts off: `wfi; j .` waits for ever, and nothing reads the UART.
      fs.writeFileSync(path.join(tmp, 'idle.S'), '.globl _start\n_start:\n  wfi\n  j _start\n');
      for (const [tool, args] of [['riscv64-unknown-elf-as', ['-march=rv64i', '-o', 'idle.o', 'idle.S']], ['riscv64-unknown-elf-ld', ['-N', '-Ttext=0x80000000', '--no-warn-rwx-segments', '-o', 'idle.elf', 'idle.o']]] as const) {
        const r = spawnSync(tool, args, { cwd: tmp, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      // 64 MB of text (no Ctrl-A in it). Before, stdin was read whole into an array of numbers:
      // 64 million of them do not fit in 256 MB (and 100 MB took the process to 1.6 GB).
      const input = path.join(tmp, 'input');
      const line = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789\n'.repeat(1000));
      const fd = fs.openSync(input, 'w');
      for (let n = 0; n < 64e6; n += line.length) fs.writeSync(fd, line);
      fs.closeSync(fd);
      const rec = path.join(tmp, 'idle.rec');
      const stdin = fs.openSync(input, 'r');
      const r = spawnSync(process.execPath, ['--max-old-space-size=256', SAMSARA, 'record', '-o', rec, '--bios', 'none', '--clock', 'virtual', path.join(tmp, 'idle.elf')], {
        cwd: ROOT, encoding: 'utf8', timeout: 120_000, stdio: [stdin, 'pipe', 'pipe'],
      });
      fs.closeSync(stdin);
      expect(r.stderr).not.toMatch(/\n\s+at |FATAL|heap/i);
      // The queue took 16 MiB (and the UART's register one byte); stdin was paused past 4 MiB held.
      const waiting = /the guest does not read its console input: (\d+) bytes wait\)\n/.exec(r.stderr);
      expect(waiting, r.stderr).not.toBeNull();
      expect(Number(waiting![1])).toBeGreaterThan(CONSOLE_INPUT_CAPACITY + 4 * 2 ** 20);
      expect(Number(waiting![1])).toBeLessThan(CONSOLE_INPUT_CAPACITY + 8 * 2 ** 20);
      expect(r.status).toBe(125);
      const info = spawnSync(process.execPath, [SAMSARA, 'info', rec], { cwd: ROOT, encoding: 'utf8' });
      expect(info.stdout).toMatch(new RegExp(`console input +\\d+ \\(${CONSOLE_INPUT_CAPACITY + 1} bytes\\)`));
      const replay = spawnSync(process.execPath, [SAMSARA, 'replay', rec], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(replay.stderr).toMatch(/replayed \d+ steps to the end \(fatal/);
      expect(replay.status, replay.stderr).toBe(125);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
