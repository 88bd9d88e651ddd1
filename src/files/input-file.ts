// The one way input files are read: every file a user names (an image, firmware, an initrd, a
// recording, an ELF with DWARF, a disk image) is opened once, checked on its descriptor (fstat, so
// nothing can change between the check and the read) to be a regular file within a size limit that
// fits its use, and read no further than the size fstat gave. A device (/dev/zero), a FIFO, a socket
// or a directory is refused in one line that names the option and the path, and a FIFO is opened
// without waiting for a writer (O_NONBLOCK), so nothing blocks and nothing grows without bound.

import * as fs from 'node:fs';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * An ELF with its DWARF (a vmlinux with full debug information is a few hundred MB). fs.readFileSync,
 * which read every input before, refused files of 2 GiB and more (ERR_FS_FILE_TOO_LARGE): recordings
 * and ELF files keep that bound, so no file that opened before is refused now.
 */
export const ELF_LIMIT = 2 * GiB;
/** A recording is read whole and parsed in memory: the same bound as an ELF. */
export const RECORDING_LIMIT = 2 * GiB;
/** The kernel image: an ELF with its DWARF, as ELF_LIMIT; a raw Image must also fit the RAM (at most 2 GiB). */
export const IMAGE_LIMIT = ELF_LIMIT;
/**
 * A disk image is not read whole: the guest reads it sector by sector, and a sparse image of any size
 * costs nothing. Its size only has to be exact as a number.
 */
export const DRIVE_LIMIT = Number.MAX_SAFE_INTEGER;
/** M-mode firmware (OpenSBI's fw_jump.elf is about 1 MB, QEMU's virt flash bank is 32 MiB, and the kernel is loaded 2 MiB above it). */
export const FIRMWARE_LIMIT = 16 * MiB;

/** How a file is used: the option (or launch attribute) that named it, and its size limit. */
export interface FileUse {
  /** As the user wrote it: '--bios', 'image', 'recording', 'program'. */
  option: string;
  /** Largest size accepted, in bytes. */
  limit: number;
  /** What the limit is, when it is not just a size: 'the 256 MiB of RAM (--mem)'. */
  limitName?: string;
}

/** A named input file that cannot be used; the message is one line: "--bios /dev/zero: not a regular file (a character device)". */
export class InputFileError extends Error {
  constructor(readonly option: string, readonly path: string, readonly problem: string) {
    super(path ? `${option} ${path}: ${problem}` : `${option}: ${problem}`);
    this.name = 'InputFileError';
  }
}

/** Why a file could not be opened, read or written, in a few words ("no such file"), from Node's error. */
export function fileProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a folder on the path is not a folder';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'over the disk quota';
    case 'EFBIG': return 'the file is too large (the file size limit, ulimit -f, or the file system\'s)';
    case 'EIO': return 'an I/O error';
    case 'EROFS': return 'a read-only file system';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'the name is too long';
    default: return err.message ?? String(e);
  }
}

/** A size in words: "512 bytes", "16 MiB", "5.1 GiB". */
export function sizeText(bytes: number): string {
  for (const [unit, scale] of [['GiB', GiB], ['MiB', MiB], ['KiB', 1024]] as const) {
    if (bytes >= scale) {
      const n = bytes / scale;
      return `${n >= 100 ? Math.round(n) : n.toFixed(1).replace(/\.0$/, '')} ${unit}`;
    }
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/** What a file that is not a regular file is, from its stat. */
function kindOf(st: fs.Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Open the file named for `use` (read-only, or read-write) and require a regular file within the
 * limit: its descriptor (the caller closes it) and its size, both from the one open.
 */
export function openInputFile(path: string, use: FileUse, writable = false): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (on a regular file it changes nothing).
    fd = fs.openSync(path, (writable ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    throw new InputFileError(use.option, path, fileProblem(e));
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError(use.option, path, 'is a directory');
    if (!st.isFile()) throw new InputFileError(use.option, path, `not a regular file (${kindOf(st)})`);
    if (!(st.size <= use.limit)) {
      const text = sizeText(st.size) === sizeText(use.limit) ? `${st.size} bytes` : sizeText(st.size);
      throw new InputFileError(use.option, path, `${text}, more than ${use.limitName ?? `the ${sizeText(use.limit)} limit`}`);
    }
    // A kernel's file (/proc/self/status, /proc/cpuinfo) says 0 bytes and has content:
    // read as its size says, it would be empty. One byte read at offset 0 tells it from an empty file.
    if (st.size === 0 && fs.readSync(fd, Buffer.alloc(1), 0, 1, 0) > 0) {
      throw new InputFileError(use.option, path, 'its size is not known (it says 0 bytes but has content, as /proc files do): copy it to a regular file');
    }
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof InputFileError ? e : new InputFileError(use.option, path, fileProblem(e));
  }
}

/** Largest single read (fs.readSync takes at most 2 GiB - 1 bytes at once). */
const CHUNK = 256 * MiB;

/**
 * The whole of a regular file named for `use`, read once: its size (from fstat on the open
 * descriptor) is checked against the limit first, and no more than that size is read, so a file
 * that grows meanwhile is read as it was; one that shrinks is read to its new end.
 */
export function readInputFile(path: string, use: FileUse): Buffer {
  const { fd, size } = openInputFile(path, use);
  try {
    const data = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, data, done, Math.min(CHUNK, size - done), done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? data : data.subarray(0, done);
  } catch (e) {
    throw e instanceof InputFileError ? e : new InputFileError(use.option, path, fileProblem(e));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Standard input, read to its end as text, up to `limit` bytes: more is refused (an InputFileError
 * naming 'standard input') as soon as it arrives, so `< /dev/zero` ends at once instead of growing.
 */
export function readStandardInput(limit: number, use = 'standard input'): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stdin = process.stdin;
    const done = (e?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onError);
      if (e) {
        stdin.destroy();
        reject(e);
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) done(new InputFileError(use, '', `more than ${sizeText(limit)}`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => done();
    const onError = (e: Error): void => done(new InputFileError(use, '', fileProblem(e)));
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
  });
}
