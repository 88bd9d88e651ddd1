// format.ts against gdb-multiarch itself: gdb reads initialised data straight from an ELF file with
// no process (`gdb -batch -ex 'print x' file`: .data from the file, .bss as zeros, gaps between
// sections unreadable), and so does a Memory built here over the file's allocated sections. For
// every expression, our formatPrint of the value (types from dwarf/program.ts, the symbols of <...>
// from symtab.ts) must be gdb's `print` text, or our ValueError gdb's error message.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile, parseElf } from '../../src/elf/elf';
import { ProgramData } from '../../src/symbols/dwarf/program';
import { dwarfSections } from '../../src/symbols/dwarf/sections';
import { VOID } from '../../src/symbols/dwarf/types';
import { isLocalLabel, SymbolTable } from '../../src/symbols/symtab';
import { formatPrint, gdbSymbolizer } from '../../src/symbols/values/format';
import {
  deref, elementOf, fromInteger, memberOf, membersOf, Memory, pointerTo, strip, TypedValue, ValueError,
} from '../../src/symbols/values/value';
import { requireLinuxGuest, requireTool } from '../cli/helpers';

const SHF_ALLOC = 0x2n;
const SHT_NOBITS = 8;

/** The ELF's allocated sections as gdb's exec target reads them: NOBITS as zeros, nothing between sections. */
export function elfMemory(elf: ElfFile): Memory {
  const sections = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0n && s.addr !== 0n && s.size > 0)
    .sort((a, b) => (a.addr < b.addr ? -1 : 1));
  const readOne = (address: bigint): number | undefined => {
    // Sections are few (tens): a linear scan is fast enough for a test.
    for (const s of sections) {
      if (address >= s.addr && address < s.addr + BigInt(s.size)) {
        return s.type === SHT_NOBITS ? 0 : elf.bytes(s.offset + Number(address - s.addr), 1)[0];
      }
    }
    return undefined;
  };
  return {
    read(address, length) {
      const s = sections.find((x) => address >= x.addr && address + BigInt(length) <= x.addr + BigInt(x.size));
      if (s) return s.type === SHT_NOBITS ? new Uint8Array(length) : elf.bytes(s.offset + Number(address - s.addr), length).slice();
      const out = new Uint8Array(length);  // across adjacent sections, byte by byte
      for (let i = 0; i < length; i++) {
        const b = readOne(address + BigInt(i));
        if (b === undefined) return undefined;
        out[i] = b;
      }
      return out;
    },
  };
}

/** A global's value: DW_OP_addr (the only location a global in these files has). */
function globalValue(program: ProgramData, name: string): TypedValue {
  const v = program.findVariable(name);
  const fn = v ? undefined : program.findFunction(name);
  if (fn) return { type: fn.type, address: fn.address };
  if (!v) throw new ValueError(`No symbol "${name}" in current context.`);
  const loc = v.location;
  if (loc.kind === 'expression' && loc.expression.length === 9 && loc.expression[0] === 0x03) {
    const address = new DataView(loc.expression.buffer, loc.expression.byteOffset).getBigUint64(1, true);
    return { type: v.type, address };
  }
  throw new Error(`${name}: a location this test does not evaluate (${loc.kind})`);
}

/** `name(.member | ->member | [n])*`, and a leading `*`: the paths the tests ask about. */
function evaluate(program: ProgramData, memory: Memory, expression: string): TypedValue {
  const m = /^(\*?)([A-Za-z_]\w*)(.*)$/.exec(expression);
  if (!m) throw new Error(`cannot parse ${expression}`);
  let v = globalValue(program, m[2]);
  for (const step of m[3].matchAll(/\.(\w+)|->(\w+)|\[(\d+)\]/g)) {
    if (step[1]) v = memberOf(v, step[1]);
    else if (step[2]) v = memberOf(deref(v, memory), step[2]);
    else v = elementOf(v, BigInt(step[3]), memory);
  }
  return m[1] ? deref(v, memory) : v;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-values-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** gdb-multiarch's `print` of each expression, with no process: the text after `$n = `, or the error line. */
function gdbPrints(file: string, expressions: string[]): string[] {
  const args = ['-nx', '-batch', '-iex', 'set auto-load no', '-ex', 'set width 0', '-ex', 'set pagination off'];
  expressions.forEach((e, i) => args.push('-ex', `echo @@${i}\\n`, '-ex', `print ${e}`));
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@" 2>&1', 'sh', 'gdb-multiarch', ...args, file],
    // gdb's host charset, and so how it prints bytes >= 0x80, follows the locale: UTF-8, as format.ts assumes.
    { cwd: tmp, encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 28, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.error) throw r.error;
  // gdb's errors (stderr) come through the same stream (2>&1), after their marker.
  const out = new Map<number, string>();
  const text = r.stdout;
  const blocks = text.split(/^@@(\d+)\n/m);
  for (let i = 1; i < blocks.length; i += 2) out.set(Number(blocks[i]), blocks[i + 1].replace(/\n$/, ''));
  return expressions.map((_, i) => {
    const printed = out.get(i) ?? '';
    const value = /^\$\d+ = ([^]*)$/.exec(printed);
    return value ? value[1] : `error: ${printed.replace(/^warning: .*\n/gm, '')}`;
  });
}

interface Disagreement { expression: string; gdb: string; ours: string }

/** Compare our print with gdb's for every expression; the disagreements. */
function compare(file: string, expressions: string[]): { agreed: number; disagreements: Disagreement[] } {
  const elf = parseElf(fs.readFileSync(file));
  const program = ProgramData.fromSections(dwarfSections(elf));
  const memory = elfMemory(elf);
  const symbolize = gdbSymbolizer(new SymbolTable(elf.symbols(), elf.sections), elf.symbols(), elf.sections, program);
  const gdb = gdbPrints(file, expressions);
  const disagreements: Disagreement[] = [];
  let agreed = 0;
  expressions.forEach((expression, i) => {
    let ours: string;
    try {
      ours = formatPrint(evaluate(program, memory, expression), memory, { symbolize });
    } catch (e) {
      // A ValueError is what gdb says too; anything else (a DwarfError of the type reader) is ours alone.
      ours = e instanceof ValueError ? `error: ${e.message}` : `threw ${String(e)}`;
    }
    const theirs = gdb[i];
    if (ours === theirs) agreed++;
    else disagreements.push({ expression, gdb: theirs, ours });
  });
  return { agreed, disagreements };
}

function report(what: string, r: { agreed: number; disagreements: Disagreement[] }): void {
  console.log(`${what}: ${r.agreed} of ${r.agreed + r.disagreements.length} values print as gdb prints them`);
  for (const d of r.disagreements) console.log(`  ${d.expression}\n    gdb:  ${d.gdb}\n    ours: ${d.ours}`);
}

const FIXTURE = path.join(__dirname, 'fixtures', 'values.c');
const haveTools = !requireTool('gdb-multiarch', 'scripts/setup-debian installs it (gdb-multiarch)') &&
  !requireTool('riscv64-unknown-elf-gcc', 'scripts/setup-debian installs it (gcc-riscv64-unknown-elf)');

describe.skipIf(!haveTools)('formatPrint against gdb-multiarch on a compiled fixture', () => {
  const source = fs.readFileSync(FIXTURE, 'utf8');
  // Every initialised global of the fixture, and `*p` for its pointers to data.
  const globals = [...source.matchAll(/^[a-z][\w *]*?\b(\w+)(?:\[\w*\])*(?: = .*)?;$/gm)].map((m) => m[1]);
  const expressions = [...globals.filter((g) => g !== 'u8'), 'cplx', 'un', 'fparr', 'parr', 'pstr', '*parr', '*pstr', '*op', '*ptr_int', 'out.b', 'out.anon', 'out.x', 'out.arr[2]',
    'bf.neg', 'bf.s', 'arr_s[1]', 'md[1]', 'op->b', 'strs[1]', 'twice'];
  for (const dwarf of ['-gdwarf-4', '-gdwarf-5']) {
    for (const opt of ['-O0', '-O2']) {
      it(`prints every global as gdb does (${dwarf} ${opt})`, () => {
        const elf = path.join(tmp, `values${dwarf}${opt}.elf`);
        const cc = spawnSync('riscv64-unknown-elf-gcc', [dwarf, opt, '-g', '-nostdlib', '-ffreestanding', '-fno-common',
          '-Wl,-Ttext=0x10000', '-Wl,-e,twice', '-o', elf, FIXTURE], { encoding: 'utf8' });
        expect(cc.status, cc.stderr).toBe(0);
        const r = compare(elf, expressions);
        report(`fixture ${dwarf} ${opt}`, r);
        expect(r.disagreements).toEqual([]);
        expect(r.agreed).toBe(expressions.length);
      });
    }
  }
});

const vmlinux = haveTools ? requireLinuxGuest('the value formatting test prints vmlinux\'s globals as gdb does')?.vmlinux : undefined;

describe.skipIf(!vmlinux)('formatPrint against gdb-multiarch on vmlinux (DWARF 4)', () => {
  it('prints init_task\'s members, tables of function pointers, strings, enums and arrays as gdb does', () => {
    const elf = parseElf(fs.readFileSync(vmlinux!));
    const program = ProgramData.fromSections(dwarfSections(elf));
    const memory = elfMemory(elf);
    const task = globalValue(program, 'init_task');
    const members = membersOf(task).filter((m) => m.name !== undefined).map((m) => `init_task.${m.name}`);
    // A few structs of init_task one level further, and other kinds of globals.
    const nested = ['init_task.se', 'init_task.thread', 'init_task.signal', 'init_task.thread_info', 'init_task.tasks',
      'init_task.fs', 'init_task.files', 'init_task.pending', 'init_task.rt', 'init_task.sighand'].filter((e) => {
      try { return strip(evaluate(program, memory, e).type).kind === 'struct'; } catch { return false; }
    });
    const nestedMembers = nested.flatMap((e) => membersOf(evaluate(program, memory, e))
      .filter((m) => m.name !== undefined).map((m) => `${e}.${m.name}`));
    const others = ['linux_banner', 'linux_proc_banner', 'def_blk_fops', 'simple_dir_operations', 'init_mm', 'init_fs',
      'init_files', 'init_signals', 'init_sighand', 'jiffies_64', 'system_state', 'init_uts_ns', 'init_uts_ns.name',
      'init_uts_ns.name.sysname', 'root_mountflags', 'saved_command_line', 'init_struct_pid', 'init_cred',
      'generic_ro_fops', 'pipefifo_fops', 'def_chr_fops', 'nr_cpu_ids', 'cpu_possible_mask', 'init_pid_ns',
      'loops_per_jiffy', 'panic_timeout', 'printk_time', 'kptr_restrict', 'init_task.comm', '*init_task.stack',
      'init_task.comm[0]', 'init_task.tasks.next', 'init_task.tasks.next->next', 'init_mm.pgd', 'init_mm.mmap_lock',
      'init_task.sched_class', 'init_task.thread_info.flags', 'init_task.se.load', 'init_task.real_parent->comm'];
    const expressions = [...members, ...nestedMembers, ...others];
    const r = compare(vmlinux!, expressions);
    report('vmlinux', r);
    expect(expressions.length).toBeGreaterThanOrEqual(200);
    expect(r.disagreements).toEqual([]);
  }, 600_000);
});

describe.skipIf(!vmlinux)('<symbol> of addresses against gdb-multiarch on vmlinux', () => {
  it('names code by its DWARF function and data by the ELF symbol as gdb decodes it (clones, .N statics)', () => {
    const elf = parseElf(fs.readFileSync(vmlinux!));
    const table = new SymbolTable(elf.symbols(), elf.sections);
    // ELF symbols whose names carry a compiler suffix (`.part.0`, `.isra.0`, `.constprop.0`, a
    // static's `.1`, `CSWTCH.184`), code and data, sampled evenly, and a plain one for each; each
    // at its start and a few bytes in.
    const named = elf.symbols().filter((x) => x.name.includes('.') && !isLocalLabel(x.name) && x.value !== 0n && table.lookup(x.value)?.address === x.value)
      .sort((a, b) => (a.value < b.value ? -1 : 1));
    const step = Math.max(1, Math.floor(named.length / 120));
    const sample = named.filter((_, i) => i % step === 0);
    const plain = sample.map((x) => table.lookup(x.value + (x.size > 0n ? x.size : 8n))).filter((h) => h !== undefined).map((h) => h!.address);
    const addresses = [...sample.map((x) => x.value), ...sample.map((x) => x.value + 6n), ...plain];
    const expressions = addresses.map((a) => `(void *)0x${a.toString(16)}`);
    const gdb = gdbPrints(vmlinux!, expressions);
    const symbolize = gdbSymbolizer(table, elf.symbols(), elf.sections, ProgramData.fromSections(dwarfSections(elf)));
    const memory = elfMemory(elf);
    const disagreements: Disagreement[] = [];
    addresses.forEach((a, i) => {
      const ours = formatPrint(fromInteger(pointerTo(VOID), a), memory, { symbolize });
      if (ours !== gdb[i]) disagreements.push({ expression: expressions[i], gdb: gdb[i], ours });
    });
    report('vmlinux <symbol>', { agreed: addresses.length - disagreements.length, disagreements });
    expect(expressions.length).toBeGreaterThanOrEqual(300);
    expect(disagreements).toEqual([]);
  }, 600_000);
});
