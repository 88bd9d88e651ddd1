// DWARF variables and scopes (src/symbols/dwarf/variables.ts) against gdb-multiarch's `info scope`:
// at every instruction of the C fixtures' functions (DWARF 4 and 5, -O0 and -O2: shadowed names in
// lexical blocks, inlined calls, location lists) and at the entry and middle of 50 vmlinux
// functions, the same variables, whether each has a location, a list (with gdb's ranges for each
// entry) or a constant, or is optimized out; absurd array bounds from real compiler output; and
// seeded byte flips of .debug_info and .debug_abbrev, after which only DwarfError may escape.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelSymbols } from '../../src/symbols';
import { parseElf } from '../../src/elf/elf';
import { ProgramData } from '../../src/symbols/dwarf/program';
import { DebugInfo } from '../../src/symbols/dwarf/info';
import { dwarfSections, DwarfSections } from '../../src/symbols/dwarf/sections';
import { sizeOf, typeName } from '../../src/symbols/dwarf/types';
import { CType } from '../../src/symbols/dwarf/model';
import { requireLinuxGuest, requireTool } from '../cli/helpers';
import { A_C, compileFixtures, Fixture, gdbBatch, GCC, GDB } from './dwarf-fixtures';

const NO_TOOLS = requireTool(GCC, 'the DWARF variable tests compile C fixtures; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)')
  || requireTool(GDB, 'the DWARF variable tests compare with gdb-multiarch; scripts/setup-debian installs it');
const vmlinux = NO_TOOLS ? undefined : requireLinuxGuest('the DWARF variable test on vmlinux compares 100 pcs with gdb')?.vmlinux;

const hex = (a: bigint): string => `0x${a.toString(16)}`;

/** gdb's `info scope *pc`: per symbol "name kind [ranges]", sorted (gdb's block order is a hash's); labels left out. */
function parseInfoScope(text: string, labels: Set<string>): string[] {
  const out: string[] = [];
  let current: { name: string; kind: string; ranges: string[] } | undefined;
  const flush = (): void => {
    if (current) out.push(`${current.name} ${current.kind}${current.ranges.length ? ` ${current.ranges.join(',')}` : ''}`);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Symbol (\S+) is (.*)$/.exec(line))) {
      flush();
      const what = m[2];
      if (/^a function at address/.test(what) || /^a label at/.test(what) || labels.has(m[1])) continue;
      const kind = /optimized out/.test(what) ? 'none' : /^multi-location/.test(what) ? 'list' : /^(a )?constant/.test(what) ? 'constant' : 'expression';
      current = { name: m[1], kind, ranges: [] };
    } else if ((m = /^\s+Range (0x[0-9a-f]+)-(0x[0-9a-f]+):/.exec(line)) && current) current.ranges.push(`${m[1]}-${m[2]}`);
  }
  flush();
  return out.sort();
}

/** Ours, in the same terms: out to the innermost function, inlined or not (where gdb's info scope stops). */
function ourScope(program: ProgramData, pc: bigint): string[] {
  const out: string[] = [];
  const scopes = program.scopesAt(pc);
  const fn = scopes.findIndex((x) => x.kind !== 'block');
  for (const scope of scopes.slice(0, fn + 1)) {
    for (const v of scope.variables) {
      const l = v.location;
      const ranges = l.kind === 'list' ? ` ${l.entries.map((e) => `${hex(e.start)}-${hex(e.end)}`).join(',')}` : '';
      out.push(`${v.name} ${l.kind}${ranges}`);
    }
  }
  return out.sort();
}

/** The names of the labels (DW_TAG_label) in the function at pc and in the functions inlined into it: gdb's info scope lists them. */
function labelsAt(program: ProgramData, pc: bigint): Set<string> {
  const info = (program as unknown as { info: DebugInfo }).info;
  const found = info.functionAt(pc);
  const names = new Set<string>();
  if (!found) return names;
  const dies = info.dies;
  const visit = (offset: number, depth: number): void => {
    const unit = dies.unitOf(offset);
    const die = dies.entry(unit, offset);
    for (const child of dies.children(unit, die)) {
      if (child.tag === 0x0a) names.add(dies.text(unit, child.attributes.get(0x03)) ?? '');
      const origin = child.attributes.get(0x31); // DW_AT_abstract_origin of an inlined call or block
      if (depth < 20 && origin?.kind === 'ref' && (child.tag === 0x1d || child.tag === 0x0b)) visit(Number(origin.value), depth + 1);
      if (depth < 20 && child.hasChildren) visit(child.offset, depth + 1);
    }
  };
  visit(found.fn.dieOffset, 0);
  return names;
}

/** Compare at each pc; the disagreements, described. */
function compareScopes(program: ProgramData, file: string, pcs: Array<{ pc: bigint; where: string }>): { mismatches: string[]; variables: number } {
  const answers = gdbBatch(file, pcs.map(({ pc }) => `info scope *${hex(pc)}`));
  const mismatches: string[] = [];
  let variables = 0;
  pcs.forEach(({ pc, where }, i) => {
    const want = parseInfoScope(answers[i], labelsAt(program, pc));
    const got = ourScope(program, pc);
    variables += got.length;
    if (got.join('; ') !== want.join('; ')) mismatches.push(`${where} ${hex(pc)}:\n  ours ${got.join('; ')}\n  gdb  ${want.join('; ')}`);
  });
  return { mismatches, variables };
}

describe.skipIf(NO_TOOLS)('DWARF variables against gdb-multiarch (C fixtures)', () => {
  let dir = '';
  let fixtures: Fixture[] = [];
  beforeAll(() => ({ dir, fixtures } = compileFixtures()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('info scope at every instruction of every function: names, locations, list ranges', () => {
    for (const f of fixtures) {
      const symbols = KernelSymbols.open(f.elf);
      const pcs: Array<{ pc: bigint; where: string }> = [];
      for (const s of symbols.elf.symbols().filter((x) => x.type === 2 && x.size > 0n)) {
        for (let a = s.value; a < s.value + s.size; a += 2n) pcs.push({ pc: a, where: `${f.name} ${s.name}` });
      }
      const { mismatches, variables } = compareScopes(symbols.program!, f.elf, pcs);
      expect(mismatches.slice(0, 5), f.name).toEqual([]);
      expect(variables).toBeGreaterThan(100);
      // Shadowed names: three `s` in nested blocks of shadow() at -O0, innermost first.
      if (f.opt === 0) {
        const inner = symbols.program!.scopesAt(pcs.find((p) => p.where.endsWith('shadow') && symbols.program!.scopesAt(p.pc).length === 3)!.pc);
        expect(inner.map((s) => `${s.kind}:${s.variables.map((v) => v.name).join(',')}`)).toEqual(['block:s', 'block:s', 'subprogram:x,y,s']);
        expect(inner[2].name).toBe('shadow');
        expect(inner[2].frameBase?.kind).toBe('expression');
      }
    }
  });

  it('inlined calls name their function and take names and types from the abstract origin; globals of the unit', () => {
    for (const f of fixtures.filter((x) => x.opt === 2)) {
      const symbols = KernelSymbols.open(f.elf);
      const program = symbols.program!;
      const walk = symbols.elf.symbols().find((s) => s.name === 'walk')!;
      let inlined = 0;
      for (let a = walk.value; a < walk.value + walk.size; a += 2n) {
        const scopes = program.scopesAt(a);
        const sq = scopes.find((s) => s.kind === 'inlined');
        if (!sq) continue;
        inlined++;
        expect(sq.name).toBe('sq');
        expect(sq.variables.map((v) => `${typeName(v.type)} ${v.name}${v.parameter ? ' (parameter)' : ''}`).sort()).toEqual(['int r', 'int v (parameter)']);
        expect(scopes[scopes.length - 1]).toMatchObject({ kind: 'subprogram', name: 'walk' });
      }
      expect(inlined).toBeGreaterThan(0);
      const globals = program.unitGlobals(walk.value);
      expect(globals.map((g) => g.name)).toEqual(expect.arrayContaining(['global_counter', 'static_counter', 'g_node', 'g_ptr_decl', 'greeting']));
      const counter = globals.find((g) => g.name === 'global_counter')!;
      expect(counter).toMatchObject({ external: true, declLine: A_C.split('\n').findIndex((l) => l.startsWith('int global_counter')) + 1 });
      expect(counter.declFile).toMatch(/a\.c$/);
      // gdb's `info address` for the globals that have one: the address in DW_OP_addr.
      const named = globals.filter((g) => g.location.kind === 'expression');
      const answers = gdbBatch(f.elf, named.map((g) => `info address ${g.name}`));
      named.forEach((g, i) => {
        const e = program.locationAt(g.location, walk.value);
        expect(e.kind === 'expression' && e.expression[0]).toBe(0x03); // DW_OP_addr
        const address = e.kind === 'expression' ? Buffer.from(e.expression.subarray(1, 9)).readBigUInt64LE() : 0n;
        expect(answers[i]).toContain(hex(address));
      });
      // The static in another unit, found by name; the file's const folded to a constant.
      expect(program.findVariable('b_limit')?.location.kind).toMatch(/constant|expression|none/);
    }
  });

  it('absurd array bounds from real compiler output are DwarfErrors naming the entry', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-dwarf-bounds-'));
    try {
      fs.writeFileSync(path.join(tmp, 'c.c'), 'char (*g_huge)[0x100000001L];\nint (*g_over)[0x40000000][0x40000000];\nvoid _start(void) { for (;;) ; }\n');
      const elf = path.join(tmp, 'c.elf');
      const r = spawnSync(GCC, ['-g', '-O0', '-mcmodel=medany', '-nostdlib', '-ffreestanding', '-Wl,-Ttext=0x80000000', '-o', elf, 'c.c'], { cwd: tmp, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const program = KernelSymbols.open(elf).program!;
      const target = (name: string): CType => { const t = program.findVariable(name)!.type; return t.kind === 'pointer' ? t.target : t; };
      expect(() => target('g_huge').kind === 'array' && target('g_huge')).toThrow(/^\.debug_info\+0x[0-9a-f]+: absurd array bound \(4294967297 elements\)/);
      expect(() => sizeOf(target('g_over'))).toThrow(/^\.debug_info\+0x[0-9a-f]+: array size overflows/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('seeded byte flips of .debug_info and .debug_abbrev: walking every type and scope throws only DwarfError, and ends', () => {
    const f = fixtures.find((x) => x.version === 5 && x.opt === 2)!;
    const g = fixtures.find((x) => x.version === 4 && x.opt === 2)!;
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let errors = 0;
    let runs = 0;
    for (const fixture of [f, g]) {
      const elf = parseElf(fs.readFileSync(fixture.elf));
      const good = dwarfSections(elf);
      const pcs = elf.symbols().filter((s) => s.type === 2 && s.size > 0n).flatMap((s) => [s.value, s.value + (s.size / 2n & ~1n)]);
      for (let i = 0; i < 400; i++) {
        const key = (['info', 'abbrev'] as const)[next() % 2];
        const bytes = Uint8Array.from(good[key]!);
        for (let k = 0; k < 3; k++) bytes[next() % bytes.length] = next() & 0xff;
        const e = walkEverything({ ...good, [key]: bytes }, pcs);
        runs++;
        if (e !== undefined) {
          if ((e as Error).name !== 'DwarfError') throw e;
          expect((e as Error).message).toMatch(/^\.debug_\w+(\+0x[0-9a-f]+)?: |^DW_FORM/);
          errors++;
        }
      }
    }
    expect(runs).toBe(800);
    expect(errors).toBeGreaterThan(50);
  }, 120_000);
});

/** Read all a stop could: scopes and globals at each pc, every variable's type (members two deep), names, sizes, locations. */
function walkEverything(s: DwarfSections, pcs: bigint[]): unknown {
  try {
    const program = ProgramData.fromSections(s);
    const seen = new Set<CType>();
    const visit = (t: CType, depth: number): void => {
      if (seen.has(t) || depth > 2) return;
      seen.add(t);
      typeName(t);
      sizeOf(t);
      if (t.kind === 'pointer' || t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile') visit(t.target, depth + 1);
      else if (t.kind === 'array') visit(t.element, depth + 1);
      else if (t.kind === 'struct' || t.kind === 'union') t.members.forEach((m) => visit(m.type, depth + 1));
      else if (t.kind === 'function') [t.returns, ...t.params].forEach((p) => visit(p, depth + 1));
    };
    for (const pc of pcs) {
      for (const v of [...program.scopesAt(pc).flatMap((x) => x.variables), ...program.unitGlobals(pc)]) {
        visit(v.type, 0);
        program.locationAt(v.location, pc);
      }
    }
    program.findType('node', 'struct');
    program.findFunction('shadow');
    program.findVariable('g_node');
    return undefined;
  } catch (e) {
    return e;
  }
}

// Functions from several subsystems: fs, mm, kernel/sched, kernel, lib, drivers, block, net.
const LINUX_FUNCTIONS = ['do_sys_openat2', 'getname_flags', 'path_openat', 'do_filp_open', 'vfs_read', 'vfs_write', 'ksys_read', 'ksys_write',
  '__schedule', 'try_to_wake_up', 'schedule_timeout', 'copy_process', 'kernel_clone', 'do_exit', '__alloc_pages', 'get_page_from_freelist',
  'kfree', 'handle_mm_fault', 'filemap_fault', 'vfs_open', 'do_dentry_open', 'link_path_walk', 'dput', 'iput', '__fput', 'fd_install',
  'vsnprintf', 'strncpy_from_user', 'kstrtoull', 'rb_insert_color', 'queue_work_on', 'process_one_work', 'worker_thread', 'hrtimer_interrupt',
  'update_process_times', 'scheduler_tick', 'enqueue_task_fair', 'pick_next_task_fair', 'load_elf_binary', 'bprm_execve', 'do_mmap',
  'mmap_region', 'tty_write', 'n_tty_write', 'serial8250_tx_chars', 'submit_bio', 'blk_mq_submit_bio', 'sock_sendmsg', 'lookup_fast', 'alloc_fd'];

describe.skipIf(!vmlinux)('DWARF variables against gdb-multiarch (vmlinux)', () => {
  it('50 kernel functions, at their entry and middle: the variables in scope as info scope lists them', () => {
    const symbols = KernelSymbols.open(vmlinux!);
    const program = symbols.program!;
    const pcs: Array<{ pc: bigint; where: string }> = [];
    for (const name of LINUX_FUNCTIONS) {
      const s = symbols.elf.symbols().find((x) => x.name === name && x.type === 2 && x.size > 0n);
      if (!s) continue;
      pcs.push({ pc: s.value, where: name }, { pc: s.value + ((s.size / 2n) & ~1n), where: `${name} (middle)` });
    }
    const t0 = performance.now();
    for (const { pc } of pcs) program.scopesAt(pc);
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    for (const { pc } of pcs) program.scopesAt(pc);
    const againMs = performance.now() - t1;
    const { mismatches, variables } = compareScopes(program, vmlinux!, pcs);
    console.log(`vmlinux: ${pcs.length} pcs, ${variables} variables; scopesAt ${firstMs.toFixed(0)} ms cold (units parsed), ${againMs.toFixed(1)} ms cached; ${mismatches.length} disagreements`);
    expect(pcs.length).toBeGreaterThan(90);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(variables).toBeGreaterThan(300);
  }, 300_000);
});
