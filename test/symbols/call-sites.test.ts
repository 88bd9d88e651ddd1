// Call sites (DWARF 5, 3.4) against GNU readelf: every DW_TAG_call_site / DW_TAG_GNU_call_site of
// a C fixture built -O2 for DWARF 4 and 5 by both GCCs, and of vmlinux's kernel/sched/core.c
// unit, with its return address, callee, tail-call flag, indirect target and
// the register parameters' DW_AT_call_value (what DW_OP_entry_value is resolved from), as readelf
// --debug-dump=info prints them. Also: the callee each target names (the ELF symbol's address),
// gdb's refusal of a function that can call itself through tail calls, and fuzzed .debug_info.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/elf';
import { KernelSymbols } from '../../src/symbols';
import { CallSite, CallSiteReader } from '../../src/symbols/dwarf/call-sites';
import { Dies } from '../../src/symbols/dwarf/dies';
import { ProgramData } from '../../src/symbols/dwarf/program';
import { DwarfSections, dwarfSections } from '../../src/symbols/dwarf/sections';
import { requireLinuxGuest, requireTool } from '../cli/helpers';
import { random } from './dwarf-bytes';

const READELF = 'riscv64-unknown-elf-readelf';
const COMPILERS = ['riscv64-unknown-elf-gcc', 'riscv64-linux-gnu-gcc'];
const NO_TOOLS = requireTool(READELF, 'the call site tests compare with readelf --debug-dump=info; scripts/setup-debian installs it')
  || COMPILERS.some((c) => requireTool(c, 'the call site tests compile C fixtures with it; scripts/setup-debian installs it'));
const vmlinux = NO_TOOLS ? undefined : requireLinuxGuest('the call site test reads vmlinux units')?.vmlinux;

// Arguments passed in callee-saved registers, as constants, as the caller's own entry values; a
// direct call, a tail call, mutual tail recursion, an indirect call and a call to a function
// declared here and defined in the other file.
const CS_C = `
extern long ext(long);
extern void sink(long);
typedef long (*op_t)(long, long);
__attribute__((noinline)) long leaf(long a, long b) { sink(a); sink(b); return 0; }
__attribute__((noinline)) long pass(long x, long y) { long r = leaf(x * 2, 7); sink(r); return r + ext(y); }
__attribute__((noinline)) long pong(long n);
__attribute__((noinline)) long ping(long n) { if (n <= 0) return 0; sink(n); return pong(n - 1); }
__attribute__((noinline)) long pong(long n) { sink(n); return ping(n); }
__attribute__((noinline)) long via(op_t f, long k) { long r = f(k, 3); sink(r); return r + 1; }
__attribute__((noinline)) long add(long a, long b) { sink(a + b); return a; }
__attribute__((noinline)) long tail(long q) { sink(q); return leaf(q, q + 1); }
void sink(long v) { __asm__ volatile("" :: "r"(v)); }
long g;
void _start(void) { g = pass(g, 5) + ping(g) + via(add, g) + tail(9); for (;;) ; }
`;
const EXT_C = 'extern void sink(long); long ext(long v) { sink(v); return v * 3; }\n';

interface Fixture { name: string; elf: string }

const dir = NO_TOOLS ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-call-sites-'));
afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

function compile(): Fixture[] {
  fs.writeFileSync(path.join(dir, 'cs.c'), CS_C);
  fs.writeFileSync(path.join(dir, 'ext.c'), EXT_C);
  const out: Fixture[] = [];
  for (const gcc of COMPILERS) {
    for (const version of [4, 5]) {
      const name = `${gcc} -gdwarf-${version} -O2`;
      const elf = path.join(dir, `${gcc}-${version}.elf`);
      const r = spawnSync(gcc, [`-gdwarf-${version}`, '-O2', '-mcmodel=medany', '-nostdlib', '-ffreestanding', '-static', '-Wl,-Ttext=0x80000000', '-o', elf, 'cs.c', 'ext.c'], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      out.push({ name, elf });
    }
  }
  return out;
}

function readelf(args: string[]): string {
  const r = spawnSync(READELF, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** One DIE as readelf prints it: depth, offset, tag, attributes by name (value text). */
interface TextDie { depth: number; offset: number; tag: string; attributes: Map<string, string> }

function readelfDies(text: string): TextDie[] {
  const out: TextDie[] = [];
  for (const line of text.split('\n')) {
    const d = /^ <(\d+)><([0-9a-f]+)>: Abbrev Number: \d+ \((\w+)\)/.exec(line);
    if (d) { out.push({ depth: Number(d[1]), offset: parseInt(d[2], 16), tag: d[3], attributes: new Map() }); continue; }
    const a = /^ {4}<[0-9a-f]+> +(DW_AT_\w+) *: (.*)$/.exec(line);
    if (a && out.length) out[out.length - 1].attributes.set(a[1], a[2]);
  }
  return out;
}

/** A call site as both sides describe it, in text: what the test compares. */
interface SiteText { offset: string; returnPc: string; subprogram: string; allTailCalls: boolean; tailCall: boolean; origin?: string; target?: string; parameters: string[] }

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16)).join(' ');
/** readelf's "N byte block: 78 48 \t(...)": the bytes. */
const blockBytes = (v: string | undefined): string | undefined => v && /^\d+ byte block: ([0-9a-f ]*?) ?\t/.exec(v)?.[1];

/** The call sites readelf prints, with their enclosing subprogram's offset and call-site attributes. */
function readelfSites(dies: TextDie[]): SiteText[] {
  const out: SiteText[] = [];
  const open: TextDie[] = [];
  for (let i = 0; i < dies.length; i++) {
    const die = dies[i];
    open.length = die.depth;
    open.push(die);
    if (die.tag !== 'DW_TAG_call_site' && die.tag !== 'DW_TAG_GNU_call_site') continue;
    const fn = [...open].reverse().find((x) => x.tag === 'DW_TAG_subprogram');
    const a = die.attributes;
    const ret = a.get('DW_AT_call_return_pc') ?? a.get('DW_AT_low_pc');
    if (!fn || !ret) continue;
    const parameters: string[] = [];
    for (let j = i + 1; j < dies.length && dies[j].depth > die.depth; j++) {
      const p = dies[j];
      if (p.depth !== die.depth + 1 || !/call_site_parameter$/.test(p.tag) || p.tag === 'DW_TAG_call_site') continue;
      const reg = /^1 byte block: [0-9a-f]+ \t\(DW_OP_reg(\d+) |^\d+ byte block: 90 [0-9a-f ]+\t\(DW_OP_regx: (\d+) /.exec(p.attributes.get('DW_AT_location') ?? '');
      const value = blockBytes(p.attributes.get('DW_AT_call_value') ?? p.attributes.get('DW_AT_GNU_call_site_value'));
      if (reg && value !== undefined) parameters.push(`r${reg[1] ?? reg[2]}=${value}`);
    }
    const all = ['DW_AT_call_all_calls', 'DW_AT_call_all_tail_calls', 'DW_AT_GNU_all_call_sites', 'DW_AT_GNU_all_tail_call_sites'].some((n) => fn.attributes.get(n) === '1');
    const origin = a.get('DW_AT_call_origin') ?? a.get('DW_AT_abstract_origin');
    const target = blockBytes(a.get('DW_AT_call_target') ?? a.get('DW_AT_GNU_call_site_target'));
    out.push({
      offset: die.offset.toString(16), returnPc: BigInt(ret.trim()).toString(16), subprogram: fn.offset.toString(16), allTailCalls: all,
      tailCall: (a.get('DW_AT_call_tail_call') ?? a.get('DW_AT_GNU_tail_call')) === '1',
      ...(origin ? { origin: /<0x([0-9a-f]+)>/.exec(origin)![1] } : {}), ...(target !== undefined ? { target } : {}),
      parameters: parameters.sort(),
    });
  }
  return out;
}

function ourSite(s: CallSite): SiteText {
  return {
    offset: s.offset.toString(16), returnPc: s.returnPc.toString(16), subprogram: s.subprogram.toString(16), allTailCalls: s.allTailCalls, tailCall: s.tailCall,
    ...(s.origin !== undefined ? { origin: s.origin.toString(16) } : {}), ...(s.target ? { target: hex(s.target) } : {}),
    parameters: [...s.parameters].map(([r, v]) => `r${r}=${hex(v)}`).sort(),
  };
}

const load = (file: string): DwarfSections => dwarfSections(parseElf(fs.readFileSync(file)));

describe.skipIf(NO_TOOLS)('call sites as readelf prints them', () => {
  const fixtures = NO_TOOLS ? [] : compile();

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: every call site, its callee and its register parameters', (_, f) => {
    const s = load(f.elf);
    const dies = new Dies(s);
    const reader = new CallSiteReader(dies);
    const ours = dies.units().flatMap((u) => reader.unitCallSites(u).map(ourSite));
    const theirs = readelfSites(readelfDies(readelf(['--debug-dump=info', f.elf])));
    expect(ours).toEqual(theirs);
    expect(ours.length).toBeGreaterThanOrEqual(8);
    expect(ours.some((x) => x.tailCall)).toBe(true);
    expect(ours.some((x) => x.target !== undefined)).toBe(true);
    // Each is found again by its return address, as a caller frame's pc finds it.
    const program = ProgramData.fromSections(s);
    for (const site of dies.units().flatMap((u) => reader.unitCallSites(u))) expect(program.callSiteAt(site.returnPc)?.offset).toBe(site.offset);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: targets are the callees\' symbols; gdb\'s tail-call rule', (_, f) => {
    const s = load(f.elf);
    const program = ProgramData.fromSections(s);
    const symbols = new KernelSymbols(parseElf(fs.readFileSync(f.elf)));
    const addressOf = (name: string): bigint | undefined => symbols.symtab.address(name);
    const nm = new Map<string, bigint>();
    for (const line of readelf(['--syms', '--wide', f.elf]).split('\n')) {
      const m = /^\s*\d+: ([0-9a-f]+) +\d+ FUNC +\w+ +\w+ +\d+ (\w+)$/.exec(line);
      if (m) nm.set(m[2], BigInt(`0x${m[1]}`));
    }
    const sites = program.unitCallSites(nm.get('pass')!);
    const kinds = new Set<string>();
    for (const site of sites) {
      const t = program.callTarget(site);
      kinds.add(t.kind);
      if (t.kind === 'addresses') expect([...nm.values()]).toEqual(expect.arrayContaining([...t.addresses]));
      if (t.kind === 'name') expect(addressOf(t.name)).toBe(nm.get(t.name));
    }
    // pass calls leaf (defined here) and ext (declared here, defined in ext.c); via calls through a pointer.
    expect([...kinds].sort()).toEqual(['addresses', 'expression', 'name']);
    // ping and pong tail-call each other: gdb resolves no entry value of either.
    expect(program.selfTailCallReason(nm.get('ping')!, addressOf)).toMatch(/can call itself via tail calls/);
    expect(program.selfTailCallReason(nm.get('pong')!, addressOf)).toMatch(/can call itself via tail calls/);
    // tail tail-calls leaf, which makes no tail call; pass and leaf make none.
    for (const fn of ['tail', 'pass', 'leaf']) expect(program.selfTailCallReason(nm.get(fn)!, addressOf), fn).toBeUndefined();
  });

  it('fuzzed .debug_info: a call site list or a DwarfError, never a hang or another error', () => {
    const s = load(fixtures[0].elf);
    const next = random(11);
    for (let round = 0; round < 300; round++) {
      const info = Uint8Array.from(s.info!);
      for (let k = 0; k < 1 + Math.floor(next() * 8); k++) info[Math.floor(next() * info.length)] = Math.floor(next() * 256);
      try {
        const dies = new Dies({ ...s, info });
        const reader = new CallSiteReader(dies);
        for (const u of dies.units()) for (const site of reader.unitCallSites(u)) reader.target(site);
      } catch (e) {
        // By name: the compiled modules are loaded apart from this file's imports.
        if ((e as Error).name !== 'DwarfError') throw e;
      }
    }
  });
});

describe.skipIf(!vmlinux)('vmlinux call sites as readelf prints them', () => {
  // One unit: readelf parses the section up to --dwarf-start first (tens of seconds on this machine).
  it('kernel/sched/core.c (try_to_wake_up\'s unit)', () => {
    const s = load(vmlinux!);
    const program = ProgramData.fromSections(s);
    const symbols = new KernelSymbols(parseElf(fs.readFileSync(vmlinux!)));
    const dies = new Dies(s);
    const reader = new CallSiteReader(dies);
    let compared = 0;
    for (const fn of ['try_to_wake_up']) {
      const unit = program.unitOf(symbols.symtab.address(fn)!)!;
      const t0 = performance.now();
      const u = dies.units().find((x) => x.offset === unit.offset)!;
      const ours = reader.unitCallSites(u).map(ourSite);
      const ms = performance.now() - t0;
      // readelf --dwarf-start prints from the unit on, through the following units: cut at the next unit.
      const r = spawnSync('sh', ['-c', `"$0" --debug-dump=info --dwarf-start=${unit.offset} "$1" | awk '/Compilation Unit @/ { if (n++) exit } { print }'`, READELF, vmlinux!], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const text = readelfDies(r.stdout).filter((d) => d.offset < u.end);
      const theirs = readelfSites(text);
      expect(ours).toEqual(theirs);
      compared += ours.length;
      console.log(`${unit.name}: ${ours.length} call sites read in ${ms.toFixed(0)} ms`);
    }
    expect(compared).toBeGreaterThan(500);
  });
});
