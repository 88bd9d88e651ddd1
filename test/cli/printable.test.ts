// `samsara info` prints text from a stranger's recording header: control characters are escaped.

import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/replay';

describe('printable', () => {
  it('escapes C0, DEL and C1 controls (screen clears, title sets, CSI, forged lines) and keeps the rest', () => {
    expect(printable('a\x1b[2Jb\nfake: machine: 8 harts\x1b]0;PWNED\x07\u009b\x7f é')).toBe('a\\x1b[2Jb\\x0afake: machine: 8 harts\\x1b]0;PWNED\\x07\\x9b\\x7f é');
  });
});
