// src/files/input-file.ts on its own: what it reads, what it refuses and the words it uses. (The
// CLI and the adapter through it: test/cli/input-files.test.ts, test/debug-adapter/launch-files.test.ts.)

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputFileError, openInputFile, readInputFile, sizeText } from '../../src/files/input-file';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The error `f` throws (it must throw an InputFileError). */
function refusal(f: () => unknown): InputFileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputFileError);
    return e as InputFileError;
  }
  throw new Error('no error');
}

describe('readInputFile', () => {
  const file = path.join(tmp, 'ten');
  fs.writeFileSync(file, '0123456789');

  it('reads a regular file whole, up to a limit of exactly its size', () => {
    expect(readInputFile(file, { option: '--x', limit: 10 }).toString()).toBe('0123456789');
    expect(readInputFile(path.join(tmp, '..', path.basename(tmp), 'ten'), { option: '--x', limit: 100 }).length).toBe(10);
  });

  it('refuses a file one byte over the limit, naming the option, the path, the size and the limit', () => {
    const e = refusal(() => readInputFile(file, { option: '--x', limit: 9 }));
    expect(e.message).toBe(`--x ${file}: 10 bytes, more than the 9 bytes limit`);
    expect(refusal(() => readInputFile(file, { option: '--initrd', limit: 9, limitName: 'the RAM' })).message).toBe(`--initrd ${file}: 10 bytes, more than the RAM`);
  });

  it('refuses devices, FIFOs (without waiting for a writer), directories and missing files in one line', () => {
    const fifo = path.join(tmp, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const use = { option: 'recording', limit: 2 ** 31 };
    expect(refusal(() => readInputFile('/dev/zero', use)).message).toBe('recording /dev/zero: not a regular file (a character device)');
    expect(refusal(() => readInputFile(fifo, use)).message).toBe(`recording ${fifo}: not a regular file (a FIFO)`);
    expect(refusal(() => readInputFile(tmp, use)).message).toBe(`recording ${tmp}: is a directory`);
    expect(refusal(() => readInputFile(path.join(tmp, 'nope'), use)).problem).toBe('no such file');
    expect(refusal(() => openInputFile(tmp, use, true)).problem).toBe('is a directory');
  });

  it.skipIf(!fs.existsSync('/proc/self/status'))('refuses a /proc file (0 bytes by fstat, with content); reads an empty file as empty', () => {
    for (const f of ['/proc/self/status', '/proc/cpuinfo', '/proc/self/maps']) {
      expect(fs.statSync(f).size, f).toBe(0);
      expect(refusal(() => readInputFile(f, { option: 'image', limit: 2 ** 30 })).message, f)
        .toBe(`image ${f}: its size is not known (it says 0 bytes but has content, as /proc files do): copy it to a regular file`);
    }
    const empty = path.join(tmp, 'empty');
    fs.writeFileSync(empty, '');
    expect(readInputFile(empty, { option: '--x', limit: 10 })).toHaveLength(0);
  });

  it('closes what it opens', () => {
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      readInputFile(file, { option: '--x', limit: 10 });
      refusal(() => readInputFile(file, { option: '--x', limit: 1 }));
      refusal(() => readInputFile('/dev/zero', { option: '--x', limit: 1 }));
    }
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });
});

describe('sizeText', () => {
  it('says sizes in binary units', () => {
    expect([1, 512, 1024, 1536, 16 * 2 ** 20, 5.1 * 2 ** 30, 2 ** 31].map(sizeText)).toEqual(['1 byte', '512 bytes', '1 KiB', '1.5 KiB', '16 MiB', '5.1 GiB', '2 GiB']);
  });
});
