// Kernel symbols for the debugger frontends: one object over a vmlinux (or any RISC-V ELF) that
// answers "where is this address" (symbol, function, inlined calls, file and line) and "where does
// this line's code start", reading the DWARF lazily. It never imports the emulator.

import { ELF_LIMIT, readInputFile } from '../files/input-file';
import { SourceFrame, Symbolizer } from './decode';
import { ElfFile, parseElf } from '../elf/elf';
import { CallFrameInformation, UnwindRow } from './dwarf/cfi';
import { Frame, ReadU64, unwindFrame, UnwindStep } from './dwarf/unwind';
import { CompileUnit, DebugInfo } from './dwarf/info';
import { DwarfError } from './dwarf/reader';
import { ProgramData } from './dwarf/program';
import { LineProgram, LineTable, parseAllLinePrograms, SourceLocation } from './dwarf/line';
import { dwarfSections, DwarfSections } from './dwarf/sections';
import { formatSymbol, SymbolHit, SymbolTable } from './symtab';

export interface Location {
  address: bigint;
  /** From the symbol table: "name+0xoff/0xsize". */
  symbol?: SymbolHit;
  /** Innermost (inlined) first; the last is the function the symbol table names. */
  frames: SourceFrame[];
}

export class KernelSymbols implements Symbolizer {
  readonly symtab: SymbolTable;
  private readonly sections: DwarfSections;
  private info?: DebugInfo;
  private lineTable?: LineTable;
  private programs?: Map<number, LineProgram>;

  constructor(readonly elf: ElfFile, readonly name = 'ELF file') {
    this.symtab = new SymbolTable(elf.symbols(), elf.sections);
    this.sections = dwarfSections(elf);
  }

  /** The symbols of the ELF file at `path`, named by `option` (as the user gave it) in an InputFileError when it cannot be read. */
  static open(path: string, option = 'ELF file'): KernelSymbols {
    return new KernelSymbols(parseElf(readInputFile(path, { option, limit: ELF_LIMIT })), path);
  }

  /** Whether the file has DWARF line information (else only the symbol table answers). */
  get hasDwarf(): boolean {
    return this.sections.info !== undefined && this.sections.line !== undefined;
  }

  private programData?: ProgramData;

  /** The program's types and variables from the DWARF (undefined without .debug_info), read lazily. */
  get program(): ProgramData | undefined {
    const info = this.debugInfo();
    if (!info) return undefined;
    return (this.programData ??= new ProgramData(info, this.sections, (unit, index) => this.fileName(unit.lineOffset, index)));
  }

  private debugInfo(): DebugInfo | undefined {
    if (!this.sections.info || !this.sections.abbrev) return undefined;
    return (this.info ??= DebugInfo.fromSections(this.sections));
  }

  private lines(): LineTable | undefined {
    if (!this.sections.line) return undefined;
    if (!this.lineTable) {
      const compDirs = new Map<number, string>();
      // The line tables stand on their own: bad .debug_info costs them only the units' folders.
      for (const u of this.units()) if (u.lineOffset !== undefined && u.compDir) compDirs.set(u.lineOffset, u.compDir);
      const programs = parseAllLinePrograms(this.sections, compDirs);
      this.programs = new Map(programs.map((p) => [p.offset, p]));
      this.lineTable = new LineTable(programs);
    }
    return this.lineTable;
  }

  /** File name of a unit's file number (DW_AT_call_file, DW_AT_decl_file). */
  private fileName(lineOffset: number | undefined, index: number): string | undefined {
    if (lineOffset === undefined) return undefined;
    this.lines();
    return this.programs?.get(lineOffset)?.files[index] || undefined;
  }

  /** Why .debug_info could not be read, once it was tried: lines and symbols go on without it. */
  debugInfoError?: DwarfError;

  /** The units of .debug_info, or none when they cannot be read (debugInfoError says why). */
  private units(): CompileUnit[] {
    try {
      return this.debugInfo()?.units() ?? [];
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.debugInfoError ??= e;
      return [];
    }
  }

  /** DebugInfo.functionAt, or nothing where the DWARF cannot be read (the symbol table still answers). */
  private functionAt(address: bigint): ReturnType<DebugInfo['functionAt']> {
    try {
      return this.debugInfo()?.functionAt(address);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      this.debugInfoError ??= e;
      return undefined;
    }
  }

  /** The source line of an address (addr2line). */
  line(address: bigint): SourceLocation | undefined {
    return this.lines()?.lookup(address);
  }

  /** The source line a debugger shows when stopped at an address: that of the last is_stmt row at or below it (gdb). */
  stopLine(address: bigint): SourceLocation | undefined {
    const statement = this.lines()?.lookup(address, true);
    if (!statement || statement.rowAddress === address) return statement;
    // A statement that began earlier counts only if the address is still in its scope: after the
    // code of an inlined call, the statement found may be the inlined function's.
    const depth = (a: bigint): number => this.functionAt(a)?.inlineChain.length ?? 0;
    if (depth(statement.rowAddress) > depth(address)) return this.lines()?.lookup(address);
    return statement;
  }

  /** Every source file the line tables name, as the compiler wrote it. */
  sourceFiles(): string[] {
    return this.lines()?.files() ?? [];
  }

  /** Whether an address is in an executable section (SHF_EXECINSTR): code, not data. */
  isCode(address: bigint): boolean {
    const SHF_ALLOC = 0x2n;
    const SHF_EXECINSTR = 0x4n;
    return this.elf.sections.some((s) => (s.flags & SHF_EXECINSTR) !== 0n && (s.flags & SHF_ALLOC) !== 0n && address >= s.addr && address < s.addr + BigInt(s.size));
  }

  /** The lines whose statements begin at exactly this address (several, where views share it). */
  statementsAt(address: bigint): { file: string; line: number }[] {
    return this.lines()?.statementsAt(address) ?? [];
  }

  /**
   * Everything known at an address: the symbol, and the chain of frames from the innermost
   * inlined call out to the real function, each with its file and line (addr2line -f -i; with
   * `preferStatement`, the innermost line is the one a debugger shows when stopped there).
   */
  locate(address: bigint, preferStatement = false): Location {
    const symbol = this.symtab.lookup(address);
    const here = preferStatement ? this.stopLine(address) : this.line(address);
    const found = this.functionAt(address);
    if (!found) {
      // Without DWARF for it, the function is the nearest symbol, as addr2line -f says.
      const name = this.symtab.nearest(address)?.name;
      return { address, symbol, frames: here || name ? [{ function: name, file: here?.file, line: here?.line }] : [] };
    }
    // The innermost frame is at the address's own line; each inlined call's call site is the
    // line of the frame that contains it.
    const frames: SourceFrame[] = [];
    const chain = found.inlineChain;
    let file = here?.file;
    let line = here?.line;
    for (let i = chain.length - 1; i >= 0; i--) {
      frames.push({ function: chain[i].name, file, line });
      file = this.fileName(found.fn.unit.lineOffset, chain[i].callFile);
      line = chain[i].callLine;
    }
    frames.push({ function: found.fn.name, file, line });
    return { address, symbol, frames };
  }

  /**
   * Where a function's code described by the DWARF starts, for a symbol's address: the address itself
   * when the DWARF has a function there; else the start of a function's range a few bytes on, as
   * kernels built with ftrace's patchable entries have it (-fpatchable-function-entry: the symbol is
   * on the NOPs before DW_AT_low_pc, where no scope of the function holds the pc).
   */
  functionEntry(address: bigint): bigint {
    const info = this.debugInfo();
    if (!info || this.functionAt(address)) return address;
    const size = this.symtab.lookup(address)?.size ?? 0n;
    for (let ahead = 2n; ahead <= 32n && ahead < size; ahead += 2n) {
      const f = this.functionAt(address + ahead)?.fn;
      if (f?.ranges.some(([lo]) => lo === address + ahead)) return address + ahead;
    }
    return address;
  }

  frames(address: bigint): SourceFrame[] {
    return this.locate(address).frames;
  }

  resolve(text: string): bigint | undefined {
    return this.symtab.resolve(text);
  }

  /** Where code for a source line begins, for a breakpoint (the next line with code if it has none). */
  lineAddresses(file: string, line: number): { line: number; addresses: bigint[] } | undefined {
    return this.lines()?.addresses(file, line);
  }

  /** The entry address of a function by name, from the symbol table. */
  functionAddress(name: string): bigint | undefined {
    return this.symtab.address(name);
  }

  private cfiTable?: CallFrameInformation;

  /** The call frame information (.debug_frame, .eh_frame), parsed on first use. */
  get cfi(): CallFrameInformation {
    return (this.cfiTable ??= CallFrameInformation.fromElf(this.elf, this.sections.frame));
  }

  /** The CFI's unwind row at pc (DWARF 5, 6.4.3), if an FDE covers it. */
  unwindRow(pc: bigint): UnwindRow | undefined {
    return this.cfi.rowFor(pc);
  }

  /** The caller of a frame: by CFI, else by the frame-pointer fallback (see dwarf/unwind.ts). */
  unwind(frame: Frame, readU64: ReadU64): UnwindStep {
    return unwindFrame(this.cfi, frame, readU64);
  }

  /** "name+0xoff/0xsize file:line", as one line. */
  describe(address: bigint): string {
    const l = this.locate(address);
    const sym = l.symbol ? formatSymbol(l.symbol) : `0x${address.toString(16)}`;
    const f = l.frames[0];
    return f?.file ? `${sym} ${f.file}:${f.line}` : sym;
  }
}
