// `samsara run`: boot a guest and connect its console to this terminal.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Bios, boot } from '../emulator/loader/boot';
import { Machine, RunResult } from '../emulator/machine';
import { EngineOptions, ParallelEngine } from '../emulator/parallel/engine';
import { LinearClock } from '../emulator/clock';
import { MAX_HARTS } from '../emulator/virt-map';
import { FileUse, FIRMWARE_LIMIT, IMAGE_LIMIT, InputFileError, readInputFile, sizeText } from '../files/input-file';
import { FileDisk, HostEntropy, HostTime, StreamConsole } from './host-ports';
import { fileSink, recordingHeader } from './recording-file';
import { RecordingTaps } from '../rr/recorder';
import { Session } from '../rr/session';
import { RecordingHeader } from '../rr/format';
import { MAX_MEM_SIZE, MIN_MEM_SIZE } from '../rr/validate';
import { Monitor } from './monitor';
import { fileProblem, UsageError } from './main';
import { Terminal } from './terminal';

export const RUN_HELP = `usage: samsara run [options] <image>

Boot <image> (an ELF, or a RISC-V Linux Image) on a machine like QEMU's virt board, with the guest's
console on this terminal. Ctrl-A x quits; Ctrl-A c reads one monitor command: record start FILE,
record stop, info, quit, help (several recordings can be made one after another).

options:
  --harts N          number of harts, 1-${MAX_HARTS} (default 1)
  --mem SIZE         RAM size, e.g. 256M or 1G (default 256M)
  --append ARGS      kernel command line (/chosen/bootargs)
  --initrd FILE      initial ramdisk
  --drive FILE[,rw]  disk image for a virtio block device (read-only unless ,rw)
  --bios KIND        builtin (default): an S-mode kernel over the built-in SBI;
                     none: the ELF starts in M-mode on every hart;
                     FILE: M-mode firmware (e.g. OpenSBI fw_jump.elf) at 0x80000000, kernel at 0x80200000
  --htif             riscv-tests convention: end the run when the guest writes 'tohost'
  --clock KIND       host (default): mtime follows the host's clock;
                     virtual: mtime follows execution, so runs are repeatable
  --parallel         run every hart at the same time, on a thread each (Samsara's parallel recording:
                     chunks with copy-on-write, conflicts found from the pages they touch, commit
                     order logged); runs that are not repeatable even with --clock virtual
  --serial           run the harts in turns on one thread (the default)
  --max-insns N      stop after N instructions in all (exit code 124)
  --dtb-out FILE     write the generated device tree blob to FILE

exit status: the guest's power-off code (0 for a clean power-off); 2 for bad arguments, an image
that cannot be loaded, or a file that cannot be read or written (a recording that cannot be written
further ends there and replays up to its last complete block); 124 when --max-insns is reached; 125
when the guest stops the machine in a way it cannot continue from.
`;

export const EXIT_MAX_INSNS = 124;
export const EXIT_FATAL = 125;

const MIB = 1 << 20;
/** Steps between returns to the event loop (console I/O, Ctrl-C). */
const SLICE = 2_000_000;
/** Console input held on the host side (Session.heldInput) beyond which stdin is no longer read for a while. */
const HELD_INPUT_LIMIT = 4 * MIB;

export interface RunOptions {
  /** `samsara record`: where the recording goes. */
  output?: string;
  image: string;
  harts: number;
  mem: number;
  append: string;
  initrd?: string;
  drive?: { path: string; writable: boolean };
  bios: string;
  htif: boolean;
  clock: 'host' | 'virtual';
  /** Run the harts on worker threads (src/emulator/parallel). */
  parallel: boolean;
  maxInsns?: number;
  dtbOut?: string;
}

export function parseRunArgs(args: string[], record = false): RunOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...(record ? { output: { type: 'string' as const, short: 'o' } } : {}),
      harts: { type: 'string' },
      mem: { type: 'string' },
      append: { type: 'string' },
      initrd: { type: 'string' },
      drive: { type: 'string' },
      bios: { type: 'string' },
      htif: { type: 'boolean' },
      clock: { type: 'string' },
      parallel: { type: 'boolean' },
      serial: { type: 'boolean' },
      'max-insns': { type: 'string' },
      'dtb-out': { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'no image given (usage: samsara run [options] <image>)' : `one image expected, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const harts = values.harts === undefined ? 1 : integer('--harts', values.harts);
  if (harts < 1 || harts > MAX_HARTS) throw new UsageError(`--harts must be 1 to ${MAX_HARTS} (got ${values.harts})`);
  const clock = values.clock ?? 'host';
  if (clock !== 'host' && clock !== 'virtual') throw new UsageError(`--clock must be 'host' or 'virtual' (got '${clock}')`);
  if (values.parallel && values.serial) throw new UsageError('--parallel and --serial exclude each other');
  // Opt-in until it records faster than turns do (`samsara bench --only parallel`; issue 13).
  const parallel = values.parallel ?? false;
  let drive: RunOptions['drive'];
  if (values.drive !== undefined) {
    const [path, ...flags] = values.drive.split(',');
    for (const f of flags) if (f !== 'rw' && f !== 'ro') throw new UsageError(`--drive: unknown flag '${f}' (use FILE or FILE,rw)`);
    if (!path) throw new UsageError('--drive needs a file');
    drive = { path, writable: flags.includes('rw') };
  }
  let maxInsns: number | undefined;
  if (values['max-insns'] !== undefined) {
    maxInsns = integer('--max-insns', values['max-insns']);
    if (maxInsns < 1) throw new UsageError(`--max-insns must be at least 1 (got ${values['max-insns']})`);
  }
  const output = (values as { output?: string }).output;
  if (record && !output) throw new UsageError('no output file given (usage: samsara record -o FILE [options] <image>)');
  return {
    output,
    image: positionals[0],
    harts,
    mem: values.mem === undefined ? 256 * MIB : parseSize(values.mem),
    append: values.append ?? '',
    initrd: values.initrd,
    drive,
    bios: values.bios ?? 'builtin',
    htif: values.htif ?? false,
    clock,
    parallel,
    maxInsns,
    dtbOut: values['dtb-out'],
  };
}

function integer(option: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} needs a whole number (got '${text}')`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option} is too large (${text})`);
  return n;
}

/** "256M", "1G", "65536K" or a byte count; a multiple of 4 KiB from 1 MiB to 2 GiB (the sizes a recording may have). */
export function parseSize(text: string): number {
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(text);
  if (!m) throw new UsageError(`--mem: cannot read size '${text}' (use e.g. 256M or 1G)`);
  const unit = (m[2] ?? '').charAt(0).toUpperCase();
  const scale = unit === 'K' ? 1024 : unit === 'M' ? MIB : unit === 'G' ? 1024 * MIB : 1;
  const bytes = Number(m[1]) * scale;
  if (bytes < MIN_MEM_SIZE || bytes > MAX_MEM_SIZE) throw new UsageError(`--mem must be between ${MIN_MEM_SIZE / MIB}M and ${MAX_MEM_SIZE / MIB / 1024}G (got ${text})`);
  if (bytes % 4096 !== 0) throw new UsageError(`--mem must be a multiple of 4K (got ${text})`);
  return bytes;
}

/** The whole of an input file (src/files: a regular file within `use.limit`); a problem is a UsageError naming the option. */
export function readInput(path: string, use: FileUse): Uint8Array {
  try {
    return readInputFile(path, use);
  } catch (e) {
    if (e instanceof InputFileError) throw new UsageError(e.message);
    throw e;
  }
}

function parseBios(text: string): Bios {
  if (text === 'builtin') return { kind: 'builtin' };
  if (text === 'none') return { kind: 'none' };
  const data = readInput(text, { option: '--bios', limit: FIRMWARE_LIMIT });
  if (data.length === 0) throw new UsageError(`--bios ${text}: the file is empty (firmware expected: an ELF or a raw binary)`);
  return { kind: 'file', name: text, data };
}

/** Write a whole file the user named; a problem (a full disk, /dev/full, an I/O error) is a UsageError naming the option. */
function writeOutput(option: string, path: string, data: Uint8Array): void {
  try {
    fs.writeFileSync(path, data);
  } catch (e) {
    throw new UsageError(`${option} ${path}: ${fileProblem(e)}`);
  }
}

export async function runCommand(args: string[]): Promise<number> {
  return runOrRecord(parseRunArgs(args));
}

export async function recordCommand(args: string[]): Promise<number> {
  return runOrRecord(parseRunArgs(args, true));
}

async function runOrRecord(opts: RunOptions): Promise<number> {
  const kernel = readInput(opts.image, { option: 'image', limit: IMAGE_LIMIT });
  const bios = parseBios(opts.bios);
  // The initrd is copied into RAM whole: it cannot be larger.
  const initrd = opts.initrd === undefined ? undefined : readInput(opts.initrd, { option: '--initrd', limit: opts.mem, limitName: `the ${sizeText(opts.mem)} of RAM (--mem)` });
  const disk = opts.drive && new FileDisk(opts.drive.path, opts.drive.writable);
  const console = new StreamConsole(1);
  const hostTime = opts.clock === 'host' ? new HostTime() : undefined;

  for (;;) {
    const clock = new LinearClock();
    const taps = new RecordingTaps();
    const machine = new Machine({
      harts: opts.harts,
      memSize: opts.mem,
      clock,
      console,
      entropy: taps.entropy(new HostEntropy()),
      drive: disk && taps.block(disk),
      builtinSbi: bios.kind === 'builtin',
      parallel: opts.parallel,
    });
    const info = boot(machine, {
      kernel,
      kernelName: opts.image,
      bios,
      initrd,
      bootargs: opts.append,
      htif: opts.htif
        ? {
          putchar: (b) => console.write(Uint8Array.of(b)),
          onEvent: (ev) => machine.finish(ev.kind === 'exit' ? { kind: 'poweroff', code: ev.code } : { kind: 'fatal', message: `unsupported HTIF command 0x${ev.value.toString(16)}` }),
        }
        : undefined,
    });
    if (opts.dtbOut) writeOutput('--dtb-out', opts.dtbOut, info.dtb);
    // After boot: the engine's workers learn which pages the machine watches (HTIF's tohost).
    const session = new Session(machine, clock, taps, opts.parallel ? new ParallelEngine(machine, engineOptions()) : undefined);
    const header = (): RecordingHeader => recordingHeader(opts, machine, { kernel, bios, initrd, disk, tohost: info.htif?.tohost });
    if (opts.output) session.startRecording(fileSink(opts.output), header());
    const monitor = new Monitor(session, header);
    let outcome: Awaited<ReturnType<typeof drive>>;
    try {
      outcome = await drive(session, monitor, hostTime, console, opts.maxInsns);
    } finally {
      session.close();
    }
    console.flush();
    const f = machine.finished;
    const rec = session.stopRecording(
      outcome === 'max-insns' ? 'limit' : outcome === 'quit' ? 'stopped' : f?.kind ?? 'stopped',
      f?.kind === 'poweroff' ? f.code : 0,
    );
    if (rec) process.stderr.write(`samsara record: wrote ${opts.output}: ${rec.stats.steps} steps, ${rec.bytes} bytes\n`);
    if (outcome === 'max-insns') {
      process.stderr.write(`samsara: stopped after ${machine.steps} instructions (--max-insns ${opts.maxInsns})\n`);
      return EXIT_MAX_INSNS;
    }
    if (outcome === 'quit') return 0;
    if (f!.kind === 'reset') {
      if (opts.output) {
        process.stderr.write('samsara record: the guest asked for a reset; the recording ends here\n');
        return 0;
      }
      process.stderr.write('samsara run: the guest asked for a reset; rebooting\n');
      continue;
    }
    if (f!.kind === 'fatal') {
      process.stderr.write(`samsara: ${f!.message}\n`);
      return EXIT_FATAL;
    }
    disk?.close();
    return f!.code & 0xff;
  }
}

/**
 * The parallel engine's host inputs: the clock it compares its ways of running by, and from the
 * environment a trace of its slices (SAMSARA_ENGINE_TRACE=1), and for the tests parallel slices only
 * (SAMSARA_PARALLEL_ALWAYS=1) and a failing worker (SAMSARA_FAULT_WORKER=HART:CHUNK).
 */
function engineOptions(): EngineOptions {
  const fault = /^(\d+):(\d+)$/.exec(process.env.SAMSARA_FAULT_WORKER ?? '');
  return {
    now: () => performance.now(),
    cpus: os.availableParallelism(),
    trace: process.env.SAMSARA_ENGINE_TRACE ? (line) => process.stderr.write(`${line}\n`) : undefined,
    fault: fault ? { hart: Number(fault[1]), chunk: Number(fault[2]) } : undefined,
    always: process.env.SAMSARA_PARALLEL_ALWAYS === '1',
  };
}

/**
 * Run the machine, feeding it console input. mtime is linear in execution; with the host clock it is
 * moved up to the host's time between slices and while idle; with the virtual clock only idle time
 * is skipped, so that runs repeat exactly.
 */
async function drive(session: Session, monitor: Monitor, hostTime: HostTime | undefined, console: StreamConsole, maxInsns?: number): Promise<'finished' | 'max-insns' | 'quit'> {
  const machine = session.machine;
  const terminal = new Terminal((bytes) => {
    session.input(bytes);
    if (session.heldInput > HELD_INPUT_LIMIT) terminal.hold(true);
  }, (line) => {
    console.flush();
    monitor.execute(line);
  });
  // Ctrl-C (SIGINT) or SIGTERM end the run cleanly, and with it any recording. (On a terminal in raw
  // mode Ctrl-C is a key for the guest; Ctrl-A x quits.)
  const stop = (): void => terminal.interrupt();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    for (;;) {
      const budget = maxInsns === undefined ? SLICE : Math.min(SLICE, maxInsns - machine.steps);
      if (budget <= 0) return 'max-insns';
      if (hostTime) session.setClock(hostTime.ticks());
      const result = session.run(budget);
      if (session.heldInput <= HELD_INPUT_LIMIT) terminal.hold(false);
      console.flush();
      if (result === RunResult.Finished) return 'finished';
      if (terminal.quit || monitor.quit) return 'quit';
      if (result === RunResult.Idle) {
        const deadline = machine.nextTimerDeadline();
        if (!hostTime) {
          if (deadline !== Infinity) session.setClock(deadline);
          else if (terminal.held) {
            machine.finish({ kind: 'fatal', message: `every hart waits for an interrupt and none can come (no timer set; the guest does not read its console input: ${machine.pendingInput + session.heldInput} bytes wait)` });
            return 'finished';
          } else if (!(await terminal.waitForInput(Infinity))) {
            machine.finish({ kind: 'fatal', message: 'every hart waits for an interrupt and none can come (no timer set, no input)' });
            return 'finished';
          }
        } else {
          const ms = deadline === Infinity ? 50 : Math.min(50, Math.max(0, (deadline - hostTime.ticks()) / 10_000));
          await terminal.waitForInput(ms); // the clock catches up with the host at the top of the loop
        }
      } else {
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (terminal.quit || monitor.quit) return 'quit';
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    terminal.close();
  }
}
