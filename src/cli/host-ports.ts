// The ports through which the host's real world enters a machine run from the command line: the
// host's monotonic clock (or a virtual clock derived from execution), the terminal, the host's
// randomness and disk image files. src/emulator itself never touches any of these.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BlockPort, ClockPort, ConsolePort, EntropyPort } from '../emulator/ports';
import { TIMEBASE_HZ } from '../emulator/virt-map';

/** mtime from the host's monotonic clock, starting at 0. */
export class HostClock implements ClockPort {
  private readonly start = process.hrtime.bigint();
  private last = 0;
  mtime(): number {
    const ns = Number(process.hrtime.bigint() - this.start);
    const t = Math.floor(ns / (1e9 / TIMEBASE_HZ));
    if (t > this.last) this.last = t;
    return this.last;
  }
}

/**
 * mtime derived from execution: one tick per INSTRUCTIONS_PER_TICK instructions of virtual time (as
 * if each hart ran at 100 MIPS), plus whatever idle time was skipped. Two runs of the same image and
 * input see the same times.
 */
export class VirtualClock implements ClockPort {
  static readonly INSTRUCTIONS_PER_TICK = 10;
  private skipped = 0;
  private last = 0;
  mtime(instructions: number): number {
    const t = Math.floor(instructions / VirtualClock.INSTRUCTIONS_PER_TICK) + this.skipped;
    if (t > this.last) this.last = t;
    return this.last;
  }
  /** Jump forward so that mtime reads at least `target` (the machine is idle until then). */
  skipTo(target: number, instructions: number): void {
    const now = this.mtime(instructions);
    if (target > now) this.skipped += target - now;
  }
}

/** Console output, buffered and written to a stream in batches. */
export class StreamConsole implements ConsolePort {
  private chunks: Uint8Array[] = [];
  constructor(private readonly fd: number) {}
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    if (this.chunks.length > 4096) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(this.fd, data, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
  }
}

export class HostEntropy implements EntropyPort {
  fill(buf: Uint8Array): void {
    crypto.randomFillSync(buf);
  }
}

/** A disk image file; opened read-only unless `writable`. Capacity rounds down to whole sectors. */
export class FileDisk implements BlockPort {
  readonly size: number;
  private readonly fd: number;
  constructor(readonly path: string, writable: boolean) {
    this.fd = fs.openSync(path, writable ? 'r+' : 'r');
    this.size = Math.floor(fs.fstatSync(this.fd).size / 512) * 512;
    this.readOnly = !writable;
  }
  readonly readOnly: boolean;
  read(offset: number, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.fd, buf, done, buf.length - done, offset + done);
      if (n === 0) { buf.fill(0, done); break; }
      done += n;
    }
  }
  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}
