// The RISC-V disassembler against GNU objdump (binutils 2.40, riscv64-unknown-elf-objdump -d), the
// oracle: every instruction of the demo kernel and of the Linux guest's vmlinux, a hand-written file of
// every RV64GC instruction and pseudo-instruction (test/symbols/disasm/all.S), all 49,152 16-bit
// encodings, random 32-bit words and all 4096 CSR numbers must print exactly as objdump prints them.
//
// Not compared, by construction:
// - Lines objdump prints as data (.word/.short/.byte/.dword), for ranges a `$d` mapping symbol marks as
//   data inside .text. They are counted and reported.
// - Random words with bits 4:0 = 11111, the encodings of instructions longer than 32 bits (spec section
//   1.5): objdump consumes 6, 8 or 10+ bytes for them and prints `.byte ...`, which an Instruction with
//   length 2 | 4 cannot express; disassembleOne reports their first parcel as `.2byte` (checked below).
//
// Each object is assembled for rv64gc_zihintpause, the ISA the disassembler implements (the Linux guest
// uses `pause`; without Zihintpause objdump prints that encoding as `fence w,unknown`).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disassemble, disassembleOne } from '../../src/symbols/disasm';
import { parseElf } from '../../src/elf/elf';
import { requireLinuxGuest, requireTool, ROOT } from '../cli/helpers';

const OBJDUMP = 'riscv64-unknown-elf-objdump';
const GCC = 'riscv64-unknown-elf-gcc';
const OBJCOPY = 'riscv64-unknown-elf-objcopy';
const MARCH = 'rv64gc_zihintpause';
const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const ALL_S = path.join(ROOT, 'test/symbols/disasm/all.S');
const SHF_EXECINSTR = 4n;
const DATA_DIRECTIVES = new Set(['.word', '.short', '.byte', '.dword']);

interface ObjdumpLine {
  address: bigint;
  bytes: string;
  mnemonic: string;
  operands: string;
}

/** `objdump -d -z` of a file, one entry per instruction line (continuation lines of long encodings skipped). */
function objdump(file: string, extra: string[] = []): ObjdumpLine[] {
  const r = spawnSync(OBJDUMP, ['-d', '-z', ...extra, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${OBJDUMP} ${file}: ${r.stderr}`);
  const out: ObjdumpLine[] = [];
  // "ffffffff80200008:\td4c28293          \tadd\tt0,t0,-692 # ffffffff80203d50 <__stop___bug_table>"
  const LINE = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t([^\t]+)(?:\t(.*))?$/;
  for (const line of r.stdout.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const operands = (m[4] ?? '').replace(/\s+#.*$/, '').replace(/\s+<[^>]*>$/, '').trim();
    out.push({ address: BigInt(`0x${m[1]}`), bytes: m[2].trim(), mnemonic: m[3].trim(), operands });
  }
  return out;
}

/** The bytes of every executable section, for looking up an address. */
function codeOf(file: string): (address: bigint) => Uint8Array | undefined {
  const elf = parseElf(new Uint8Array(fs.readFileSync(file)));
  const sections = elf.sections
    .filter((s) => (s.flags & SHF_EXECINSTR) !== 0n && s.size > 0)
    .map((s) => ({ addr: s.addr, size: BigInt(s.size), data: elf.bytes(s.offset, s.size) }));
  return (address) => {
    const s = sections.find((x) => address >= x.addr && address < x.addr + x.size);
    return s?.data.subarray(Number(address - s.addr));
  };
}

interface Comparison {
  compared: number;
  data: number;
  mismatches: string[];
}

/** Decode at every address objdump decoded, and compare the text. */
function compareWithObjdump(file: string, extra: string[] = []): Comparison {
  const code = codeOf(file);
  const result: Comparison = { compared: 0, data: 0, mismatches: [] };
  for (const o of objdump(file, extra)) {
    if (DATA_DIRECTIVES.has(o.mnemonic)) {
      result.data++;
      continue;
    }
    const bytes = code(o.address);
    const got = bytes && disassembleOne(bytes, o.address);
    result.compared++;
    const ours = got ? `${got.mnemonic}\t${got.operands}`.trim() : '(undefined)';
    const theirs = `${o.mnemonic}\t${o.operands}`.trim();
    const targetShown = !got?.target || got.operands.endsWith(got.target.toString(16));
    if (ours !== theirs || got?.bytes !== o.bytes || !targetShown) {
      result.mismatches.push(`${o.address.toString(16)} ${o.bytes}: ours "${ours}" [${got?.bytes}, target ${got?.target?.toString(16)}], objdump "${theirs}"`);
    }
  }
  return result;
}

function expectAllMatch(what: string, r: Comparison, atLeast: number): void {
  console.log(`${what}: ${r.compared} instructions compared with objdump, ${r.mismatches.length} mismatches, ${r.data} data lines skipped`);
  expect(r.mismatches.slice(0, 20), `${what}: ${r.mismatches.length} of ${r.compared} differ from objdump`).toEqual([]);
  expect(r.compared).toBeGreaterThanOrEqual(atLeast);
}

const haveTools = [OBJDUMP, GCC, OBJCOPY].map((t) => requireTool(t, 'the disassembler tests compare with objdump on programs built with gcc and objcopy; scripts/setup-debian installs it (gcc-riscv64-unknown-elf)')).every((skip) => !skip);
const vmlinux = haveTools ? requireLinuxGuest('the disassembler test on vmlinux compares every instruction with objdump')?.vmlinux : undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'disasm-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Assemble `source` (a file, or lines of assembly) into an object in the temp dir. */
function assemble(name: string, source: string | string[], flags: string[] = []): string {
  let input = source as string;
  if (Array.isArray(source)) {
    input = path.join(tmp, `${name}.S`);
    // The label gives objdump a symbol to print targets against ("1234 <start+0x1234>", not "0x1234").
    fs.writeFileSync(input, ['start:', ...source, ''].join('\n'));
  }
  const out = path.join(tmp, `${name}.o`);
  run(GCC, [`-march=${MARCH}`, '-mabi=lp64d', ...flags, '-c', input, '-o', out]);
  return out;
}

/** An object whose .text holds these .word/.half lines, all of it disassembled as code (no `$d`). */
function words(name: string, lines: string[]): string {
  const obj = assemble(name, lines);
  const code = path.join(tmp, `${name}.code.o`);
  run(OBJCOPY, ['--strip-symbol=$d', obj, code]);
  return code;
}

/** A fixed-seed 32-bit generator (two LCG steps, high halves). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  const step = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 16;
  };
  return () => ((step() << 16) | step()) >>> 0;
}

const hex32 = (w: number): string => `.word 0x${(w >>> 0).toString(16)}`;

describe.skipIf(!haveTools)('disassembler against objdump', () => {
  it('demo.elf: every instruction of its executable sections', () => {
    expectAllMatch('demo.elf', compareWithObjdump(DEMO), 3000);
  });

  it('all.S: every instruction and pseudo-instruction, compressed and not, relaxed and not', () => {
    // gas records priv spec 1.11 in an object that names CSRs, and objdump then knows fewer CSR names;
    // the disassembler follows 1.12, objdump's default (and the vmlinux's, which records none).
    for (const relax of ['-mrelax', '-mno-relax']) {
      const obj = assemble(`all${relax}`, ALL_S, [relax, '-Wa,-mpriv-spec=1.12']);
      expectAllMatch(`all.S ${relax}`, compareWithObjdump(obj), 1300);
    }
  });

  it('every 16-bit encoding (quadrants 0-2)', () => {
    const lines: string[] = [];
    for (let w = 0; w < 0x10000; w++) if ((w & 3) !== 3) lines.push(`.half 0x${w.toString(16)}`);
    expectAllMatch('16-bit words', compareWithObjdump(words('half', lines)), 49152);
  });

  it('random 32-bit words, uniform and biased towards defined opcodes and fields', () => {
    const next = random(20240601);
    const MAJOR = [0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x63, 0x67, 0x6f, 0x73];
    // funct7 values of OP, OP-32, OP-FP and SYSTEM that mean something, and a few neighbours.
    const FUNCT7 = [0x00, 0x01, 0x20, 0x04, 0x05, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x11, 0x14, 0x15, 0x2c, 0x2d, 0x50, 0x51, 0x60, 0x61, 0x68, 0x69, 0x70, 0x71, 0x78, 0x79, 0x21, 0x18, 0x09, 0x30];
    const lines: string[] = [];
    while (lines.length < 5000) {
      const w = next();
      if ((w & 3) === 3 && (w & 0x1c) !== 0x1c) lines.push(hex32(w)); // excluded: >32-bit encodings
    }
    for (let i = 0; i < 30000; i++) {
      let w = (next() & ~0x7f) | MAJOR[next() % MAJOR.length];
      switch (next() % 8) {
        case 0: case 1: case 2: w = (w & 0x01ffffff) | (FUNCT7[next() % FUNCT7.length] << 25); break;
        case 3: w &= ~(0x1f << 20); break; // rs2 = x0
        case 4: w &= ~(0x1f << 15); break; // rs1 = x0
        case 5: w &= ~(0x1f << 7); break; // rd = x0
        case 6: w = (w & 0xfffff) | ((next() % 4) << 20); break; // small immediates, csr numbers 0..3
        default: w = (w & 0x000fffff) | ((next() % 4096) << 20);
      }
      lines.push(hex32(w));
    }
    expectAllMatch('random 32-bit words', compareWithObjdump(words('word', lines)), 35000);
  });

  it('every CSR number, in each Zicsr form', () => {
    const lines: string[] = [];
    for (let csr = 0; csr < 4096; csr++) {
      for (let funct3 = 1; funct3 < 8; funct3++) {
        if (funct3 === 4) continue;
        for (const [rs1, rd] of [[0, 0], [5, 0], [0, 6], [5, 6]]) lines.push(hex32((csr << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x73));
      }
    }
    expectAllMatch('CSR forms', compareWithObjdump(words('csr', lines)), 4096 * 24);
  });

  it.skipIf(!vmlinux)(`vmlinux: every instruction of its executable sections${vmlinux ? '' : ' (skipped: the Linux guest is not built)'}`, () => {
    expectAllMatch('vmlinux', compareWithObjdump(vmlinux!), 500_000);
  });
});

/** Little-endian bytes of instruction words written as objdump shows them: 4 hex digits or 8. */
const le = (...words: string[]): Uint8Array => {
  const out: number[] = [];
  for (const w of words) for (let i = w.length / 2 - 1; i >= 0; i--) out.push(parseInt(w.slice(2 * i, 2 * i + 2), 16));
  return new Uint8Array(out);
};

describe('disassembleOne and disassemble', () => {
  it('decodes 32-bit and compressed words, with objdump-style bytes', () => {
    expect(disassembleOne(le('00a50533'), 0x1000n)).toEqual({ address: 0x1000n, length: 4, bytes: '00a50533', mnemonic: 'add', operands: 'a0,a0,a0' });
    expect(disassembleOne(le('8082'), 0n)).toEqual({ address: 0n, length: 2, bytes: '8082', mnemonic: 'ret', operands: '', flow: 'return' });
    expect(disassembleOne(le('7139'), 0n)).toMatchObject({ mnemonic: 'add', operands: 'sp,sp,-64' });
  });

  it('gives branch and jump targets, wrapping at 2^64', () => {
    expect(disassembleOne(le('0c031663'), 0xffffffff80200012n)).toMatchObject({ mnemonic: 'bnez', operands: 't1,ffffffff802000de', target: 0xffffffff802000den });
    expect(disassembleOne(le('bfdd'), 0xffffffff8020003an)).toMatchObject({ mnemonic: 'j', target: 0xffffffff80200030n });
    expect(disassembleOne(le('ffdff06f'), 0n)).toMatchObject({ mnemonic: 'j', operands: 'fffffffffffffffc', target: 0xfffffffffffffffcn });
    expect(disassembleOne(le('00000517'), 0n)?.target).toBeUndefined(); // auipc: no target
  });

  it('prints unknown encodings as objdump does, and never throws', () => {
    expect(disassembleOne(le('12345677'), 0n)).toMatchObject({ length: 4, mnemonic: '.4byte', operands: '0x12345677' });
    expect(disassembleOne(le('8000'), 0n)).toMatchObject({ length: 2, mnemonic: '.2byte', operands: '0x8000' });
    expect(disassembleOne(le('0000'), 0n)).toMatchObject({ length: 2, mnemonic: 'unimp' });
    // Longer than 32 bits (bits 4:0 = 11111): the first parcel alone.
    expect(disassembleOne(le('001f', '0000'), 0n)).toMatchObject({ length: 2, bytes: '001f', mnemonic: '.2byte', operands: '0x1f' });
    const next = random(7);
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array([next() & 0xff, next() & 0xff, next() & 0xff, next() & 0xff]);
      expect(() => disassembleOne(b, BigInt(next()) << 32n)).not.toThrow();
    }
  });

  it('returns undefined when the bytes end inside the instruction', () => {
    expect(disassembleOne(new Uint8Array([]), 0n)).toBeUndefined();
    expect(disassembleOne(new Uint8Array([0x13]), 0n)).toBeUndefined();
    expect(disassembleOne(new Uint8Array([0x13, 0x05, 0x50]), 0n)).toBeUndefined();
    expect(disassembleOne(new Uint8Array([0x82, 0x80, 0x13]), 0n)).toMatchObject({ mnemonic: 'ret' });
  });

  it('disassemble walks consecutive instructions, up to count', () => {
    const bytes = le('1101', 'ec06', '00000513', '8082');
    expect(disassemble(bytes, 0x100n).map((i) => `${i.address.toString(16)} ${i.mnemonic} ${i.operands}`)).toEqual([
      '100 add sp,sp,-32',
      '102 sd ra,24(sp)',
      '104 li a0,0',
      '108 ret ',
    ]);
    expect(disassemble(bytes, 0n, 2)).toHaveLength(2);
    expect(disassemble(bytes.subarray(0, 7), 0n)).toHaveLength(2);
  });
});

describe('control flow of each instruction (unprivileged spec 2.5, table 2.1: x1 and x5 are link registers)', () => {
  // Encodings from riscv64-unknown-elf-as, with objdump's text beside each.
  const cases: [string, string, string | undefined][] = [
    ['000000ef', 'jal ra', 'call'],
    ['000002ef', 'jal t0 (the alternate link register)', 'call'],
    ['0000006f', 'j', 'jump'],
    ['000780e7', 'jalr a5', 'call'],
    ['00008067', 'ret', 'return'],
    ['00028067', 'jr t0 (a return through x5)', 'return'],
    ['00078067', 'jr a5', 'indirect'],
    ['000082e7', 'jalr t0,ra (pop, then push: a call)', 'call'],
    ['00b50063', 'beq', 'branch'],
    ['10200073', 'sret', 'trap-return'],
    ['30200073', 'mret', 'trap-return'],
    ['00150513', 'addi', undefined],
    ['a001', 'c.j', 'jump'],
    ['8082', 'c.jr ra', 'return'],
    ['8282', 'c.jr t0', 'return'],
    ['8782', 'c.jr a5', 'indirect'],
    ['9782', 'c.jalr a5', 'call'],
    ['c101', 'c.beqz', 'branch'],
    ['e101', 'c.bnez', 'branch'],
    ['952e', 'c.add', undefined],
    ['852e', 'c.mv', undefined],
    ['9002', 'c.ebreak', undefined],
  ];
  it.each(cases)('%s (%s) is %s', (word, _text, flow) => {
    expect(disassembleOne(le(word), 0n)?.flow).toBe(flow);
  });
});
