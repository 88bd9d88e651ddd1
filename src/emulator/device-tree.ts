// The device tree handed to the guest (a1 at boot): QEMU's `virt` board as hw/riscv/virt.c writes it
// for TCG without AIA, cut down to the devices this machine emulates. Left out on purpose: the RTC,
// PCIe, flash, fw_cfg, the platform bus and the PMU node (none is emulated), and /chosen/rng-seed
// (a replayed machine must be deterministic).
//
// Node order follows QEMU's blob, which lists nodes in reverse creation order: notably the
// virtio-mmio transports appear from the highest address down, so Linux probes slot
// VIRTIO_COUNT-1 first, as it does under QEMU. Phandles are allocated in QEMU's order too (each
// hart from the last down: cpu, then its interrupt controller; then the PLIC; then the test device).
//
// Differences from QEMU beyond omissions:
// - every hart's interrupt controller has `#address-cells = <0>` (dtc warns without it);
// - the PLIC's reg covers the contexts that exist, plicSize(2 * harts), not QEMU's fixed window;
// - riscv,ndev is PLIC_SOURCES - 1 (sources 1..95; QEMU 8 and later; 7.2 wrote PLIC_SOURCES);
// - linux,initrd-start/end are two cells (QEMU 8 and later; 7.2 wrote one cell);
// - riscv,isa is what we implement, given by the caller.

import { FdtNode, FdtTree, ref } from './fdt';
import {
  CLINT_BASE,
  CLINT_SIZE,
  MAX_HARTS,
  PLIC_BASE,
  PLIC_SOURCES,
  TEST_BASE,
  TEST_SIZE,
  TIMEBASE_HZ,
  UART0_BASE,
  UART0_IRQ,
  UART0_SIZE,
  VIRTIO_BASE,
  VIRTIO_COUNT,
  VIRTIO_IRQ,
  VIRTIO_SIZE,
  plicSize,
} from './virt-map';

export interface DeviceTreeConfig {
  /** Number of harts, 1 .. MAX_HARTS; hart ids are 0 .. harts-1. */
  harts: number;
  /** Guest RAM: [memBase, memBase + memSize). Normally memBase is DRAM_BASE. */
  memBase: number;
  memSize: number;
  /** Kernel command line; left out of /chosen when empty (as QEMU does). */
  bootargs: string;
  /** Physical [start, end) of an initial ramdisk already placed in RAM. */
  initrd?: { start: number; end: number };
  /** riscv,isa of every hart; default DEFAULT_ISA. */
  isa?: string;
  /** mmu-type of every hart; default DEFAULT_MMU_TYPE. */
  mmuType?: string;
  /** How many virtio-mmio transports to describe (slots 0 .. n-1); default VIRTIO_COUNT. */
  virtioSlots?: number;
}

export const DEFAULT_ISA = 'rv64imafdc_zicsr_zifencei_zicntr';
export const DEFAULT_MMU_TYPE = 'riscv,sv48';
/** The UART's input clock (QEMU's 3686400 Hz, 0x384000). */
export const UART0_CLOCK_HZ = 3_686_400;
/** Values written to the sifive,test device: FINISHER_PASS powers off, FINISHER_RESET reboots. */
export const TEST_FINISHER_PASS = 0x5555;
export const TEST_FINISHER_RESET = 0x7777;
/** Path of the console UART, as /chosen/stdout-path names it. */
export const STDOUT_PATH = `/soc/serial@${hex(UART0_BASE)}`;

// Local interrupt numbers on a hart's riscv,cpu-intc (mip bits).
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

function hex(n: number): string {
  return n.toString(16);
}

function checkConfig(cfg: DeviceTreeConfig): void {
  const isAddr = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > MAX_HARTS) {
    throw new RangeError(`device tree: harts must be 1..${MAX_HARTS}, not ${cfg.harts}`);
  }
  if (!isAddr(cfg.memBase) || !isAddr(cfg.memSize) || cfg.memSize === 0 || !isAddr(cfg.memBase + cfg.memSize)) {
    throw new RangeError(`device tree: bad memory range base=0x${hex(cfg.memBase)} size=0x${hex(cfg.memSize)}`);
  }
  const slots = cfg.virtioSlots ?? VIRTIO_COUNT;
  if (!Number.isInteger(slots) || slots < 0 || slots > VIRTIO_COUNT) {
    throw new RangeError(`device tree: virtioSlots must be 0..${VIRTIO_COUNT}, not ${slots}`);
  }
  const rd = cfg.initrd;
  if (rd) {
    const inRam = (a: number): boolean => isAddr(a) && a >= cfg.memBase && a <= cfg.memBase + cfg.memSize;
    if (!inRam(rd.start) || !inRam(rd.end) || rd.end < rd.start) {
      throw new RangeError(`device tree: initrd [0x${hex(rd.start)}, 0x${hex(rd.end)}) is not inside RAM`);
    }
  }
}

/** The virt board's tree as an FdtTree, for callers that want to add to it before serialising. */
export function createVirtTree(cfg: DeviceTreeConfig): FdtTree {
  checkConfig(cfg);
  const harts = cfg.harts;
  const isa = cfg.isa ?? DEFAULT_ISA;
  const mmuType = cfg.mmuType ?? DEFAULT_MMU_TYPE;
  const virtioSlots = cfg.virtioSlots ?? VIRTIO_COUNT;

  const tree = new FdtTree();
  const root = tree.root
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'riscv-virtio')
    .string('model', 'riscv-virtio,qemu');

  // Nodes are created in output order; their contents are filled in below, once the phandles exist.
  const aliases = root.child('aliases');
  const chosen = root.child('chosen');
  const poweroff = root.child('poweroff');
  const reboot = root.child('reboot');
  const memory = root.child(`memory@${hex(cfg.memBase)}`);
  const cpus = root.child('cpus');
  const soc = root.child('soc');

  // /cpus
  cpus.u32('#address-cells', 1).u32('#size-cells', 0).u32('timebase-frequency', TIMEBASE_HZ);
  const cpuNodes: FdtNode[] = [];
  const intcs: FdtNode[] = [];
  for (let hart = 0; hart < harts; hart++) {
    const cpu = cpus.child(`cpu@${hex(hart)}`);
    cpu
      .string('device_type', 'cpu')
      .u32('reg', hart)
      .string('status', 'okay')
      .string('compatible', 'riscv')
      .string('riscv,isa', isa)
      .string('mmu-type', mmuType);
    const intc = cpu.child('interrupt-controller');
    intc
      .u32('#address-cells', 0)
      .u32('#interrupt-cells', 1)
      .empty('interrupt-controller')
      .string('compatible', 'riscv,cpu-intc');
    cpuNodes.push(cpu);
    intcs.push(intc);
  }
  const cluster = cpus.child('cpu-map').child('cluster0');
  for (let hart = 0; hart < harts; hart++) cluster.child(`core${hart}`).cells('cpu', ref(cpuNodes[hart]));

  // Phandles in QEMU's allocation order.
  for (let hart = harts - 1; hart >= 0; hart--) {
    tree.phandle(cpuNodes[hart]);
    tree.phandle(intcs[hart]);
  }

  // /soc
  soc.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'simple-bus').empty('ranges');
  const serial = soc.child(`serial@${hex(UART0_BASE)}`);
  const test = soc.child(`test@${hex(TEST_BASE)}`);
  const virtio: FdtNode[] = [];
  for (let slot = virtioSlots - 1; slot >= 0; slot--) {
    virtio[slot] = soc.child(`virtio_mmio@${hex(VIRTIO_BASE + slot * VIRTIO_SIZE)}`);
  }
  const plic = soc.child(`plic@${hex(PLIC_BASE)}`);
  const clint = soc.child(`clint@${hex(CLINT_BASE)}`);
  tree.phandle(plic);
  tree.phandle(test);

  // PLIC contexts: 2*hart is hart's M-mode context, 2*hart+1 its S-mode context.
  plic
    .u32('#address-cells', 0)
    .u32('#interrupt-cells', 1)
    .empty('interrupt-controller')
    .strings('compatible', 'sifive,plic-1.0.0', 'riscv,plic0')
    .u64('reg', PLIC_BASE, plicSize(2 * harts))
    .cells('interrupts-extended', ...intcs.flatMap((intc) => [ref(intc), IRQ_M_EXT, ref(intc), IRQ_S_EXT]))
    .u32('riscv,ndev', PLIC_SOURCES - 1);

  clint
    .strings('compatible', 'sifive,clint0', 'riscv,clint0')
    .u64('reg', CLINT_BASE, CLINT_SIZE)
    .cells('interrupts-extended', ...intcs.flatMap((intc) => [ref(intc), IRQ_M_SOFT, ref(intc), IRQ_M_TIMER]));

  serial
    .string('compatible', 'ns16550a')
    .u64('reg', UART0_BASE, UART0_SIZE)
    .u32('clock-frequency', UART0_CLOCK_HZ)
    .cells('interrupt-parent', ref(plic))
    .u32('interrupts', UART0_IRQ);

  for (let slot = virtioSlots - 1; slot >= 0; slot--) {
    virtio[slot]
      .string('compatible', 'virtio,mmio')
      .u64('reg', VIRTIO_BASE + slot * VIRTIO_SIZE, VIRTIO_SIZE)
      .cells('interrupt-parent', ref(plic))
      .u32('interrupts', VIRTIO_IRQ + slot);
  }

  test.strings('compatible', 'sifive,test1', 'sifive,test0', 'syscon').u64('reg', TEST_BASE, TEST_SIZE);
  poweroff
    .string('compatible', 'syscon-poweroff')
    .cells('regmap', ref(test))
    .u32('offset', 0)
    .u32('value', TEST_FINISHER_PASS);
  reboot
    .string('compatible', 'syscon-reboot')
    .cells('regmap', ref(test))
    .u32('offset', 0)
    .u32('value', TEST_FINISHER_RESET);

  memory.string('device_type', 'memory').u64('reg', cfg.memBase, cfg.memSize);

  // /chosen and /aliases
  if (cfg.bootargs !== '') chosen.string('bootargs', cfg.bootargs);
  chosen.string('stdout-path', STDOUT_PATH);
  if (cfg.initrd) {
    chosen.u64('linux,initrd-start', cfg.initrd.start).u64('linux,initrd-end', cfg.initrd.end);
  }
  aliases.string('serial0', STDOUT_PATH);

  return tree;
}

/** The device tree blob for the virt board with this configuration. */
export function buildDeviceTree(cfg: DeviceTreeConfig): Uint8Array {
  return createVirtTree(cfg).toBlob();
}
