// The riscv64 target description served through qXfer:features:read (gdb manual, "RISC-V
// Features"): org.gnu.gdb.riscv.cpu (x0-x31, pc), .fpu (f0-f31, fflags, frm, fcsr), .virtual (priv)
// and .csr (every CSR the hart implements). Register numbers follow gdb's RISC-V numbering, as
// QEMU's stub does, so that `p` packets can name any of them.

import { F_ABI_NAMES, X_ABI_NAMES } from '../symbols/registers';
import { FIRST_CSR_REGNUM, FIRST_FP_REGNUM, PC_REGNUM, PRIV_REGNUM } from './target';

/** gdb's riscv-64bit-cpu.xml names x8 `fp`, where the psABI's table says s0. */
const X_NAMES = X_ABI_NAMES.map((n, i) => (i === 8 ? 'fp' : n));
const F_NAMES = F_ABI_NAMES;
const FP_CSRS = new Set(['fflags', 'frm', 'fcsr']);

const reg = (name: string, regnum: number, type = 'int', group?: string): string =>
  `  <reg name="${name}" bitsize="64" regnum="${regnum}" type="${type}"${group ? ` group="${group}"` : ''}/>`;

export function targetXml(): string {
  return `<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>riscv:rv64</architecture>
  <xi:include href="riscv-64bit-cpu.xml" xmlns:xi="http://www.w3.org/2001/XInclude"/>
  <xi:include href="riscv-64bit-fpu.xml" xmlns:xi="http://www.w3.org/2001/XInclude"/>
  <xi:include href="riscv-64bit-virtual.xml" xmlns:xi="http://www.w3.org/2001/XInclude"/>
  <xi:include href="riscv-64bit-csr.xml" xmlns:xi="http://www.w3.org/2001/XInclude"/>
</target>
`;
}

/** The annexes qXfer:features:read serves, by name. */
export function featureFiles(csrs: { num: number; name: string }[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('target.xml', targetXml());
  const cpu = X_NAMES.map((n, i) => reg(n, i, i === 1 ? 'code_ptr' : i === 2 || i === 8 ? 'data_ptr' : 'int'));
  cpu.push(reg('pc', PC_REGNUM, 'code_ptr'));
  files.set('riscv-64bit-cpu.xml', feature('org.gnu.gdb.riscv.cpu', cpu));
  const fpu = F_NAMES.map((n, i) => reg(n, FIRST_FP_REGNUM + i, 'ieee_double', 'float'));
  for (const c of csrs.filter((x) => FP_CSRS.has(x.name))) fpu.push(reg(c.name, FIRST_CSR_REGNUM + c.num, 'int', 'float'));
  files.set('riscv-64bit-fpu.xml', feature('org.gnu.gdb.riscv.fpu', fpu));
  files.set('riscv-64bit-virtual.xml', feature('org.gnu.gdb.riscv.virtual', [reg('priv', PRIV_REGNUM, 'int', 'system')]));
  const csrRegs = csrs.filter((x) => !FP_CSRS.has(x.name)).sort((a, b) => a.num - b.num).map((c) => reg(c.name, FIRST_CSR_REGNUM + c.num, 'int', 'csr'));
  files.set('riscv-64bit-csr.xml', feature('org.gnu.gdb.riscv.csr', csrRegs));
  return files;
}

function feature(name: string, regs: string[]): string {
  return `<?xml version="1.0"?>
<!DOCTYPE feature SYSTEM "gdb-target.dtd">
<feature name="${name}">
${regs.join('\n')}
</feature>
`;
}
