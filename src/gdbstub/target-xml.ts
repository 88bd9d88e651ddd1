// The riscv64 target description served through qXfer:features:read (gdb manual, "RISC-V
// Features"): org.gnu.gdb.riscv.cpu (x0-x31, pc), .fpu (f0-f31, fflags, frm, fcsr), .virtual (priv)
// and .csr (every CSR the hart implements). Register numbers follow gdb's RISC-V numbering, as
// QEMU's stub does, so that `p` packets can name any of them.

import { FIRST_CSR_REGNUM, FIRST_FP_REGNUM, PC_REGNUM, PRIV_REGNUM } from './target';

const X_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const F_NAMES = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];
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
