// A RISC-V RV64GC disassembler: instruction bytes in, objdump's text out. Pure: it knows nothing of
// the machine (it never imports src/emulator) and decodes exactly what it is given.
//
// Source: RISC-V unprivileged spec (20191213), section 1.5 "Base Instruction-Length Encoding" (the length
// of an instruction from its lowest bits, figure 1.1), and the encodings of the extension tables in
// base.ts (RV64I, M, A, Zicsr, Zifencei, Zihintpause, privileged), float.ts (F, D) and rvc.ts (C).
//
// The output matches GNU objdump 2.40 (`riscv64-unknown-elf-objdump -d`) instruction for instruction,
// for an object whose ISA is rv64gc_zihintpause: the same mnemonics (including its choice among
// pseudo-instructions), the same operands, `.2byte 0x..`/`.4byte 0x..` for encodings it does not know.
// test/symbols/disasm.test.ts checks this against objdump on the demo kernel, the Linux kernel, a
// hand-written file of every instruction, every 16-bit word and random 32-bit words.

import { BASE_FORMS } from './base';
import { controlFlow, Flow } from './flow';
import { FLOAT_FORMS } from './float';
import { Form, formatOperands } from './format';
import { COMPRESSED_FORMS } from './rvc';

export interface Instruction {
  /** Where it was decoded. */
  address: bigint;
  /** Bytes. */
  length: 2 | 4;
  /** Hex of the instruction word as objdump prints it: '00a50533' or '8082' (zero-padded to 8 or 4 digits). */
  bytes: string;
  /** As objdump prints it: compressed instructions under their expanded or alias names ('add', 'ret', 'li'). */
  mnemonic: string;
  /** As objdump prints them ('sp,sp,-32'), without its trailing "# comment" or "<symbol>". */
  operands: string;
  /** For direct branches and jumps: the absolute target address, so a caller can print '<symbol+off>'. */
  target?: bigint;
  /** How it passes control (flow.ts), if it does not fall through to the next instruction. */
  flow?: Flow;
}

export type { Flow };

/** Forms by major opcode (bits 6:0) for 32-bit words, in precedence order. */
const WIDE = new Map<number, Form[]>();
/** Forms by quadrant (bits 1:0) and funct3 (bits 15:13) for 16-bit words. */
const NARROW = new Map<number, Form[]>();
const narrowKey = (w: number): number => (w & 3) | ((w >>> 13) << 2);

for (const f of [...BASE_FORMS, ...FLOAT_FORMS]) push(WIDE, f.match & 0x7f, f);
for (const f of COMPRESSED_FORMS) push(NARROW, narrowKey(f.match), f);

function push(map: Map<number, Form[]>, key: number, f: Form): void {
  const list = map.get(key);
  if (list) list.push(f);
  else map.set(key, [f]);
}

function find(forms: Form[] | undefined, word: number): Form | undefined {
  if (!forms) return undefined;
  for (const f of forms) if ((word & f.mask) === f.match && (!f.when || f.when(word))) return f;
  return undefined;
}

/**
 * Decode one instruction at `address` from `bytes` (bytes[0] is the byte at `address`). Returns undefined
 * if fewer bytes than the instruction needs are given. Never throws: an encoding that RV64GC does not
 * define gives objdump's `.2byte 0x...` or `.4byte 0x...`.
 *
 * An instruction longer than 32 bits (bits 4:0 = 11111, spec section 1.5) is reported as the 16-bit
 * parcel `.2byte 0x...`, so that a caller steps over it parcel by parcel; objdump instead consumes 6, 8
 * or more bytes and prints them as `.byte` (or `.8byte`), which this API's 2|4 length cannot express.
 */
export function disassembleOne(bytes: Uint8Array, address: bigint): Instruction | undefined {
  if (bytes.length < 2) return undefined;
  const parcel = bytes[0] | (bytes[1] << 8);
  if ((parcel & 3) !== 3 || (parcel & 0x1c) === 0x1c) {
    const f = (parcel & 3) !== 3 ? find(NARROW.get(narrowKey(parcel)), parcel) : undefined;
    return make(address, 2, parcel, f, '.2byte');
  }
  if (bytes.length < 4) return undefined;
  const word = (parcel | (bytes[2] << 16) | (bytes[3] << 24)) | 0;
  return make(address, 4, word, find(WIDE.get(word & 0x7f), word), '.4byte');
}

function make(address: bigint, length: 2 | 4, word: number, f: Form | undefined, unknown: string): Instruction {
  const bytes = (word >>> 0).toString(16).padStart(length * 2, '0');
  if (!f) return { address, length, bytes, mnemonic: unknown, operands: `0x${(word >>> 0).toString(16)}` };
  const printed = formatOperands(f, word, address);
  const insn: Instruction = { address, length, bytes, mnemonic: f.mnemonic, operands: printed.operands };
  if (printed.target !== undefined) insn.target = printed.target;
  const flow = controlFlow(word, length);
  if (flow) insn.flow = flow;
  return insn;
}

/** Decode consecutive instructions until `bytes` runs out or `count` instructions are decoded. */
export function disassemble(bytes: Uint8Array, address: bigint, count = Infinity): Instruction[] {
  const out: Instruction[] = [];
  let offset = 0;
  while (out.length < count) {
    const insn = disassembleOne(bytes.subarray(offset), BigInt.asUintN(64, address + BigInt(offset)));
    if (!insn) break;
    out.push(insn);
    offset += insn.length;
  }
  return out;
}
