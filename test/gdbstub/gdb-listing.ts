// Reading what gdb prints for the gdb tests: `disassemble` listings, `info registers`, and whether an
// instruction is a store and where it stores; and the watchpoint scenario the demo and Linux tests share.

import { expect } from 'vitest';

export interface Insn {
  address: bigint;
  /** In bytes: 2 (compressed) or 4. */
  length: number;
  mnemonic: string;
  operands: string;
}

/** The rows of gdb's `disassemble /r` ("   0x... <+90>:\t01273023\tsd\ts2,0(a4)", "=> 0x..." for the pc). */
export function parseDisassembly(out: string): Insn[] {
  return [...out.matchAll(/^(?:=>)? +0x([0-9a-f]+) <\+\d+>:\t([0-9a-f ]+?) *\t(\S+)(?:\t(.*))?$/gm)].map((m) => ({
    address: BigInt(`0x${m[1]}`),
    length: m[2].replace(/ /g, '').length / 2,
    mnemonic: m[3],
    operands: (m[4] ?? '').trim(),
  }));
}

/** gdb's `info registers`: each register's value by name (s0 is also given as fp, and the other way round). */
export function parseRegisters(out: string): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  for (const m of out.matchAll(/^(\w+) +(0x[0-9a-f]+)\s/gm)) regs.set(m[1], BigInt(m[2]));
  if (regs.has('fp') && !regs.has('s0')) regs.set('s0', regs.get('fp')!);
  if (regs.has('s0') && !regs.has('fp')) regs.set('fp', regs.get('s0')!);
  regs.set('zero', 0n);
  return regs;
}

/** Stores, floating-point stores, store-conditionals and AMOs (which write memory too). */
const STORE = /^(s[bhwd]|fs[hwd]|sc\.[wd]|amo[a-z]+\.[wd])(\.(aq|rl|aqrl))?$/;

/** Whether gdb's text for an instruction (`x/i`, `disassemble`) is a store. */
export function isStore(mnemonic: string): boolean {
  return STORE.test(mnemonic.replace(/^c\./, ''));
}

/** The address a store writes (its base register plus offset, with these registers), or undefined if it is not a store. */
export function storeAddress(insn: Insn, regs: Map<string, bigint>): bigint | undefined {
  if (!isStore(insn.mnemonic)) return undefined;
  const m = /(-?(?:0x[0-9a-f]+|\d+))?\((\w+)\)$/.exec(insn.operands);
  if (!m) return undefined;
  const base = regs.get(m[2]);
  if (base === undefined) throw new Error(`no register ${m[2]} in gdb's info registers`);
  return BigInt.asUintN(64, base + BigInt(m[1] ?? 0));
}

/** The `p/x` values gdb printed ($N = 0x...), in order. */
export function printedValues(out: string): bigint[] {
  return [...out.matchAll(/^\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+)/gm)].map((m) => BigInt(m[1]));
}

/** A marker gdb prints (`echo ==NAME\n`), to cut its output into sections. */
export const mark = (name: string): string => `echo ==${name}\\n`;

/** Output between markers, by name. */
export function sections(out: string): Map<string, string> {
  const parts = out.split(/^==(\w+)$/m);
  const map = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) map.set(parts[i], parts[i + 1]);
  return map;
}

/**
 * gdb commands that watch `variable` (watch -l), continue to its first write after `from` (a
 * function reached once its address is mapped), then go to the end and reverse-continue to its last
 * write; each stop's pc, registers and function listing are printed for expectWatchStops.
 */
export function watchStopCommands(variable: string, from: string, flush: readonly string[]): string[] {
  const show = (name: string): string[] => [mark(name), 'p/x $pc', 'x/i $pc', 'info registers', 'disassemble /r', mark('END')];
  return [
    'monitor seek 0', ...flush, `break ${from}`, 'continue', 'delete',
    mark('ADDRESS'), `p/x &${variable}`, mark('END'), `watch -l ${variable}`, 'continue', ...show('FORWARD'),
    'monitor seek 1000000000000', ...flush, 'reverse-continue', ...show('BACKWARD'),
  ];
}

/**
 * gdb steps one instruction itself after a RISC-V watchpoint stop, in the direction it was going.
 * Where it then is: forward, just after the store (the instruction before its pc is a store to the
 * variable, and the pc is that store's address plus its length); backward, on the store (x/i $pc
 * shows a store to the variable). Returns the two stores.
 */
export function expectWatchStops(out: string): { forward: Insn; backward: Insn } {
  const s = sections(out);
  const target = printedValues(s.get('ADDRESS')!)[0];
  expect(target).toBeDefined();

  const fwd = s.get('FORWARD')!;
  const fpc = printedValues(fwd)[0];
  const listing = parseDisassembly(fwd);
  const at = listing.findIndex((i) => i.address === fpc);
  expect(at, `pc ${fpc?.toString(16)} in the listing:\n${fwd}`).toBeGreaterThan(0);
  const forward = listing[at - 1];
  expect(isStore(forward.mnemonic), `forward: the instruction before pc 0x${fpc.toString(16)} is ${forward.mnemonic} ${forward.operands}`).toBe(true);
  expect(fpc).toBe(forward.address + BigInt(forward.length));
  expect(storeAddress(forward, parseRegisters(fwd))).toBe(target);

  const back = s.get('BACKWARD')!;
  const bpc = printedValues(back)[0];
  const xi = /=> 0x([0-9a-f]+) <[^>]*>:\t(\S+)\t(.*)$/m.exec(back);
  expect(xi, back).not.toBeNull();
  expect(BigInt(`0x${xi![1]}`)).toBe(bpc);
  expect(isStore(xi![2]), `backward: x/i $pc is ${xi![2]} ${xi![3]}`).toBe(true);
  const backward = parseDisassembly(back).find((i) => i.address === bpc)!;
  expect(storeAddress(backward, parseRegisters(back))).toBe(target);
  return { forward, backward };
}
