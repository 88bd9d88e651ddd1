// mstatus fields (privileged spec, "Machine Status Registers (mstatus and mstatush)"), bits 31:0.
// Bits 63:32 hold UXL = SXL = 2 (read-only) and SD, derived from FS.

export const SIE = 1 << 1;
export const MIE = 1 << 3;
export const SPIE = 1 << 5;
export const MPIE = 1 << 7;
export const SPP = 1 << 8;
export const MPP_SHIFT = 11;
export const MPP = 3 << MPP_SHIFT;
export const FS_SHIFT = 13;
export const FS = 3 << FS_SHIFT;
export const FS_DIRTY = 3 << FS_SHIFT;
export const MPRV = 1 << 17;
export const SUM = 1 << 18;
export const MXR = 1 << 19;
export const TVM = 1 << 20;
export const TW = 1 << 21;
export const TSR = 1 << 22;

/** Bits of mstatus that M-mode software can write. */
export const MSTATUS_WRITABLE = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
/** Bits of mstatus visible in sstatus, and the writable ones. */
export const SSTATUS_VISIBLE = SIE | SPIE | SPP | FS | SUM | MXR;
export const SSTATUS_WRITABLE = SSTATUS_VISIBLE;
/** mstatus bits 63:32: UXL = 2, SXL = 2. */
export const MSTATUS_HI = 0xa;
/** The SD bit, in the high word. */
export const SD_HI = 0x80000000 | 0;
