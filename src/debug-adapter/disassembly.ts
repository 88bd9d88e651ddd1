// The Disassembly view: instructions around an address as hart h sees memory, with their
// functions and source lines. Instructions are 2 or 4 bytes, so the ones before an address are
// found by decoding forward from the start of its function (or from a little before it).

import { DebugProtocol } from '@vscode/debugprotocol';
import { disassembleOne } from '../symbols/disasm';
import { formatSymbol } from '../symbols/symtab';
import { Debuggee } from './debuggee';
import { hex } from './variables';

/** The most instructions one request returns. */
const MAX_INSTRUCTIONS = 4096;

type Entry = DebugProtocol.DisassembledInstruction;

export function disassembleAround(d: Debuggee, h: number, address: bigint, instructionOffset: number, count: number, source: (dwarfPath: string) => DebugProtocol.Source): Entry[] {
  count = Math.max(0, Math.min(count, MAX_INSTRUCTIONS));
  const before = Math.max(0, -instructionOffset);
  const after = count - before + Math.max(0, instructionOffset);
  const earlier = before ? instructionsBefore(d, h, address, before) : [];
  const later: Entry[] = [];
  let a = address;
  for (let i = 0; i < after; i++) {
    const e = decode(d, h, a);
    later.push(e);
    a += BigInt(e.instructionBytes ? e.instructionBytes.length / 2 : 2);
  }
  const all = [...earlier, ...later].slice(Math.max(0, instructionOffset), Math.max(0, instructionOffset) + count);
  // Where the Disassembly view can show them: functions where they start, source lines where they change.
  let lastLine = '';
  return all.map((e) => {
    const pc = BigInt(e.address);
    const sym = d.symbols?.symtab.lookup(pc);
    if (sym && sym.offset === 0n) e.symbol = sym.name;
    const line = d.symbols?.stopLine(pc);
    const key = line ? `${line.file}:${line.line}` : '';
    if (line && key !== lastLine) {
      e.location = source(line.file);
      e.line = line.line;
    }
    lastLine = key;
    return e;
  });
}

/** The `n` instructions that end just before `address`. */
function instructionsBefore(d: Debuggee, h: number, address: bigint, n: number): Entry[] {
  const from = (start: bigint): Entry[] => {
    const found: Entry[] = [];
    for (let a = start; a < address; ) {
      const e = decode(d, h, a);
      found.push(e);
      a += BigInt(e.instructionBytes ? e.instructionBytes.length / 2 : 2);
    }
    return found;
  };
  // From the function's start, where it is near and holds enough; else from 4 bytes an instruction
  // before, where decoding falls into step with the code within a few instructions.
  const sym = d.symbols?.symtab.nearest(address);
  let found = sym && address - sym.address <= BigInt(4 * n + 4096) ? from(sym.address) : [];
  if (found.length < n) found = from(BigInt.asUintN(64, address - BigInt(4 * n + 16)));
  return found.slice(-n);
}

function decode(d: Debuggee, h: number, address: bigint): Entry {
  const bytes = d.readMemory(h, address, 4) ?? d.readMemory(h, address, 2);
  const insn = bytes && disassembleOne(bytes, address);
  if (!insn) return { address: hex(address), instruction: '<unreadable>', presentationHint: 'invalid' };
  const target = insn.target !== undefined && d.symbols?.symtab.lookup(insn.target);
  return {
    address: hex(address),
    instructionBytes: insn.bytes,
    instruction: `${insn.mnemonic.padEnd(8)}${insn.operands}${target ? ` <${formatSymbol(target)}>` : ''}`,
  };
}
