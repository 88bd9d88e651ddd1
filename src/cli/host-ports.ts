// The ports through which the host's real world enters a machine run from the command line: the
// host's monotonic clock (or a virtual clock derived from execution), the terminal, the host's
// randomness and disk image files. src/emulator itself never touches any of these.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { BlockPort, ConsolePort, EntropyPort } from '../emulator/ports';
import { DRIVE_LIMIT, fileProblem, InputFileError, openInputFile } from '../files/input-file';
import { UsageError } from './main';
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

/**
 * A disk image file (--drive); opened read-only unless `writable`. Capacity rounds down to whole
 * sectors. It must be a regular file: Node cannot ask a block device for its size (fstat gives 0), so
 * a device would be a disk of no sectors; copy it to an image file instead. A host I/O error (a full
 * disk under a sparse image) ends the run with one line naming --drive.
 */
export class FileDisk implements BlockPort {
  readonly size: number;
  private readonly fd: number;
  constructor(readonly path: string, writable: boolean) {
    try {
      const { fd, size } = openInputFile(path, { option: '--drive', limit: DRIVE_LIMIT }, writable);
      this.fd = fd;
      this.size = Math.floor(size / 512) * 512;
    } catch (e) {
      throw e instanceof InputFileError ? new UsageError(e.message) : e;
    }
    this.readOnly = !writable;
  }
  readonly readOnly: boolean;
  read(offset: number, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      const n = this.io(() => fs.readSync(this.fd, buf, done, buf.length - done, offset + done));
      if (n === 0) { buf.fill(0, done); break; }
      done += n;
    }
  }
  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += this.io(() => fs.writeSync(this.fd, data, done, data.length - done, offset + done));
  }
  private io(call: () => number): number {
    try {
      return call();
    } catch (e) {
      throw new UsageError(`--drive ${this.path}: ${fileProblem(e)}`);
    }
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}
