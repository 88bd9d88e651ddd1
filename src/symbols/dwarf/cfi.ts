// DWARF call frame information (DWARF 5, section 6.4): the CIEs and FDEs of .debug_frame, and of
// .eh_frame (the same records with the LSB's changes: a CIE_id of 0, CIE pointers relative to the
// FDE, pointer encodings chosen by the 'z' augmentation), and the rows of the unwind table that an
// FDE's call frame instructions describe (6.4.2, 6.4.3).
//
// Pure: section bytes in, rules out. Rules are closed unions; applying a row to registers and
// memory is unwind.ts's job. [gimli-rs/gimli: src/read/cfi.rs]

import { ElfFile } from '../../elf/elf';
import { lastWhere } from '../search';
import { Reader } from './reader';
import { dwarfSections } from './sections';

/** How to compute the CFA, the canonical frame address (6.4.1). */
export type CfaRule =
  | { kind: 'register-offset'; register: number; offset: bigint }
  | { kind: 'expression'; expression: Uint8Array };

/** How to recover a register of the caller (6.4.1, "register rules"). */
export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'same-value' }
  /** Saved at CFA + offset. */
  | { kind: 'offset'; offset: bigint }
  /** The value is CFA + offset. */
  | { kind: 'val-offset'; offset: bigint }
  /** Saved in another register. */
  | { kind: 'register'; register: number }
  /** Saved at the address the expression computes (the CFA pushed first). */
  | { kind: 'expression'; expression: Uint8Array }
  /** The value is what the expression computes (the CFA pushed first). */
  | { kind: 'val-expression'; expression: Uint8Array };

/**
 * One row of the unwind table: the rules for the pcs [start, end). A register absent from
 * `registers` has no rule in the CFI (readelf shows it as "u"); unwind.ts gives it the psABI's
 * default.
 */
export interface UnwindRow {
  start: bigint;
  end: bigint;
  cfa: CfaRule;
  registers: ReadonlyMap<number, RegisterRule>;
  returnAddressRegister: number;
  /** The CIE's 'S' augmentation: the caller's pc (a trap's epc) is not a return address. */
  signalFrame: boolean;
}

/** A section of call frame information, as the ELF file holds it. */
export interface FrameSection {
  name: '.debug_frame' | '.eh_frame';
  bytes: Uint8Array;
  /** The section's address (sh_addr): the base of .eh_frame's pc-relative pointers. */
  address: bigint;
}

export interface CommonInformationEntry {
  section: FrameSection;
  /** Offset of the CIE's length field in its section. */
  offset: number;
  is64: boolean;
  version: number;
  augmentation: string;
  address_size: number;
  segment_selector_size: number;
  code_alignment_factor: bigint;
  data_alignment_factor: bigint;
  return_address_register: number;
  /** 'R' augmentation: how FDEs encode initial_location and address_range (else absolute). */
  fdeEncoding: number;
  /** 'L' augmentation: how FDEs encode their LSDA pointer (DW_EH_PE_omit if none). */
  lsdaEncoding: number;
  /** 'P' augmentation: the personality routine (or, when `personalityIndirect`, where its address is). */
  personality?: bigint;
  personalityIndirect: boolean;
  /** 'S' augmentation: the frame is a signal handler's; its pc is not a return address. */
  signalFrame: boolean;
  initial_instructions: Uint8Array;
  /** Where initial_instructions starts in the section, for error messages. */
  instructionsOffset: number;
}

export interface FrameDescriptionEntry {
  section: FrameSection;
  /** Offset of the FDE's length field in its section. */
  offset: number;
  cie: CommonInformationEntry;
  initial_location: bigint;
  address_range: bigint;
  /** The language-specific data area ('L' augmentation), if any. */
  lsda?: bigint;
  instructions: Uint8Array;
  /** Where instructions starts in the section, for error messages. */
  instructionsOffset: number;
}

// Call frame instructions (7.24, Table 7.29).
const DW_CFA_advance_loc = 0x1; // high 2 bits
const DW_CFA_offset = 0x2; // high 2 bits
const DW_CFA_restore = 0x3; // high 2 bits
const DW_CFA_nop = 0x00;
const DW_CFA_set_loc = 0x01;
const DW_CFA_advance_loc1 = 0x02;
const DW_CFA_advance_loc2 = 0x03;
const DW_CFA_advance_loc4 = 0x04;
const DW_CFA_offset_extended = 0x05;
const DW_CFA_restore_extended = 0x06;
const DW_CFA_undefined = 0x07;
const DW_CFA_same_value = 0x08;
const DW_CFA_register = 0x09;
const DW_CFA_remember_state = 0x0a;
const DW_CFA_restore_state = 0x0b;
const DW_CFA_def_cfa = 0x0c;
const DW_CFA_def_cfa_register = 0x0d;
const DW_CFA_def_cfa_offset = 0x0e;
const DW_CFA_def_cfa_expression = 0x0f;
const DW_CFA_expression = 0x10;
const DW_CFA_offset_extended_sf = 0x11;
const DW_CFA_def_cfa_sf = 0x12;
const DW_CFA_def_cfa_offset_sf = 0x13;
const DW_CFA_val_offset = 0x14;
const DW_CFA_val_offset_sf = 0x15;
const DW_CFA_val_expression = 0x16;
const DW_CFA_GNU_args_size = 0x2e;
const DW_CFA_GNU_negative_offset_extended = 0x2f;

// Pointer encodings of .eh_frame (LSB 5.0, "DWARF Exception Header Encoding").
const DW_EH_PE_absptr = 0x00;
const DW_EH_PE_omit = 0xff;
const DW_EH_PE_pcrel = 0x10;
const DW_EH_PE_aligned = 0x50;
const DW_EH_PE_indirect = 0x80;

/** The CFI of one or more sections, FDEs sorted by initial_location for lookup by pc. */
export class CallFrameInformation {
  /** Every FDE, sorted by initial_location (then by address_range). */
  readonly fdes: readonly FrameDescriptionEntry[];

  /** @param addressSize  the ELF class's address size, for CIEs older than version 4 */
  constructor(sections: readonly FrameSection[], addressSize = 8) {
    const fdes = sections.flatMap((s) => parseFrameSection(s, addressSize));
    fdes.sort((a, b) => compare(a.initial_location, b.initial_location) || compare(a.address_range, b.address_range));
    this.fdes = fdes;
  }

  /** .debug_frame (decompressed; pass it if already at hand) and .eh_frame of an ELF file. */
  static fromElf(elf: ElfFile, debugFrame = dwarfSections(elf).frame): CallFrameInformation {
    const sections: FrameSection[] = [];
    if (debugFrame) sections.push({ name: '.debug_frame', bytes: debugFrame, address: 0n });
    const eh = elf.sections.find((s) => s.name === '.eh_frame' && s.type !== 8 /* SHT_NOBITS */);
    if (eh) sections.push({ name: '.eh_frame', bytes: elf.bytes(eh.offset, eh.size), address: eh.addr });
    return new CallFrameInformation(sections);
  }

  /** The FDE whose range [initial_location, initial_location + address_range) holds pc. */
  fdeFor(pc: bigint): FrameDescriptionEntry | undefined {
    const i = lastWhere(0, this.fdes.length - 1, (k) => this.fdes[k].initial_location <= pc);
    const fde = this.fdes[i];
    return fde && pc < fde.initial_location + fde.address_range ? fde : undefined;
  }

  /** The unwind row for pc (6.4.3), if an FDE covers it. */
  rowFor(pc: bigint): UnwindRow | undefined {
    const fde = this.fdeFor(pc);
    if (!fde) return undefined;
    const rows = unwindRows(fde);
    const row = rows[lastWhere(0, rows.length - 1, (k) => rows[k].start <= pc)];
    return row && pc < row.end ? row : undefined;
  }
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// CIEs and FDEs (6.4.1)

/** A CIE or FDE's common start: its length (7.4) and CIE_id or CIE_pointer. */
interface EntryHeader {
  offset: number;
  is64: boolean;
  /** The rest of the entry, after the CIE_id / CIE_pointer field. */
  body: Reader;
  /** Where the CIE_id / CIE_pointer field is. */
  idAt: number;
  id: bigint;
  isCie: boolean;
}

function readEntryHeader(r: Reader, section: FrameSection): EntryHeader | undefined {
  const offset = r.offset;
  const { length, is64 } = r.initialLength();
  if (length === 0) return undefined; // .eh_frame's terminator (and padding in .debug_frame)
  const body = r.sub(length);
  const idAt = body.offset;
  const id = is64 ? body.u64() : BigInt(body.u32());
  // .debug_frame marks a CIE with an all-ones CIE_id (7.2.2); .eh_frame with 0.
  const isCie = section.name === '.eh_frame' ? id === 0n : id === (is64 ? 0xffffffffffffffffn : 0xffffffffn);
  return { offset, is64, body, idAt, id, isCie };
}

function parseFrameSection(section: FrameSection, addressSize: number): FrameDescriptionEntry[] {
  const cies = new Map<number, CommonInformationEntry>();
  const whole = new Reader(section.bytes, section.name);
  const cieAt = (offset: number, from: Reader, at: number): CommonInformationEntry => {
    const known = cies.get(offset);
    if (known) return known;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length) {
      throw from.error(`CIE_pointer to 0x${offset.toString(16)} outside the section`, at);
    }
    const h = readEntryHeader(whole.at(offset), section);
    if (!h || !h.isCie) throw from.error(`CIE_pointer to 0x${offset.toString(16)}, which is not a CIE`, at);
    const cie = parseCie(section, h, addressSize);
    cies.set(offset, cie);
    return cie;
  };

  const fdes: FrameDescriptionEntry[] = [];
  const r = whole.at(0);
  while (!r.atEnd) {
    const h = readEntryHeader(r, section);
    if (!h) continue;
    if (h.isCie) {
      cieAt(h.offset, h.body, h.idAt);
      continue;
    }
    // CIE_pointer: an offset into .debug_frame; in .eh_frame, the distance back from this field.
    const cieOffset = section.name === '.eh_frame' ? h.idAt - Number(h.id) : h.body.safe(h.id, h.idAt);
    fdes.push(parseFde(section, h, cieAt(cieOffset, h.body, h.idAt)));
  }
  return fdes;
}

/** A CIE's fields after its CIE_id (6.4.1 items 3-12; the 'z' augmentation as GCC and the LSB define it). */
function parseCie(section: FrameSection, h: EntryHeader, defaultAddressSize: number): CommonInformationEntry {
  const r = h.body;
  const version = r.u8();
  if (version !== 1 && version !== 3 && version !== 4) throw r.error(`unsupported CIE version ${version}`, r.offset - 1);
  const augmentation = r.cstring();
  let address_size = defaultAddressSize;
  let segment_selector_size = 0;
  if (version >= 4) {
    address_size = r.u8();
    segment_selector_size = r.u8();
    if (address_size !== 4 && address_size !== 8) throw r.error(`CIE address_size ${address_size}`, r.offset - 2);
    if (segment_selector_size > 8) throw r.error(`CIE segment_selector_size ${segment_selector_size}`, r.offset - 1);
  }
  const code_alignment_factor = r.ulebBig();
  const data_alignment_factor = r.slebBig();
  const return_address_register = version === 1 ? r.u8() : r.uleb();
  const cie: CommonInformationEntry = {
    section,
    offset: h.offset,
    is64: h.is64,
    version,
    augmentation,
    address_size,
    segment_selector_size,
    code_alignment_factor,
    data_alignment_factor,
    return_address_register,
    fdeEncoding: DW_EH_PE_absptr,
    lsdaEncoding: DW_EH_PE_omit,
    personalityIndirect: false,
    signalFrame: false,
    initial_instructions: new Uint8Array(0),
    instructionsOffset: 0,
  };
  if (augmentation.startsWith('z')) {
    const data = r.sub(r.uleb());
    for (const letter of augmentation.slice(1)) {
      if (letter === 'L') cie.lsdaEncoding = data.u8();
      else if (letter === 'R') cie.fdeEncoding = data.u8();
      else if (letter === 'S') cie.signalFrame = true;
      else if (letter === 'P') {
        const p = readEncodedPointer(data, data.u8(), section, address_size);
        cie.personality = p.value;
        cie.personalityIndirect = p.indirect;
      } else if (letter !== 'B' && letter !== 'G') {
        // An unknown letter: its data cannot be read, but 'z' says where the instructions start.
        break;
      }
    }
  } else if (augmentation === 'S') {
    cie.signalFrame = true; // GNU as's .debug_frame for .cfi_signal_frame: no augmentation data
  } else if (augmentation !== '') {
    // 6.4.1: a consumer that does not understand the augmentation cannot interpret what follows.
    throw r.error(`unknown CIE augmentation "${augmentation}"`, h.offset);
  }
  cie.instructionsOffset = r.offset;
  cie.initial_instructions = r.block(r.remaining);
  return cie;
}

/** An FDE's fields after its CIE_pointer (6.4.1). */
function parseFde(section: FrameSection, h: EntryHeader, cie: CommonInformationEntry): FrameDescriptionEntry {
  const r = h.body;
  r.skip(cie.segment_selector_size);
  const start = readEncodedPointer(r, cie.fdeEncoding, section, cie.address_size);
  if (start.indirect) throw r.error('indirect FDE initial_location');
  // address_range has the encoding's format but is a length: no pc-relative base (LSB).
  const range = readEncodedPointer(r, cie.fdeEncoding & 0x0f, section, cie.address_size);
  let lsda: bigint | undefined;
  if (cie.augmentation.startsWith('z')) {
    const data = r.sub(r.uleb());
    if (cie.lsdaEncoding !== DW_EH_PE_omit && data.remaining > 0) lsda = readEncodedPointer(data, cie.lsdaEncoding, section, cie.address_size).value;
  }
  const instructionsOffset = r.offset;
  return {
    section,
    offset: h.offset,
    cie,
    initial_location: start.value,
    address_range: range.value,
    lsda,
    instructions: r.block(r.remaining),
    instructionsOffset,
  };
}

/** A pointer in a DW_EH_PE_* encoding (absolute in .debug_frame, whose CIEs have no 'R'). */
function readEncodedPointer(r: Reader, encoding: number, section: FrameSection, addressSize: number): { value: bigint; indirect: boolean } {
  const at = r.offset;
  if (encoding === DW_EH_PE_omit) throw r.error('pointer encoding DW_EH_PE_omit where a pointer is required');
  const application = encoding & 0x70;
  if (application === DW_EH_PE_aligned) {
    const misalign = Number((section.address + BigInt(r.offset)) % BigInt(addressSize));
    if (misalign) r.skip(addressSize - misalign);
  }
  const fieldAt = r.offset;
  let value: bigint;
  switch (encoding & 0x0f) {
    case 0x00: value = r.address(addressSize); break; // DW_EH_PE_absptr
    case 0x01: value = r.ulebBig(); break; // DW_EH_PE_uleb128
    case 0x02: value = BigInt(r.u16()); break; // DW_EH_PE_udata2
    case 0x03: value = BigInt(r.u32()); break; // DW_EH_PE_udata4
    case 0x04: value = r.u64(); break; // DW_EH_PE_udata8
    case 0x09: value = r.slebBig(); break; // DW_EH_PE_sleb128
    case 0x0a: value = BigInt.asIntN(16, BigInt(r.u16())); break; // DW_EH_PE_sdata2
    case 0x0b: value = BigInt.asIntN(32, BigInt(r.u32())); break; // DW_EH_PE_sdata4
    case 0x0c: value = BigInt.asIntN(64, r.u64()); break; // DW_EH_PE_sdata8
    default: throw r.error(`unknown pointer encoding 0x${encoding.toString(16)}`, at);
  }
  if (application === DW_EH_PE_pcrel) value += section.address + BigInt(fieldAt);
  else if (application !== DW_EH_PE_absptr && application !== DW_EH_PE_aligned) {
    throw r.error(`unsupported pointer encoding 0x${encoding.toString(16)} (text-, data- or function-relative)`, at);
  }
  return { value: BigInt.asUintN(64, value), indirect: (encoding & DW_EH_PE_indirect) !== 0 };
}

// ---------------------------------------------------------------------------------------------
// Call frame instructions (6.4.2) and the unwind table they describe (6.4.3)

interface Rules {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

/** Before any DW_CFA_def_cfa the CFA has no rule; like gimli, call it register 0 + 0. */
const NO_CFA: CfaRule = { kind: 'register-offset', register: 0, offset: 0n };

/**
 * The rows of an FDE's part of the unwind table, in order, following 6.4.3's procedure: the CIE's
 * initial_instructions give the initial rules; the FDE's instructions then change them, and each
 * DW_CFA_advance_loc or DW_CFA_set_loc closes a row. Rows are cut at the FDE's end; rows covering no address are left out.
 */
export function unwindRows(fde: FrameDescriptionEntry): UnwindRow[] {
  const cie = fde.cie;
  const initial: Rules = { cfa: NO_CFA, registers: new Map() };
  // 6.4.3 step 1: "... interpret the initial_instructions field of the referenced CIE".
  execute(cie, reader(cie.section, cie.instructionsOffset, cie.initial_instructions), initial, undefined);
  const rules: Rules = { cfa: initial.cfa, registers: new Map(initial.registers) };
  const rows: UnwindRow[] = [];
  const end = fde.initial_location + fde.address_range;
  let location = fde.initial_location;
  // A row ends at the next location or at the FDE's end, whichever is first.
  const closeRow = (next: bigint): void => {
    const stop = next < end ? next : end;
    if (stop > location) {
      rows.push({ start: location, end: stop, cfa: rules.cfa, registers: new Map(rules.registers), returnAddressRegister: cie.return_address_register, signalFrame: cie.signalFrame });
    }
    location = next;
  };
  // Step 2: "... interpret the instructions field of the FDE".
  execute(cie, reader(fde.section, fde.instructionsOffset, fde.instructions), rules, {
    initial,
    location: () => location,
    moveTo: (next, r, at) => {
      if (next < location) throw r.error(`location moves back from 0x${location.toString(16)} to 0x${next.toString(16)}`, at);
      closeRow(next);
    },
  });
  closeRow(end);
  return rows;
}

function reader(section: FrameSection, offset: number, bytes: Uint8Array): Reader {
  return new Reader(section.bytes, section.name, offset, offset + bytes.length);
}

/** What an FDE's instructions have that a CIE's initial_instructions do not. */
interface FdeContext {
  /** The rules after the CIE's initial_instructions, for DW_CFA_restore. */
  initial: Rules;
  location(): bigint;
  /** A new location: the current row ends there. */
  moveTo(next: bigint, r: Reader, at: number): void;
}

/** Execute call frame instructions (6.4.2) on `rules`; `fde` is undefined for a CIE's initial_instructions. */
function execute(cie: CommonInformationEntry, r: Reader, rules: Rules, fde: FdeContext | undefined): void {
  const stack: Rules[] = [];
  const caf = cie.code_alignment_factor;
  const daf = cie.data_alignment_factor;
  const inFde = (at: number, what: string): FdeContext => {
    if (!fde) throw r.error(`${what} in a CIE's initial_instructions`, at);
    return fde;
  };
  const advance = (delta: bigint, at: number): void => {
    const f = inFde(at, 'DW_CFA_advance_loc');
    f.moveTo(BigInt.asUintN(64, f.location() + delta * caf), r, at);
  };
  const set = (register: number, rule: RegisterRule): void => {
    rules.registers.set(register, rule);
  };
  const restore = (register: number, at: number): void => {
    const rule = inFde(at, 'DW_CFA_restore').initial.registers.get(register);
    if (rule) rules.registers.set(register, rule);
    else rules.registers.delete(register);
  };
  const cfaRegisterOffset = (at: number, what: string): { kind: 'register-offset'; register: number; offset: bigint } => {
    if (rules.cfa.kind !== 'register-offset') throw r.error(`${what} while the CFA is defined by an expression`, at);
    return rules.cfa;
  };
  const block = (): Uint8Array => r.block(r.uleb());

  while (!r.atEnd) {
    const at = r.offset;
    const opcode = r.u8();
    const operand = opcode & 0x3f;
    switch (opcode >> 6) {
      // 6.4.2.1 Row creation: "a new row ... location ... delta * code_alignment_factor".
      case DW_CFA_advance_loc: advance(BigInt(operand), at); continue;
      // 6.4.2.3 "offset(N) rule where N is factored offset * data_alignment_factor".
      case DW_CFA_offset: set(operand, { kind: 'offset', offset: r.ulebBig() * daf }); continue;
      case DW_CFA_restore: restore(operand, at); continue;
    }
    switch (opcode) {
      case DW_CFA_nop: break;
      case DW_CFA_GNU_args_size: r.ulebBig(); break; // the size of outgoing arguments: no rule changes
      // 6.4.2.1 Row creation instructions.
      case DW_CFA_set_loc: {
        const f = inFde(at, 'DW_CFA_set_loc');
        r.skip(cie.segment_selector_size);
        const p = readEncodedPointer(r, cie.fdeEncoding, cie.section, cie.address_size);
        f.moveTo(p.value, r, at);
        break;
      }
      case DW_CFA_advance_loc1: advance(BigInt(r.u8()), at); break;
      case DW_CFA_advance_loc2: advance(BigInt(r.u16()), at); break;
      case DW_CFA_advance_loc4: advance(BigInt(r.u32()), at); break;
      // 6.4.2.2 CFA definition instructions.
      case DW_CFA_def_cfa: {
        const register = r.uleb();
        rules.cfa = { kind: 'register-offset', register, offset: r.ulebBig() };
        break;
      }
      case DW_CFA_def_cfa_sf: {
        const register = r.uleb();
        rules.cfa = { kind: 'register-offset', register, offset: r.slebBig() * daf };
        break;
      }
      case DW_CFA_def_cfa_register: {
        const register = r.uleb();
        rules.cfa = { ...cfaRegisterOffset(at, 'DW_CFA_def_cfa_register'), register };
        break;
      }
      case DW_CFA_def_cfa_offset: {
        const offset = r.ulebBig();
        rules.cfa = { ...cfaRegisterOffset(at, 'DW_CFA_def_cfa_offset'), offset };
        break;
      }
      case DW_CFA_def_cfa_offset_sf: {
        const offset = r.slebBig() * daf;
        rules.cfa = { ...cfaRegisterOffset(at, 'DW_CFA_def_cfa_offset_sf'), offset };
        break;
      }
      case DW_CFA_def_cfa_expression: rules.cfa = { kind: 'expression', expression: block() }; break;
      // 6.4.2.3 Register rule instructions.
      case DW_CFA_undefined: set(r.uleb(), { kind: 'undefined' }); break;
      case DW_CFA_same_value: set(r.uleb(), { kind: 'same-value' }); break;
      case DW_CFA_offset_extended: {
        const register = r.uleb();
        set(register, { kind: 'offset', offset: r.ulebBig() * daf });
        break;
      }
      case DW_CFA_offset_extended_sf: {
        const register = r.uleb();
        set(register, { kind: 'offset', offset: r.slebBig() * daf });
        break;
      }
      case DW_CFA_GNU_negative_offset_extended: {
        const register = r.uleb();
        set(register, { kind: 'offset', offset: -r.ulebBig() * daf });
        break;
      }
      case DW_CFA_val_offset: {
        const register = r.uleb();
        set(register, { kind: 'val-offset', offset: r.ulebBig() * daf });
        break;
      }
      case DW_CFA_val_offset_sf: {
        const register = r.uleb();
        set(register, { kind: 'val-offset', offset: r.slebBig() * daf });
        break;
      }
      case DW_CFA_register: {
        const register = r.uleb();
        set(register, { kind: 'register', register: r.uleb() });
        break;
      }
      case DW_CFA_expression: {
        const register = r.uleb();
        set(register, { kind: 'expression', expression: block() });
        break;
      }
      case DW_CFA_val_expression: {
        const register = r.uleb();
        set(register, { kind: 'val-expression', expression: block() });
        break;
      }
      case DW_CFA_restore_extended: restore(r.uleb(), at); break;
      // 6.4.2.4 Row state instructions. Like GCC's unwinder, GDB and gimli, the saved state includes
      // the CFA rule, which GCC relies on in epilogues.
      case DW_CFA_remember_state: stack.push({ cfa: rules.cfa, registers: new Map(rules.registers) }); break;
      case DW_CFA_restore_state: {
        const saved = stack.pop();
        if (!saved) throw r.error('DW_CFA_restore_state without a DW_CFA_remember_state', at);
        rules.cfa = saved.cfa;
        rules.registers = saved.registers;
        break;
      }
      default: throw r.error(`unknown call frame instruction 0x${opcode.toString(16)}`, at);
    }
  }
}
