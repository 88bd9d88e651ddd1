// Recordings on disk: the file sink, the header of a new recording, and opening one for replay.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { Bios } from '../emulator/loader/boot';
import { Machine } from '../emulator/machine';
import { FormatError, parseRecording, ParsedRecording, RecordingHeader } from '../rr/format';
import { RecordingSink } from '../rr/recorder';
import { fileProblem, UsageError } from './main';
import { readInput, RunOptions } from './run';
import { RECORDING_LIMIT } from '../files/input-file';

/**
 * Append blocks to a file as they come, so that a killed process leaves every complete block. A
 * write that fails (a full disk, /dev/full, an I/O error) closes the file and throws a UsageError
 * naming `option`: what was written before it stays, a readable prefix (a cut-off last block).
 */
export function fileSink(path: string, option = '-o'): RecordingSink {
  let fd: number | undefined;
  const fail = (e: unknown): never => {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(`${option} ${path}: ${missing ? `no such folder (${dirname(path)})` : fileProblem(e)}`);
  };
  try {
    fd = fs.openSync(path, 'w');
  } catch (e) {
    fail(e);
  }
  const close = (): void => {
    if (fd === undefined) return;
    const f = fd;
    fd = undefined;
    fs.closeSync(f);
  };
  return {
    write: (bytes) => {
      if (fd === undefined) throw new UsageError(`${option} ${path}: the recording was closed after a write failed`);
      let off = 0;
      try {
        while (off < bytes.length) off += fs.writeSync(fd, bytes, off);
      } catch (e) {
        try { close(); } catch { /* the write's error is the one to report */ }
        fail(e);
      }
    },
    close: () => {
      try {
        close();
      } catch (e) {
        fail(e); // close(2) can report a deferred write error (NFS, a full disk)
      }
    },
  };
}

const sha256 = (data: Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');

export function recordingHeader(
  opts: RunOptions,
  machine: Machine,
  inputs: { kernel: Uint8Array; bios: Bios; initrd?: Uint8Array; disk?: { path: string; size: number; readOnly: boolean }; tohost?: number },
): RecordingHeader {
  const images: RecordingHeader['images'][number][] = [{ role: 'kernel', name: opts.image, sha256: sha256(inputs.kernel), size: inputs.kernel.length }];
  if (inputs.bios.kind === 'file') images.push({ role: 'bios', name: inputs.bios.name, sha256: sha256(inputs.bios.data), size: inputs.bios.data.length });
  if (inputs.initrd && opts.initrd) images.push({ role: 'initrd', name: opts.initrd, sha256: sha256(inputs.initrd), size: inputs.initrd.length });
  if (inputs.disk) images.push({ role: 'drive', name: inputs.disk.path, sha256: '', size: inputs.disk.size });
  return {
    samsara: require('../../package.json').version,
    created: new Date().toISOString(),
    machine: {
      harts: machine.harts.length,
      memSize: machine.bus.ramSize,
      builtinSbi: inputs.bios.kind === 'builtin',
      drive: inputs.disk && { size: inputs.disk.size, readOnly: inputs.disk.readOnly },
      entropy: true,
      htif: inputs.tohost === undefined ? undefined : { tohost: inputs.tohost },
    },
    images,
    bootargs: opts.append,
    command: process.argv.slice(2).join(' '),
  };
}

/** Open a recording; a bad file gives a UsageError that names the problem. */
export function openRecording(path: string, options: { untilDamage?: boolean } = {}): ParsedRecording {
  const data = readInput(path, { option: 'recording', limit: RECORDING_LIMIT });
  try {
    return parseRecording(data, path, options);
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(e.message);
    throw e;
  }
}
