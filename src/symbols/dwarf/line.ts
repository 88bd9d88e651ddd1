// The DWARF line number program (DWARF 5, section 6.2; DWARF 2-4 headers as in DWARF 4, 6.2.4):
// address -> file, line and column, and file:line -> the addresses where its code begins.
//
// Rows are kept in typed arrays, not one object each: a Linux vmlinux has millions of them.
// Addresses are split into high and low 32-bit halves so that the state machine runs on numbers.

import { DwarfSections } from './sections';
import { lastWhere } from '../search';
import { DwarfError, Reader, stringAt } from './reader';

export interface LineRow {
  address: bigint;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
}

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** A row marked is_stmt begins at exactly this address: a place where a debugger stops for a line. */
  statement: boolean;
  /** Where the row that gave the line begins. */
  rowAddress: bigint;
}

// Standard opcodes (6.2.5.2).
const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_negate_stmt = 6;
const DW_LNS_set_basic_block = 7;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
const DW_LNS_set_prologue_end = 10;
const DW_LNS_set_epilogue_begin = 11;
const DW_LNS_set_isa = 12;
// Extended opcodes (6.2.5.3).
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;
const DW_LNE_set_discriminator = 4;
// Line number header entry formats (6.2.4.1).
const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;
// Forms that may appear in them (7.5.6).
const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_block2 = 0x03;
const DW_FORM_block4 = 0x04;
const DW_FORM_data1 = 0x0b;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_data16 = 0x1e;
const DW_FORM_string = 0x08;
const DW_FORM_strp = 0x0e;
const DW_FORM_line_strp = 0x1f;
const DW_FORM_udata = 0x0f;
const DW_FORM_strx = 0x1a;
const DW_FORM_strx1 = 0x25;
const DW_FORM_strx2 = 0x26;
const DW_FORM_strx3 = 0x27;
const DW_FORM_strx4 = 0x28;

const IS_STMT = 1;
const END_SEQUENCE = 2;
const TWO_32 = 0x1_0000_0000;

/** Growable columns of rows. */
class Rows {
  count = 0;
  hi = new Uint32Array(1024);
  lo = new Uint32Array(1024);
  file = new Uint32Array(1024);
  line = new Uint32Array(1024);
  column = new Uint32Array(1024);
  flags = new Uint8Array(1024);

  push(hi: number, lo: number, file: number, line: number, column: number, flags: number): void {
    if (this.count === this.hi.length) this.grow();
    const i = this.count++;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.file[i] = file;
    this.line[i] = line;
    this.column[i] = column;
    this.flags[i] = flags;
  }

  private grow(): void {
    const n = this.hi.length * 2;
    const g = <T extends Uint32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.hi = g(this.hi);
    this.lo = g(this.lo);
    this.file = g(this.file);
    this.line = g(this.line);
    this.column = g(this.column);
    this.flags = g(this.flags);
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.hi = this.hi.slice(0, this.count);
    this.lo = this.lo.slice(0, this.count);
    this.file = this.file.slice(0, this.count);
    this.line = this.line.slice(0, this.count);
    this.column = this.column.slice(0, this.count);
    this.flags = this.flags.slice(0, this.count);
  }
}

export interface LineProgram {
  /** Offset of the unit header in .debug_line. */
  offset: number;
  version: number;
  /** Full paths by the program's own file numbers (v5: from 0; v2-4: from 1, and files[0] is ''). */
  files: string[];
  rowCount: number;
  row(i: number): LineRow;
  /** @internal the row columns, for LineTable. */
  readonly rows: Rows;
}

function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith('/') || !dir) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Read one attribute value of a v5 directory or file entry (6.2.4.1). */
function entryValue(r: Reader, form: number, s: DwarfSections, is64: boolean): string | number | undefined {
  switch (form) {
    case DW_FORM_string: return r.cstring();
    case DW_FORM_line_strp: {
      if (!s.lineStr) throw r.error('DW_FORM_line_strp without a .debug_line_str section');
      return stringAt(s.lineStr, '.debug_line_str', r.sectionOffset(is64));
    }
    case DW_FORM_strp: {
      if (!s.str) throw r.error('DW_FORM_strp without a .debug_str section');
      return stringAt(s.str, '.debug_str', r.sectionOffset(is64));
    }
    case DW_FORM_udata: return r.uleb();
    case DW_FORM_data1: return r.u8();
    case DW_FORM_data2: return r.u16();
    case DW_FORM_data4: return r.u32();
    case DW_FORM_data8: r.skip(8); return undefined;
    case DW_FORM_data16: r.skip(16); return undefined;
    case DW_FORM_block: r.skip(r.uleb()); return undefined;
    case DW_FORM_block1: r.skip(r.u8()); return undefined;
    case DW_FORM_block2: r.skip(r.u16()); return undefined;
    case DW_FORM_block4: r.skip(r.u32()); return undefined;
    // String indexes need the CU's str_offsets_base, which a line table alone does not have.
    case DW_FORM_strx: r.uleb(); return undefined;
    case DW_FORM_strx1: r.u8(); return undefined;
    case DW_FORM_strx2: r.u16(); return undefined;
    case DW_FORM_strx3: r.u24(); return undefined;
    case DW_FORM_strx4: r.u32(); return undefined;
    default: throw r.error(`unsupported form 0x${form.toString(16)} in a line table entry format`);
  }
}

/** A v5 directory or file name table: its entry format, then its entries (6.2.4, items 14-20). */
function entryTable(r: Reader, s: DwarfSections, is64: boolean): Array<{ path?: string; dir: number }> {
  const formatCount = r.u8();
  const format: Array<[number, number]> = [];
  for (let i = 0; i < formatCount; i++) format.push([r.uleb(), r.uleb()]);
  const count = r.uleb();
  const out: Array<{ path?: string; dir: number }> = [];
  for (let i = 0; i < count; i++) {
    const e: { path?: string; dir: number } = { dir: 0 };
    for (const [type, form] of format) {
      const v = entryValue(r, form, s, is64);
      if (type === DW_LNCT_path && typeof v === 'string') e.path = v;
      else if (type === DW_LNCT_directory_index && typeof v === 'number') e.dir = v;
    }
    out.push(e);
  }
  return out;
}

/** Parse the line program whose header is at `offset` of .debug_line (6.2.4, then run 6.2.5). */
export function parseLineProgram(sections: DwarfSections, offset: number, compDir?: string): LineProgram {
  if (!sections.line) throw new DwarfError('.debug_line: no such section');
  const whole = new Reader(sections.line, '.debug_line', offset);
  const { length, is64 } = whole.initialLength();
  if (length > whole.remaining) throw whole.error(`unit_length ${length} runs past the end of the section (${whole.remaining} bytes left)`);
  const r = whole.sub(length);
  const version = r.u16();
  if (version < 2 || version > 5) throw r.error(`unsupported line table version ${version}`, r.offset - 2);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = r.sectionOffset(is64);
  if (headerLength > r.remaining) throw r.error(`header_length ${headerLength} runs past the end of the unit`);
  const programStart = r.offset + headerLength;
  const minimumInstructionLength = r.u8();
  const maximumOperationsPerInstruction = version >= 4 ? r.u8() : 1;
  if (maximumOperationsPerInstruction !== 1) throw r.error(`maximum_operations_per_instruction ${maximumOperationsPerInstruction}: VLIW line tables are not supported`);
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.s8();
  const lineRange = r.u8();
  if (lineRange === 0) throw r.error('line_range is 0');
  const opcodeBase = r.u8();
  if (opcodeBase === 0) throw r.error('opcode_base is 0');
  const standardOpcodeLengths = [0];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8());

  const files: string[] = [];
  if (version >= 5) {
    const dirs = entryTable(r, sections, is64).map((d) => d.path ?? '');
    // Directory 0 is the compilation directory itself (6.2.4, item 16).
    const full = dirs.map((d, i) => (i === 0 ? d || compDir || '' : joinPath(dirs[0] || compDir, d)));
    for (const f of entryTable(r, sections, is64)) files.push(joinPath(full[f.dir], f.path ?? ''));
  } else {
    // include_directories and file_names, each ended by an empty entry (DWARF 4, 6.2.4 items 11-12).
    const dirs: string[] = [];
    for (let d = r.cstring(); d !== ''; d = r.cstring()) dirs.push(joinPath(compDir, d));
    files.push('');
    for (let name = r.cstring(); name !== ''; name = r.cstring()) {
      const dir = r.uleb();
      r.uleb(); // modification time
      r.uleb(); // length
      files.push(joinPath(dir === 0 ? compDir : dirs[dir - 1], name));
    }
  }
  if (r.offset > programStart) throw r.error(`the header's tables run past header_length (program at 0x${programStart.toString(16)})`);

  const rows = new Rows();
  const p = r.at(programStart, r.end);
  // The state machine registers (6.2.2).
  let hi = 0;
  let lo = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  const reset = (): void => {
    hi = 0;
    lo = 0;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
  };
  const advance = (bytes: number): void => {
    lo += bytes;
    if (lo >= TWO_32) {
      hi = (hi + Math.floor(lo / TWO_32)) >>> 0;
      lo %= TWO_32;
    }
  };
  const emit = (end: boolean): void => rows.push(hi, lo, file, line, column, (isStmt ? IS_STMT : 0) | (end ? END_SEQUENCE : 0));
  while (!p.atEnd) {
    const opcode = p.u8();
    if (opcode >= opcodeBase) {
      // A special opcode (6.2.5.1).
      const adjusted = opcode - opcodeBase;
      advance(Math.floor(adjusted / lineRange) * minimumInstructionLength);
      line += lineBase + (adjusted % lineRange);
      emit(false);
      continue;
    }
    switch (opcode) {
      case 0: {
        const len = p.uleb();
        if (len === 0 || len > p.remaining) throw p.error(`extended opcode length ${len} is 0 or runs past the end of the unit`);
        const sub = p.sub(len);
        const op = sub.u8();
        if (op === DW_LNE_end_sequence) {
          emit(true);
          reset();
        } else if (op === DW_LNE_set_address) {
          const size = len - 1;
          if (size !== 4 && size !== 8) throw sub.error(`DW_LNE_set_address with a ${size}-byte address`);
          if (version >= 5 && size !== addressSize) throw sub.error(`DW_LNE_set_address size ${size} differs from the header's address_size ${addressSize}`);
          const a = sub.address(size);
          hi = Number(a >> 32n);
          lo = Number(a & 0xffffffffn);
        } else if (op === DW_LNE_define_file) {
          const name = sub.cstring();
          sub.uleb();
          files.push(name);
        } else if (op === DW_LNE_set_discriminator) {
          sub.uleb();
        }
        // Other extended opcodes are skipped by their length (6.2.5.3).
        break;
      }
      case DW_LNS_copy: emit(false); break;
      case DW_LNS_advance_pc: advance(p.uleb() * minimumInstructionLength); break;
      case DW_LNS_advance_line: line += p.sleb(); break;
      case DW_LNS_set_file: file = p.uleb(); break;
      case DW_LNS_set_column: column = p.uleb(); break;
      case DW_LNS_negate_stmt: isStmt = !isStmt; break;
      case DW_LNS_set_basic_block: break;
      case DW_LNS_const_add_pc: advance(Math.floor((255 - opcodeBase) / lineRange) * minimumInstructionLength); break;
      case DW_LNS_fixed_advance_pc: advance(p.u16()); break;
      case DW_LNS_set_prologue_end: break;
      case DW_LNS_set_epilogue_begin: break;
      case DW_LNS_set_isa: p.uleb(); break;
      default:
        // An opcode this reader does not know: skip its operands (6.2.5.2, standard_opcode_lengths).
        for (let i = 0; i < standardOpcodeLengths[opcode]; i++) p.uleb();
    }
    if (line < 0 || line > 0xffffffff) throw p.error(`line number ${line} out of range`);
  }
  rows.trim();
  return {
    offset,
    version,
    files,
    rows,
    rowCount: rows.count,
    row: (i) => ({
      address: (BigInt(rows.hi[i]) << 32n) | BigInt(rows.lo[i]),
      file: rows.file[i],
      line: rows.line[i],
      column: rows.column[i],
      isStmt: (rows.flags[i] & IS_STMT) !== 0,
      endSequence: (rows.flags[i] & END_SEQUENCE) !== 0,
    }),
  };
}

/** Every line program in .debug_line, walking the unit headers from offset 0. */
export function parseAllLinePrograms(sections: DwarfSections, compDirs?: Map<number, string>): LineProgram[] {
  if (!sections.line) return [];
  const out: LineProgram[] = [];
  const r = new Reader(sections.line, '.debug_line');
  while (!r.atEnd) {
    const offset = r.offset;
    out.push(parseLineProgram(sections, offset, compDirs?.get(offset)));
    const { length } = r.initialLength();
    r.skip(length);
  }
  return out;
}

/** One sequence: rows [first, last] of a program, last being its end_sequence row. */
interface Sequence {
  program: LineProgram;
  first: number;
  last: number;
  low: bigint;
  high: bigint;
}

const rowAddress = (rows: Rows, i: number): bigint => (BigInt(rows.hi[i]) << 32n) | BigInt(rows.lo[i]);

/** rows[i] <= (hi, lo) as addresses. */
const rowAtOrBelow = (rows: Rows, i: number, hi: number, lo: number): boolean => rows.hi[i] < hi || (rows.hi[i] === hi && rows.lo[i] <= lo);

export class LineTable {
  private readonly sequences: Sequence[] = [];

  constructor(private readonly programs: LineProgram[]) {
    for (const program of programs) {
      const rows = program.rows;
      let first = 0;
      for (let i = 0; i < rows.count; i++) {
        if (!(rows.flags[i] & END_SEQUENCE)) continue;
        const low = rowAddress(rows, first);
        const high = rowAddress(rows, i);
        // Sequences of code the linker discarded start at 0; they would shadow nothing real but
        // would make a zero address look known.
        if (high > low && low !== 0n) this.sequences.push({ program, first, last: i, low, high });
        first = i + 1;
      }
    }
    this.sequences.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  }

  /**
   * addr2line: the row whose [address, next row's address) holds `address`, within one sequence; of
   * several rows at that address, the last. A debugger (`preferStatement`) counts only rows marked
   * is_stmt, as gdb does: the line is that of the last is_stmt row at or below the address, so
   * that a statement's range runs on across the rows of other lines the compiler interleaved.
   */
  lookup(address: bigint, preferStatement = false): SourceLocation | undefined {
    const seq = this.sequenceAt(address);
    if (!seq) return undefined;
    const rows = seq.program.rows;
    const hi = Number(address >> 32n);
    const lo = Number(address & 0xffffffffn);
    // The last row at or below the address (rows are in address order within a sequence).
    const found = lastWhere(seq.first, seq.last - 1, (i) => rowAtOrBelow(rows, i, hi, lo));
    if (found < seq.first) return undefined;
    let row = found;
    let statement = false;
    for (let i = found; i >= seq.first; i--) {
      const here = rows.hi[i] === hi && rows.lo[i] === lo;
      if (!here && !preferStatement) break;
      if (!(rows.flags[i] & IS_STMT)) continue;
      statement = here;
      if (preferStatement) row = i;
      break;
    }
    if (rows.line[row] === 0) return undefined;
    return { file: seq.program.files[rows.file[row]] ?? '', line: rows.line[row], column: rows.column[row], statement, rowAddress: rowAddress(rows, row) };
  }

  /**
   * The lines of every is_stmt row that begins at exactly `address`, in row order: several lines'
   * statements (location views) can begin at one address, as an inlined call's entry does.
   */
  statementsAt(address: bigint): { file: string; line: number }[] {
    const seq = this.sequenceAt(address);
    if (!seq) return [];
    const rows = seq.program.rows;
    const hi = Number(address >> 32n);
    const lo = Number(address & 0xffffffffn);
    const out: { file: string; line: number }[] = [];
    let i = lastWhere(seq.first, seq.last - 1, (k) => rowAtOrBelow(rows, k, hi, lo));
    while (i >= seq.first && rows.hi[i] === hi && rows.lo[i] === lo) i--;
    for (i++; i < seq.last && rows.hi[i] === hi && rows.lo[i] === lo; i++) {
      if (rows.flags[i] & IS_STMT && rows.line[i] !== 0) out.push({ file: seq.program.files[rows.file[i]] ?? '', line: rows.line[i] });
    }
    return out;
  }

  private sequenceAt(address: bigint): Sequence | undefined {
    const found = lastWhere(0, this.sequences.length - 1, (i) => this.sequences[i].low <= address);
    // Sequences do not overlap in a linked image, but allow a few that do.
    for (let i = found; i >= 0 && i > found - 8; i--) {
      if (this.sequences[i].low <= address && address < this.sequences[i].high) return this.sequences[i];
    }
    return undefined;
  }

  /**
   * Where code for `line` of `file` begins: the first address of each run of is_stmt rows for
   * that line within a sequence. A line without code moves to the next line that has some (up to
   * `maxSkip` lines on), as gdb does. `file` is a full path or a path suffix at a '/' boundary.
   */
  addresses(file: string, line: number, maxSkip = 20): { line: number; addresses: bigint[] } | undefined {
    const matches = (path: string): boolean => path === file || path.endsWith(file.startsWith('/') ? file : `/${file}`);
    const targets: Array<{ seq: Sequence; files: Set<number> }> = [];
    const fileSets = new Map<LineProgram, Set<number>>();
    for (const program of this.programs) {
      const set = new Set<number>();
      program.files.forEach((f, i) => f && matches(f) && set.add(i));
      if (set.size) fileSets.set(program, set);
    }
    if (fileSets.size === 0) return undefined;
    for (const seq of this.sequences) {
      const files = fileSets.get(seq.program);
      if (files) targets.push({ seq, files });
    }
    for (let l = line; l <= line + maxSkip; l++) {
      const found = new Set<bigint>();
      for (const { seq, files } of targets) {
        const rows = seq.program.rows;
        let previous = false;
        for (let i = seq.first; i < seq.last; i++) {
          const hit = rows.line[i] === l && files.has(rows.file[i]);
          if (hit && !previous && rows.flags[i] & IS_STMT) found.add(rowAddress(rows, i));
          previous = hit;
        }
      }
      if (found.size) return { line: l, addresses: [...found].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) };
    }
    return undefined;
  }

  /** All file paths that have rows. */
  files(): string[] {
    const out = new Set<string>();
    for (const seq of this.sequences) {
      const rows = seq.program.rows;
      for (let i = seq.first; i <= seq.last; i++) out.add(seq.program.files[rows.file[i]] ?? '');
    }
    out.delete('');
    return [...out].sort();
  }
}
