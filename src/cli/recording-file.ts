// Recordings on disk: the file sink, the header of a new recording, and opening one for replay.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { Bios } from '../emulator/loader/boot';
import { Machine } from '../emulator/machine';
import { FormatError, parseRecording, ParsedRecording, RecordingHeader } from '../rr/format';
import { RecordingSink } from '../rr/recorder';
import { fileProblem, UsageError } from './main';
import { RunOptions } from './run';

/** Append blocks to a file as they come, so that a killed process leaves every complete block. */
export function fileSink(path: string): RecordingSink {
  let fd: number;
  try {
    fd = fs.openSync(path, 'w');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(`-o ${path}: ${missing ? `no such folder (${dirname(path)})` : fileProblem(e)}`);
  }
  return {
    write: (bytes) => {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off);
    },
    close: () => fs.closeSync(fd),
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
  let data: Uint8Array;
  try {
    data = fs.readFileSync(path);
  } catch (e) {
    throw new UsageError(`${path}: ${fileProblem(e)}`);
  }
  try {
    return parseRecording(data, path, options);
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(e.message);
    throw e;
  }
}
