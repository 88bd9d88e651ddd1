// `samsara info` prints text from a stranger's recording header, and every command's errors name
// the user's files: control characters are escaped.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/replay';
import { samsara } from './helpers';

describe('printable', () => {
  it('escapes C0, DEL and C1 controls (screen clears, title sets, CSI, forged lines) and keeps the rest', () => {
    expect(printable('a\x1b[2Jb\nfake: machine: 8 harts\x1b]0;PWNED\x07\u009b\x7f é')).toBe('a\\x1b[2Jb\\x0afake: machine: 8 harts\\x1b]0;PWNED\\x07\\x9b\\x7f é');
  });
});

describe('error messages', () => {
  it('a file name with an escape sequence and a newline is printed escaped, on one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-printable-'));
    try {
      const file = path.join(dir, 'a\x1b[31mRED\nsecond.rec');
      fs.writeFileSync(file, 'junk');
      const r = samsara(['info', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\x1b/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('a\\x1b[31mRED\\x0asecond.rec');
      const d = samsara(['run', '--drive', path.join(dir, 'd\x1b]0;TITLE\x07'), path.join(dir, 'missing.elf')]);
      expect(d.stderr).not.toMatch(/[\x07\x1b]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
