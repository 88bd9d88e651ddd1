// The ports through which the host's real world enters a machine run from the command line: the
// host's monotonic clock (or a virtual clock derived from execution), the terminal, the host's
// randomness and disk image files. src/emulator itself never touches any of these.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BlockPort, ConsolePort, EntropyPort } from '../emulator/ports';
import { TIMEBASE_HZ } from '../emulator/virt-map';

/** The host's monotonic clock in mtime ticks, starting at 0 when created. */
export class HostTime {
  private readonly start = process.hrtime.bigint();
  ticks(): number {
    return Math.floor(Number(process.hrtime.bigint() - this.start) / (1e9 / TIMEBASE_HZ));
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
