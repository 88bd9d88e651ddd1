// Loading a guest into a machine and setting up its harts, in the three ways QEMU's virt board can
// boot: with the built-in SBI (the kernel starts in S-mode), with no firmware (an ELF starts in M-mode
// on every hart), or with real M-mode firmware such as OpenSBI loaded at the start of RAM.

import { buildDeviceTree } from '../device-tree';
import { Htif, HtifEvent } from '../devices/htif';
import { Machine } from '../machine';
import { Sbi } from '../sbi';
import { DRAM_BASE } from '../virt-map';
import { ElfError, ElfFile, isElf, parseElf, PT_LOAD } from '../../elf/elf';

export class BootError extends Error {
  override name = 'BootError';
}

export type Bios = { kind: 'builtin' } | { kind: 'none' } | { kind: 'file'; name: string; data: Uint8Array };

export interface BootOptions {
  kernel: Uint8Array;
  kernelName: string;
  bios: Bios;
  initrd?: Uint8Array;
  bootargs: string;
  /** Use the riscv-tests HTIF convention (tohost/fromhost symbols of the kernel ELF). */
  htif?: { putchar: (byte: number) => void; onEvent: (event: HtifEvent) => void };
}

export interface BootInfo {
  entry: number;
  kernelStart: number;
  kernelEnd: number;
  dtbAddress: number;
  dtb: Uint8Array;
  initrd?: { start: number; end: number };
  htif?: Htif;
  /** The kernel's ELF, when it is one (for symbols). */
  elf?: ElfFile;
}

/** Where QEMU puts the kernel when firmware occupies the start of RAM (fw_jump's next address). */
export const KERNEL_BASE = DRAM_BASE + 0x20_0000;
const MIB = 1 << 20;

/** A Linux RISC-V `Image` (Documentation/riscv/boot-image-header.rst): magic2 "RSC\x05" at offset 56. */
export function isLinuxImage(data: Uint8Array): boolean {
  return data.length >= 64 && data[56] === 0x52 && data[57] === 0x53 && data[58] === 0x43 && data[59] === 0x05;
}

interface Loaded {
  entry: number;
  start: number;
  end: number;
  elf?: ElfFile;
  /** Add this to an ELF address to get where it was loaded. */
  shift: bigint;
}

/** Load an ELF at its physical addresses, or relocated as a whole to `base` if those are not RAM. */
function loadElf(m: Machine, data: Uint8Array, name: string, base: number | undefined): Loaded {
  let elf: ElfFile;
  try {
    elf = parseElf(data);
  } catch (e) {
    throw new BootError(`${name}: ${(e as ElfError).message}`);
  }
  const segments = elf.programs.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (segments.length === 0) throw new BootError(`${name}: the ELF has no loadable segments`);
  const low = segments.reduce((a, p) => (p.paddr < a ? p.paddr : a), segments[0].paddr);
  const high = segments.reduce((a, p) => (p.paddr + BigInt(p.memsz) > a ? p.paddr + BigInt(p.memsz) : a), 0n);
  const inRam = (a: bigint, size: number): boolean => a < 1n << 53n && m.bus.isRam(Number(a), size);
  let shift = 0n;
  if (!segments.every((p) => inRam(p.paddr, p.memsz))) {
    if (base === undefined) {
      throw new BootError(`${name}: segments at 0x${low.toString(16)}..0x${high.toString(16)} lie outside RAM (0x${m.bus.ramBase.toString(16)}, ${m.bus.ramSize / MIB} MiB)`);
    }
    shift = BigInt(base) - low;
  }
  for (const p of segments) {
    const at = p.paddr + shift;
    if (!inRam(at, p.memsz)) throw new BootError(`${name}: segment at 0x${at.toString(16)} (${p.memsz} bytes) does not fit in RAM`);
    const dest = Number(at);
    m.bus.writePhys(dest, elf.bytes(p.offset, p.filesz));
    if (p.memsz > p.filesz) m.bus.writePhys(dest + p.filesz, new Uint8Array(p.memsz - p.filesz));
  }
  // The entry is a physical address, or a virtual one inside a segment: translate through it.
  let entry = elf.entry + shift;
  for (const p of segments) {
    if (elf.entry >= p.vaddr && elf.entry < p.vaddr + BigInt(p.memsz)) entry = elf.entry - p.vaddr + p.paddr + shift;
  }
  return { entry: Number(entry), start: Number(low + shift), end: Number(high + shift), elf, shift };
}

function loadRaw(m: Machine, data: Uint8Array, name: string, at: number): Loaded {
  if (!m.bus.isRam(at, data.length)) throw new BootError(`${name}: ${data.length} bytes do not fit in RAM at 0x${at.toString(16)}`);
  m.bus.writePhys(at, data);
  return { entry: at, start: at, end: at + data.length, shift: 0n };
}

/** Load a kernel: an ELF, or a Linux Image at `imageBase`. */
function loadKernel(m: Machine, data: Uint8Array, name: string, imageBase: number, elfBase: number | undefined): Loaded {
  if (isElf(data)) return loadElf(m, data, name, elfBase);
  if (isLinuxImage(data)) {
    // image_size (offset 16) includes the BSS; it must fit too.
    const size = Number(new DataView(data.buffer, data.byteOffset).getBigUint64(16, true));
    if (size > 0 && !m.bus.isRam(imageBase, size)) throw new BootError(`${name}: the image needs ${size} bytes of RAM at 0x${imageBase.toString(16)}`);
    return loadRaw(m, data, name, imageBase);
  }
  throw new BootError(`${name}: not an ELF file or a RISC-V Linux Image`);
}

export function boot(m: Machine, opts: BootOptions): BootInfo {
  const ramEnd = m.bus.ramBase + m.bus.ramSize;
  let kernel: Loaded;
  let firmwareEntry: number | undefined;
  switch (opts.bios.kind) {
    case 'builtin':
      kernel = loadKernel(m, opts.kernel, opts.kernelName, KERNEL_BASE, KERNEL_BASE);
      break;
    case 'none':
      kernel = loadKernel(m, opts.kernel, opts.kernelName, DRAM_BASE, undefined);
      break;
    case 'file': {
      const fw = isElf(opts.bios.data)
        ? loadElf(m, opts.bios.data, opts.bios.name, DRAM_BASE)
        : loadRaw(m, opts.bios.data, opts.bios.name, DRAM_BASE);
      firmwareEntry = fw.entry;
      if (fw.end > KERNEL_BASE) throw new BootError(`${opts.bios.name}: the firmware (ends at 0x${fw.end.toString(16)}) overlaps the kernel at 0x${KERNEL_BASE.toString(16)}`);
      kernel = loadKernel(m, opts.kernel, opts.kernelName, KERNEL_BASE, KERNEL_BASE);
      if (kernel.start < fw.end) {
        throw new BootError(`${opts.kernelName}: the kernel (0x${kernel.start.toString(16)}..0x${kernel.end.toString(16)}) overlaps the firmware (0x${fw.start.toString(16)}..0x${fw.end.toString(16)})`);
      }
      break;
    }
  }

  // The initrd goes above the kernel (QEMU: at kernel start + min(RAM / 2, 128 MiB)).
  let initrd: { start: number; end: number } | undefined;
  if (opts.initrd) {
    let start = Math.max(kernel.start + Math.min(m.bus.ramSize / 2, 128 * MIB), alignUp(kernel.end, 4096));
    start = alignUp(start, 4096);
    const end = start + opts.initrd.length;
    if (end > ramEnd - 4 * MIB) throw new BootError(`initrd: ${opts.initrd.length} bytes do not fit in RAM above the kernel`);
    m.bus.writePhys(start, opts.initrd);
    initrd = { start, end };
  }

  const dtb = buildDeviceTree({ harts: m.harts.length, memBase: m.bus.ramBase, memSize: m.bus.ramSize, bootargs: opts.bootargs, initrd });
  // The device tree goes at the top of RAM, 2 MiB aligned, as QEMU's riscv_compute_fdt_addr does.
  const dtbAddress = alignDown(ramEnd - dtb.length, 2 * MIB);
  if (dtbAddress < kernel.end || (initrd && dtbAddress < initrd.end)) throw new BootError('not enough RAM for the kernel, initrd and device tree');
  m.bus.writePhys(dtbAddress, dtb);

  let htif: Htif | undefined;
  if (opts.htif) {
    const sym = kernel.elf?.symbol('tohost');
    if (!sym) throw new BootError(`${opts.kernelName}: --htif needs a 'tohost' symbol in the ELF`);
    htif = new Htif(m.bus, Number(sym.value + kernel.shift), opts.htif.putchar, opts.htif.onEvent);
  }

  for (const h of m.harts) h.reset(0);
  switch (opts.bios.kind) {
    case 'builtin':
      for (const h of m.harts) {
        Sbi.configureHart(h);
        h.stopped = h.id !== 0; // the others wait for SBI HSM hart_start
      }
      Sbi.enterSupervisor(m.harts[0], kernel.entry, dtbAddress);
      break;
    case 'none':
      for (const h of m.harts) startMachineMode(h, kernel.entry, dtbAddress, 0);
      break;
    case 'file': {
      // fw_dynamic reads a2 = struct fw_dynamic_info (OpenSBI include/sbi/fw_dynamic.h); fw_jump ignores it.
      const info = dtbAddress - 4096;
      const v = new DataView(new ArrayBuffer(48));
      v.setBigUint64(0, 0x4942534fn, true); // FW_DYNAMIC_INFO_MAGIC_VALUE "OSBI"
      v.setBigUint64(8, 2n, true); // version
      v.setBigUint64(16, BigInt(kernel.entry), true); // next_addr
      v.setBigUint64(24, 1n, true); // next_mode: S
      v.setBigUint64(32, 0n, true); // options
      v.setBigUint64(40, 0n, true); // boot_hart
      m.bus.writePhys(info, new Uint8Array(v.buffer));
      for (const h of m.harts) startMachineMode(h, firmwareEntry!, dtbAddress, info);
      break;
    }
  }
  return { entry: kernel.entry, kernelStart: kernel.start, kernelEnd: kernel.end, dtbAddress, dtb, initrd, htif, elf: kernel.elf };
}

function startMachineMode(h: import('../hart/hart').Hart, pc: number, dtb: number, a2: number): void {
  h.setPc(pc);
  h.setReg(10, h.id);
  h.setReg(11, dtb);
  h.setReg(12, a2);
}

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
const alignDown = (v: number, a: number): number => Math.floor(v / a) * a;
