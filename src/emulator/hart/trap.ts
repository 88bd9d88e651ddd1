// Privilege levels and trap causes (privileged spec, "Machine Cause Register (mcause)", table of
// exception codes). Interrupt causes and exception causes share the numbering space of mcause's low
// bits; the interrupt bit is kept apart.

export const enum Priv {
  U = 0,
  S = 1,
  M = 3,
}

export const enum Cause {
  // Exceptions
  InstructionMisaligned = 0,
  InstructionAccessFault = 1,
  IllegalInstruction = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallFromU = 8,
  EcallFromS = 9,
  EcallFromM = 11,
  InstructionPageFault = 12,
  LoadPageFault = 13,
  StorePageFault = 15,
  // Interrupts
  SSI = 1,
  MSI = 3,
  STI = 5,
  MTI = 7,
  SEI = 9,
  MEI = 11,
}

/** mip/mie bits. */
export const enum Irq {
  SSIP = 1 << 1,
  MSIP = 1 << 3,
  STIP = 1 << 5,
  MTIP = 1 << 7,
  SEIP = 1 << 9,
  MEIP = 1 << 11,
}

export const CAUSE_NAMES: Record<number, string> = {
  0: 'instruction address misaligned',
  1: 'instruction access fault',
  2: 'illegal instruction',
  3: 'breakpoint',
  4: 'load address misaligned',
  5: 'load access fault',
  6: 'store/AMO address misaligned',
  7: 'store/AMO access fault',
  8: 'environment call from U-mode',
  9: 'environment call from S-mode',
  11: 'environment call from M-mode',
  12: 'instruction page fault',
  13: 'load page fault',
  15: 'store/AMO page fault',
};

/** Interrupt causes by mcause's exception code (privileged spec 1.12, table 3.6, Interrupt = 1). */
export const INTERRUPT_NAMES: Record<number, string> = {
  1: 'supervisor software',
  3: 'machine software',
  5: 'supervisor timer',
  7: 'machine timer',
  9: 'supervisor external',
  11: 'machine external',
};

/** A trap's name: 'illegal instruction', 'supervisor timer'; 'unknown' for a reserved cause. */
export function trapName(cause: number, interrupt: boolean): string {
  return (interrupt ? INTERRUPT_NAMES : CAUSE_NAMES)[cause] ?? 'unknown';
}
