// Function breakpoints on kernels built with ftrace's patchable entries (Debian's distribution
// kernels: -fpatchable-function-entry): the symbol is on the NOPs before the code the DWARF
// describes, where no scope of the function holds the pc. KernelSymbols.functionEntry gives
// DW_AT_low_pc, as readelf shows it, so that the first stop shows the function's variables.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelSymbols } from '../../src/symbols';
import { requireTool } from '../cli/helpers';
import { GCC } from './dwarf-fixtures';

const noGcc = requireTool(GCC, 'the patchable-entry fixture is compiled with it (scripts/setup-debian)');

describe.skipIf(noGcc)('function entries after patchable NOPs', () => {
  it('the entry of a function is DW_AT_low_pc, past the NOPs the symbol starts with', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-pfe-'));
    const src = path.join(dir, 't.c');
    fs.writeFileSync(src, 'int g;\nint add(int a, int b) { g += a; return a + b; }\nvoid _start(void) { add(1, 2); for (;;); }\n');
    for (const patchable of [true, false]) {
      const elf = path.join(dir, `t${patchable ? '-pfe' : ''}.elf`);
      execFileSync(GCC, ['-O2', '-g', '-march=rv64imac', '-mabi=lp64', ...(patchable ? ['-fpatchable-function-entry=4'] : []), '-nostdlib', '-ffreestanding', '-o', elf, src]);
      const info = execFileSync('riscv64-unknown-elf-readelf', ['--debug-dump=info', elf], { encoding: 'utf8' });
      const lowPc = BigInt(/DW_AT_name\s*:\s*add\s*\n(?:.*\n)*?\s*<\w+>\s+DW_AT_low_pc\s*:\s*(0x[0-9a-f]+)/.exec(info)![1]);
      const k = KernelSymbols.open(elf);
      const symbol = k.resolve('add')!;
      if (patchable) expect(symbol).toBeLessThan(lowPc);
      else expect(symbol).toBe(lowPc);
      expect(k.functionEntry(symbol)).toBe(lowPc);
      expect(k.program!.scopesAt(k.functionEntry(symbol)).map((s) => s.variables.map((v) => v.name))).toEqual([['a', 'b']]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
