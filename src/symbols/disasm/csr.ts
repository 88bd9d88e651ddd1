// CSR names, by number, as the disassembler prints them in place of a 12-bit CSR address.
//
// Source: the RISC-V privileged spec (v1.12), chapter 2 "Control and Status Registers", tables 2.2-2.6
// (the CSR listing), plus the CSRs of extensions binutils knows by name: F (fflags/frm/fcsr, unprivileged
// spec chapter 13 "F" section 13.2), V (vstart..vlenb), Zkr (seed), Smstateen/Ssstateen, Sstc (stimecmp),
// Smaia/Ssaia (siselect, sireg, stopei, mtopi, ...), Sscofpmf (scountovf), H (hstatus.., vs*), and the
// debug spec (tselect, tdata1.., dcsr, dpc, dscratch0/1).
//
// The set is exactly the one GNU objdump 2.40 prints for an object with no privileged-spec attribute
// (its default, priv spec 1.12): checked over all 4096 numbers by test/symbols/disasm.test.ts. Names
// that objdump prints whatever XLEN (the RV32-only "...h" halves) are kept too. An ELF that declares
// priv spec 1.11 makes objdump print ustatus/sedeleg.. and not senvcfg/menvcfg/pmpcfg4..; we follow 1.12.

const CSR_NAMES = new Map<number, string>();

function csr(number: number, name: string): void {
  CSR_NAMES.set(number, name);
}

/** `count` consecutive CSRs named prefix<first>suffix, prefix<first+1>suffix, ... */
function numbered(number: number, prefix: string, first: number, last: number, suffix = ''): void {
  for (let i = first; i <= last; i++) csr(number + i - first, `${prefix}${i}${suffix}`);
}

// Unprivileged floating-point, vector and entropy-source CSRs.
csr(0x001, 'fflags');
csr(0x002, 'frm');
csr(0x003, 'fcsr');
csr(0x008, 'vstart');
csr(0x009, 'vxsat');
csr(0x00a, 'vxrm');
csr(0x00f, 'vcsr');
csr(0x015, 'seed');

// Supervisor-level CSRs (table 2.3).
csr(0x100, 'sstatus');
csr(0x104, 'sie');
csr(0x105, 'stvec');
csr(0x106, 'scounteren');
csr(0x10a, 'senvcfg');
numbered(0x10c, 'sstateen', 0, 3);
csr(0x114, 'sieh');
csr(0x140, 'sscratch');
csr(0x141, 'sepc');
csr(0x142, 'scause');
csr(0x143, 'stval');
csr(0x144, 'sip');
csr(0x14d, 'stimecmp');
csr(0x150, 'siselect');
csr(0x151, 'sireg');
csr(0x154, 'siph');
csr(0x15c, 'stopei');
csr(0x15d, 'stimecmph');
csr(0x180, 'satp');
csr(0x5a8, 'scontext');
csr(0xda0, 'scountovf');
csr(0xdb0, 'stopi');

// Virtual supervisor CSRs (hypervisor extension).
csr(0x200, 'vsstatus');
csr(0x204, 'vsie');
csr(0x205, 'vstvec');
csr(0x214, 'vsieh');
csr(0x240, 'vsscratch');
csr(0x241, 'vsepc');
csr(0x242, 'vscause');
csr(0x243, 'vstval');
csr(0x244, 'vsip');
csr(0x24d, 'vstimecmp');
csr(0x250, 'vsiselect');
csr(0x251, 'vsireg');
csr(0x254, 'vsiph');
csr(0x25c, 'vstopei');
csr(0x25d, 'vstimecmph');
csr(0x280, 'vsatp');
csr(0xeb0, 'vstopi');

// Hypervisor CSRs (table 2.4).
csr(0x600, 'hstatus');
csr(0x602, 'hedeleg');
csr(0x603, 'hideleg');
csr(0x604, 'hie');
csr(0x605, 'htimedelta');
csr(0x606, 'hcounteren');
csr(0x607, 'hgeie');
csr(0x608, 'hvien');
csr(0x609, 'hvictl');
csr(0x60a, 'henvcfg');
numbered(0x60c, 'hstateen', 0, 3);
csr(0x613, 'hidelegh');
csr(0x615, 'htimedeltah');
csr(0x618, 'hvienh');
csr(0x61a, 'henvcfgh');
numbered(0x61c, 'hstateen', 0, 3, 'h');
csr(0x643, 'htval');
csr(0x644, 'hip');
csr(0x645, 'hvip');
csr(0x646, 'hviprio1');
csr(0x647, 'hviprio2');
csr(0x64a, 'htinst');
csr(0x655, 'hviph');
csr(0x656, 'hviprio1h');
csr(0x657, 'hviprio2h');
csr(0x680, 'hgatp');
csr(0x6a8, 'hcontext');
csr(0xe12, 'hgeip');

// Machine-level CSRs (tables 2.5 and 2.6).
csr(0x300, 'mstatus');
csr(0x301, 'misa');
csr(0x302, 'medeleg');
csr(0x303, 'mideleg');
csr(0x304, 'mie');
csr(0x305, 'mtvec');
csr(0x306, 'mcounteren');
csr(0x308, 'mvien');
csr(0x309, 'mvip');
csr(0x30a, 'menvcfg');
numbered(0x30c, 'mstateen', 0, 3);
csr(0x310, 'mstatush');
csr(0x313, 'midelegh');
csr(0x314, 'mieh');
csr(0x318, 'mvienh');
csr(0x319, 'mviph');
csr(0x31a, 'menvcfgh');
numbered(0x31c, 'mstateen', 0, 3, 'h');
csr(0x320, 'mcountinhibit');
numbered(0x323, 'mhpmevent', 3, 31);
csr(0x340, 'mscratch');
csr(0x341, 'mepc');
csr(0x342, 'mcause');
csr(0x343, 'mtval');
csr(0x344, 'mip');
csr(0x34a, 'mtinst');
csr(0x34b, 'mtval2');
csr(0x350, 'miselect');
csr(0x351, 'mireg');
csr(0x354, 'miph');
csr(0x35c, 'mtopei');
numbered(0x3a0, 'pmpcfg', 0, 15);
numbered(0x3b0, 'pmpaddr', 0, 63);
numbered(0x723, 'mhpmevent', 3, 31, 'h');
csr(0x747, 'mseccfg');
csr(0x757, 'mseccfgh');
csr(0xb00, 'mcycle');
csr(0xb02, 'minstret');
numbered(0xb03, 'mhpmcounter', 3, 31);
csr(0xb80, 'mcycleh');
csr(0xb82, 'minstreth');
numbered(0xb83, 'mhpmcounter', 3, 31, 'h');
csr(0xf11, 'mvendorid');
csr(0xf12, 'marchid');
csr(0xf13, 'mimpid');
csr(0xf14, 'mhartid');
csr(0xf15, 'mconfigptr');
csr(0xfb0, 'mtopi');

// Debug/trace CSRs (debug spec, shared with the machine level).
csr(0x7a0, 'tselect');
csr(0x7a1, 'tdata1');
csr(0x7a2, 'tdata2');
csr(0x7a3, 'tdata3');
csr(0x7a4, 'tinfo');
csr(0x7a5, 'tcontrol');
csr(0x7a8, 'mcontext');
csr(0x7aa, 'mscontext');
csr(0x7b0, 'dcsr');
csr(0x7b1, 'dpc');
csr(0x7b2, 'dscratch0');
csr(0x7b3, 'dscratch1');

// Unprivileged counters/timers (table 2.2) and vector state.
csr(0xc00, 'cycle');
csr(0xc01, 'time');
csr(0xc02, 'instret');
numbered(0xc03, 'hpmcounter', 3, 31);
csr(0xc20, 'vl');
csr(0xc21, 'vtype');
csr(0xc22, 'vlenb');
csr(0xc80, 'cycleh');
csr(0xc81, 'timeh');
csr(0xc82, 'instreth');
numbered(0xc83, 'hpmcounter', 3, 31, 'h');

/** The CSR's name, or undefined for a number no spec names. */
export function csrName(number: number): string | undefined {
  return CSR_NAMES.get(number);
}
