// DWARF types (src/symbols/dwarf/types.ts) against gdb-multiarch: every member's offset, bit
// offset, size and declaration as `ptype/o` prints them, type names as `whatis` spells them and
// sizes as `sizeof` gives them, on C fixtures (DWARF 4 and 5, -O0 and -O2) and on ~40 structs of
// the Linux guest's vmlinux; absurd array bounds and type cycles reported as DwarfError.

import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelSymbols } from '../../src/symbols';
import { CType, StructType } from '../../src/symbols/dwarf/model';
import { DebugInfo } from '../../src/symbols/dwarf/info';
import { NameIndex } from '../../src/symbols/dwarf/names';
import { ProgramData } from '../../src/symbols/dwarf/program';
import { dwarfSections } from '../../src/symbols/dwarf/sections';
import { declaration, sizeOf, typeName } from '../../src/symbols/dwarf/types';
import { requireLinuxGuest, requireTool } from '../cli/helpers';
import { compileFixtures, Fixture, gdbBatch, GCC, GDB } from './dwarf-fixtures';

const NO_TOOLS = requireTool(GCC, 'the DWARF type tests compile C fixtures; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)')
  || requireTool(GDB, 'the DWARF type tests compare with gdb-multiarch; scripts/setup-debian installs it');
const vmlinux = NO_TOOLS ? undefined : requireLinuxGuest('the DWARF type test on vmlinux compares 40 structs with gdb')?.vmlinux;

interface GdbMember { offset?: number; bit?: number; size: number; decl: string }

/** gdb's `ptype/o struct X`: its top-level members (nested expansions folded to "struct {...} name") and total size. */
function parsePtypeO(text: string): { members: GdbMember[]; total?: number } {
  const members: GdbMember[] = [];
  let depth = 0;
  let pending: GdbMember | undefined;
  let total: number | undefined;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /total size \(bytes\):\s+(\d+)/.exec(line))) total = Number(m[1]);
    if (/type = .*\{$/.test(line)) { depth = 1; continue; }
    if (/^\/\* XXX/.test(line)) continue;
    if ((m = /^\/\*\s+(?:(\d+)(?::\s*(\d+))?\s+\|)?\s+(\d+) \*\/( +)(\S.*)$/.exec(line))) {
      const text = m[5];
      if (depth === 1 && m[4].length === 4) {
        const member: GdbMember = { ...(m[1] !== undefined ? { offset: Number(m[1]) } : {}), ...(m[2] !== undefined ? { bit: Number(m[2]) } : {}), size: Number(m[3]), decl: text.replace(/;$/, '').replace(/^enum \{[^}]*\}/, 'enum {...}') };
        if (text.endsWith('{')) {
          pending = member;
          depth = 2;
        } else members.push(member);
      } else if (text.endsWith('{')) depth++;
      continue;
    }
    if ((m = /^\s+\}(?: ([^;]*))?;$/.exec(line)) && depth >= 2) {
      depth--;
      if (depth === 1 && pending) {
        // An expanded member: "struct list_head {" ... "} tasks;", or an anonymous "union {" ... "};".
        pending.decl = pending.decl.replace(/^((?:struct|union|enum) \S+) \{$/, '$1').replace(/\{$/, '{...}') + (m[1] ? ` ${m[1]}` : '');
        members.push(pending);
        pending = undefined;
      }
    }
  }
  return { members, total };
}

/** Our members in ptype/o's terms. */
function ourMembers(t: StructType): GdbMember[] {
  return t.members.map((m) => ({
    ...(t.kind !== 'union' ? { offset: m.offset } : {}),
    ...(m.bitSize !== undefined ? { bit: m.bitOffset! % 8 } : {}),
    size: sizeOf(m.type) ?? 0,
    decl: declaration(m.type, m.name ?? '') + (m.bitSize !== undefined ? ` : ${m.bitSize}` : ''),
  }));
}

/** Compare the structs by name with gdb's ptype/o; the mismatches, described. */
function compareStructs(program: ProgramData, file: string, names: string[]): { mismatches: string[]; members: number } {
  const answers = gdbBatch(file, names.map((n) => `ptype/o struct ${n}`));
  const mismatches: string[] = [];
  let members = 0;
  names.forEach((name, i) => {
    const want = parsePtypeO(answers[i]);
    const t = program.findType(name, 'struct') as StructType | undefined;
    if (!t) return mismatches.push(`struct ${name}: not found (gdb: ${answers[i].slice(0, 80)})`);
    const got = ourMembers(t);
    members += got.length;
    if (want.total !== t.size) mismatches.push(`struct ${name}: size ${t.size}, gdb ${want.total}`);
    if (got.length !== want.members.length) mismatches.push(`struct ${name}: ${got.length} members, gdb ${want.members.length}`);
    want.members.forEach((w, k) => {
      if (JSON.stringify(got[k]) !== JSON.stringify(w)) mismatches.push(`struct ${name} member ${k}: ours ${JSON.stringify(got[k])}, gdb ${JSON.stringify(w)}`);
    });
  });
  return { mismatches, members };
}

const GLOBALS = ['g_ptr_decl', 'global_counter', 'static_counter', 'greeting', 'cvs', 'g_bits', 'g_flex', 'g_zero', 'g_ops', 'g_node', 'g_color',
  'g_flags', 'g_bool', 'g_f', 'g_d', 'g_ld', 'g_sc', 'g_uc', 'g_s', 'g_us', 'g_ll', 'g_ull', 'g_l', 'g_u', 'g_atomic', 'g_restrict', 'g_unknown_bound',
  'g_matrix', 'g_fn_ret_ptr', 'g_size'];
const EXPRESSIONS = ['g_node.kids', 'g_node.m', 'g_node.cp', 'g_node.pp', 'g_node.ptrs', 'g_node.u', 'g_ops.va', 'g_ops.np', 'g_ops.v', 'g_ops.h',
  'g_bits.pos', 'g_bits.arr', 'g_flex->data', 'g_zero.z', 'g_node.tag'];
const STRUCTS = ['bits', 'node', 'ops', 'flex', 'zero', 'decl_elsewhere'];

/** The type of `a.b->c` from a global through members (a pointer's target for ->). */
function typeOfPath(program: ProgramData, path: string): CType {
  const [head, ...rest] = path.split(/\.|->/);
  let t = program.findVariable(head)!.type;
  for (const name of rest) {
    let s = t;
    while (s.kind === 'typedef' || s.kind === 'const' || s.kind === 'volatile' || s.kind === 'pointer') s = s.target;
    if (s.kind !== 'struct' && s.kind !== 'union') throw new Error(`${path}: ${name} of a ${s.kind}`);
    t = s.members.find((m) => m.name === name)!.type;
  }
  return t;
}

describe.skipIf(NO_TOOLS)('DWARF types against gdb-multiarch (C fixtures)', () => {
  let dir = '';
  let fixtures: Fixture[] = [];
  beforeAll(() => ({ dir, fixtures } = compileFixtures()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('whatis, sizeof and ptype/o agree for every global and struct, at DWARF 4 and 5, -O0 and -O2', () => {
    for (const f of fixtures) {
      const program = KernelSymbols.open(f.elf).program!;
      const exprs = [...GLOBALS, ...EXPRESSIONS];
      const answers = gdbBatch(f.elf, [...exprs.map((e) => `whatis ${e}`), ...GLOBALS.map((g) => `print sizeof(${g})`)]);
      exprs.forEach((e, i) => expect(`${f.name} ${e}: type = ${typeName(typeOfPath(program, e))}`).toBe(`${f.name} ${e}: ${answers[i].trim()}`));
      GLOBALS.forEach((g, i) => {
        const m = /= (\d+)/.exec(answers[exprs.length + i]);
        expect(`${f.name} sizeof ${g} = ${sizeOf(program.findVariable(g)!.type)}`).toBe(`${f.name} sizeof ${g} = ${m?.[1]}`);
      });
      const { mismatches, members } = compareStructs(program, f.elf, STRUCTS);
      expect(mismatches, f.name).toEqual([]);
      expect(members).toBeGreaterThan(30);
    }
  });

  it('enumerators keep their sign; a struct declared in one file is completed from the other', () => {
    for (const f of fixtures) {
      const program = KernelSymbols.open(f.elf).program!;
      const names = ['RED', 'GREEN', 'BLUE', 'F_A', 'F_C'];
      const answers = gdbBatch(f.elf, names.map((n) => `print/d (long long)${n}`));
      const color = program.findType('color', 'enum')!;
      const flags = program.findType('flags', 'enum')!;
      expect(color.kind === 'enum' && color.signed).toBe(true);
      expect(flags.kind === 'enum' && flags.signed).toBe(false);
      const values = [...(color.kind === 'enum' ? color.enumerators : []), ...(flags.kind === 'enum' ? flags.enumerators : [])];
      names.forEach((n, i) => expect(`${n} = ${values.find((e) => e.name === n)!.value}`).toBe(`${n} = ${/= (-?\d+)/.exec(answers[i])![1]}`));
      // g_ptr_decl's target is a declaration in a.c; the definition is in b.c's unit.
      const decl = program.findVariable('g_ptr_decl')!.type;
      expect(decl.kind).toBe('pointer');
      const target = decl.kind === 'pointer' ? decl.target : decl;
      const def = program.findType('decl_elsewhere', 'struct')!;
      expect(target.kind === 'struct' && !target.incomplete && target.size === 24 && target.id === def.id).toBe(true);
      expect(target.kind === 'struct' && target.members.map((m) => m.name)).toEqual(['id', 'label', 'next']);
      // A cycle through pointers is a finite object graph.
      const node = program.findType('node', 'struct') as StructType;
      const next = node.members[0].type;
      expect(next.kind === 'pointer' && next.target).toBe(node);
      // Functions by name, with gdb's spelling of their type.
      const fn = gdbBatch(f.elf, ['whatis shadow', 'info address shadow']);
      const shadow = program.findFunction('shadow')!;
      expect(`type = ${typeName(shadow.type)}`).toBe(fn[0].trim());
      expect(fn[1]).toContain(`0x${shadow.address.toString(16)}`);
    }
  });
});

// The structs of the issue and around them: fs, mm, sched, net, block, lib.
const LINUX_STRUCTS = ['task_struct', 'file', 'inode', 'dentry', 'open_how', 'filename', 'mm_struct', 'list_head', 'page', 'super_block',
  'path', 'qstr', 'vm_area_struct', 'cred', 'files_struct', 'fdtable', 'sk_buff', 'socket', 'sock', 'net_device', 'bio', 'request_queue',
  'kobject', 'device', 'kernfs_node', 'timer_list', 'hrtimer', 'work_struct', 'rq', 'sched_entity', 'cfs_rq', 'pt_regs', 'thread_struct',
  'file_operations', 'inode_operations', 'address_space', 'kref', 'rb_node', 'hlist_head', 'mutex', 'spinlock', 'wait_queue_head',
  'seq_file', 'pid', 'signal_struct', 'nameidata', 'kstat', 'iov_iter', 'kiocb', 'folio'];

describe.skipIf(!vmlinux)('DWARF types against gdb-multiarch (vmlinux)', () => {
  it('50 kernel structs: every member offset, bit offset, size and declaration as ptype/o prints them', () => {
    const symbols = KernelSymbols.open(vmlinux!);
    const program = symbols.program!;
    const t0 = performance.now();
    program.index();
    const indexMs = performance.now() - t0;
    const { mismatches, members } = compareStructs(program, vmlinux!, LINUX_STRUCTS);
    console.log(`vmlinux: name index ${JSON.stringify(program.index().stats)} (${indexMs.toFixed(0)} ms); ${members} members of ${LINUX_STRUCTS.length} structs compared`);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(members).toBeGreaterThan(800);
  }, 300_000);

  it('a type by name at a pc is the definition in the unit holding the pc, as the program-wide index picks it, and as gdb sizes it', () => {
    const symbols = KernelSymbols.open(vmlinux!);
    const program = symbols.program!;
    const pc = symbols.functionAddress('do_sys_openat2')!;
    const unit = program.unitOf(pc)!;
    const t0 = performance.now();
    const task = program.findType('task_struct', 'struct', pc) as StructType;
    const unitMs = performance.now() - t0;
    // fs/open.c's own definition (its DIE inside that unit), as gdb sizes it.
    expect(unit.name).toMatch(/fs\/open\.c$/);
    const next = program.findType('task_struct', 'struct', pc)!;
    expect(task.id === next.id && task.kind === 'struct' && !task.incomplete).toBe(true);
    const [size] = gdbBatch(vmlinux!, ['print sizeof(struct task_struct)']);
    expect(`= ${task.size}`).toBe(/= \d+/.exec(size)![0]);
    const cu = DebugInfo.fromSections(dwarfSections(symbols.elf)).unitAt(pc)!;
    expect(cu.offset).toBe(unit.offset);
    expect(task.id >= cu.dieStart && task.id < cu.end).toBe(true);
    // The program-wide index, preferring that unit, gives the same entry.
    expect(NameIndex.pick(program.index().types.get('struct task_struct'), cu)).toBe(task.id);
    console.log(`vmlinux: struct task_struct at do_sys_openat2 from fs/open.c's unit in ${unitMs.toFixed(0)} ms (the program-wide index: ${program.index().stats.milliseconds.toFixed(0)} ms)`);
  }, 300_000);
});
