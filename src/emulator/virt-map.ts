// The physical memory map and interrupt numbers of QEMU's `virt` board (hw/riscv/virt.c), which this
// machine follows so that kernels and firmware built for QEMU run unchanged.

export const TEST_BASE = 0x0010_0000; // sifive,test: power-off and reboot
export const TEST_SIZE = 0x1000;
export const CLINT_BASE = 0x0200_0000;
export const CLINT_SIZE = 0x1_0000;
export const PLIC_BASE = 0x0c00_0000;
/** Size of the PLIC's register window for `contexts` contexts (VIRT_PLIC_SIZE in QEMU). */
export const plicSize = (contexts: number): number => 0x20_0000 + contexts * 0x1000;
export const UART0_BASE = 0x1000_0000;
export const UART0_SIZE = 0x100;
export const UART0_IRQ = 10;
export const VIRTIO_BASE = 0x1000_1000;
export const VIRTIO_SIZE = 0x1000;
export const VIRTIO_COUNT = 8;
/** virtio-mmio slot i (0-based) raises PLIC source VIRTIO_IRQ + i. */
export const VIRTIO_IRQ = 1;
export const DRAM_BASE = 0x8000_0000;
/** The number of PLIC interrupt sources (VIRT_IRQCHIP_NUM_SOURCES). */
export const PLIC_SOURCES = 96;
/** mtime frequency in Hz: the device tree's timebase-frequency. */
export const TIMEBASE_HZ = 10_000_000;
export const MAX_HARTS = 8;
