// The pre-decoded interpreter: the hart's hot loop.
//
// Instructions are decoded lazily into per-physical-page slot arrays (op.ts), then dispatched by one
// `switch` over `const enum` literals. The pc is kept in locals as (pcLo, pcHi); `fpLo` is the page
// of the current slot array, and any control transfer that leaves the page (or changes pcHi) makes the
// next iteration look the page up in the fetch TLB. Loads and stores hit the software TLB inline and
// fall back to the slow paths in memory.ts. Everything rare (CSRs, traps, privileged instructions,
// atomics, floating-point arithmetic) is a call into system.ts, so that cold code cannot disturb the
// hot loop's type feedback (research/perf.md, pitfall 2).

import { decodeInto } from './decode';
import { Hart } from './hart';
import { fetchPage, translate, Access } from './mmu';
import { loadSlow, storeSlow, StoreResult } from './memory';
import { Op } from './op';
import { Cause } from './trap';
import * as alu from './alu';
import { coldOp } from './system';

const NO_PAGE = 1; // a page tag that no pc matches
// REFETCH: a slow load or store may have made the current code page a chunk's private copy (parallel/
// chunk-bus.ts), which drops the page's fetch-TLB entry: the next step then looks the page up again,
// and executes the copy. Serially the entry of the current page stays, and nothing changes.
const scratch: Int32Array = new Int32Array(4);
const EMPTY: Int32Array = new Int32Array(4);

/**
 * Run up to `budget` steps and return the number taken. A step is an instruction that retires or
 * raises an exception; an interrupt taken is not a step. The count is exact, and splitting a run
 * into several calls changes nothing, so that a replay can stop at any position. Returns early when
 * the hart waits for an interrupt (h.wfi) or the host asks to stop. Pending interrupts are taken
 * after instructions that can enable them (CSR writes, xRET); the machine takes them at the start of
 * each turn.
 */
export function run(h: Hart, budget: number): number {
  if (h.stopped || h.wfi || h.host.stopRequested) return 0;
  const x = h.x;
  const f = h.f;
  const bus = h.bus;
  const ram8 = bus.mem8; // the whole buffer: TLB entries may map a chunk's private copies after RAM
  const ram16 = bus.mem16;
  const ram32 = bus.mem32;
  const rTagLo = h.rTagLo;
  const rTagHi = h.rTagHi;
  const rDelta = h.rDelta;
  const wTagLo = h.wTagLo;
  const wTagHi = h.wTagHi;
  const wDelta = h.wDelta;
  const host = h.host;
  const instretBase = h.instret;
  const stepsBase = h.steps;

  let pcLo = h.pcLo;
  let pcHi = h.pcHi;
  let fpLo = NO_PAGE;
  let code: Int32Array = EMPTY;
  let codeBase = 0; // buffer offset of the current code page
  let n = 0; // steps
  let traps = 0;

  while (n < budget) {
    let trapped = false;
    // Every way this step can raise an exception ends with `break step`, into the one trap path below.
    step: {
      if ((pcLo & -4096) !== fpLo) {
        // Sequential execution off the top of a 4 GiB region carries into pcHi.
        if (fpLo === (0xfffff000 | 0) && (pcLo & -4096) === 0) pcHi = (pcHi + 1) | 0;
        h.steps = stepsBase + n; // the step a fetch belongs to (a chunk may undo its A bits)
        const c = fetchPage(h, pcLo, pcHi);
        if (c === null) {
          trapped = true;
          break step;
        }
        code = c;
        fpLo = pcLo & -4096;
        codeBase = h.fPage[(pcLo >>> 12) & 255] << 12;
      }
      let c: Int32Array = code;
      let s = (pcLo & 4094) << 1;
      let op = c[s];
      if (op <= Op.BREAKPOINT) {
        if (op === Op.BREAKPOINT) {
          if (h.stepOverArmed && h.stepOverLo === pcLo && h.stepOverHi === pcHi) {
            // Step over the breakpoint: execute the real instruction, decoded from memory.
            h.stepOverArmed = false;
            const half = (codeBase + (pcLo & 4094)) >> 1;
            const lo = ram16[half];
            if ((lo & 3) === 3 && (pcLo & 4094) === 4094) op = Op.CROSS;
            else {
              decodeInto(scratch, 0, lo, (lo & 3) === 3 ? ram16[half + 1] : 0);
              c = scratch;
              s = 0;
              op = c[0];
              fpLo = NO_PAGE;
            }
          } else {
            h.breakpointHit = true;
            break;
          }
        }
        if (op === Op.DECODE) {
          const half = (codeBase + (pcLo & 4094)) >> 1;
          const lo = ram16[half];
          if ((lo & 3) === 3 && (pcLo & 4094) === 4094) c[s] = Op.CROSS;
          else decodeInto(c, s, lo, (lo & 3) === 3 ? ram16[half + 1] : 0);
          op = c[s];
        }
        if (op === Op.CROSS) {
          // A 32-bit instruction split across two pages: fetch its second parcel through translation.
          const lo2 = (pcLo + 2) | 0;
          const hi2 = lo2 === 0 ? (pcHi + 1) | 0 : pcHi;
          h.steps = stepsBase + n;
          const pa = translate(h, lo2, hi2, Access.Fetch);
          if (pa < 0 || !bus.isRam(pa, 2)) {
            if (pa >= 0) h.raise(Cause.InstructionAccessFault, lo2, hi2);
            trapped = true;
            break step;
          }
          const pa2 = (bus.readPage(bus.pageOf(pa)) << 12) | (pa & 4095);
          decodeInto(scratch, 0, ram16[(codeBase + 4094) >> 1], ram16[pa2 >> 1]);
          c = scratch;
          s = 0;
          op = c[0];
          fpLo = NO_PAGE; // look the page up again after this instruction
        }
      }
      const w = c[s + 1];
      const imm = c[s + 2];
      const rd = w & 255;
      const r1 = (w >> 8) & 255;
      const r2 = (w >> 16) & 255;
      const len = 4 - ((w >>> 29) & 2);

      switch (op) {
        // --- Upper immediates and jumps ---
        case Op.LUI:
          x[rd] = imm;
          x[rd + 1] = imm >> 31;
          pcLo = (pcLo + len) | 0;
          break;
        case Op.AUIPC: {
          const lo = (pcLo + imm) | 0;
          x[rd + 1] = (pcHi + (imm >> 31) + ((pcLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          x[rd] = lo;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.JAL: {
          const retLo = (pcLo + len) | 0;
          const retHi = (retLo >>> 0) < (pcLo >>> 0) ? (pcHi + 1) | 0 : pcHi;
          const tHi = (pcHi + (imm >> 31) + ((pcLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          pcLo = (pcLo + imm) | 0;
          if (tHi !== pcHi) { pcHi = tHi; fpLo = NO_PAGE; }
          x[rd] = retLo;
          x[rd + 1] = retHi;
          break;
        }
        case Op.JALR: {
          const bLo = x[r1];
          const bHi = x[r1 + 1];
          const retLo = (pcLo + len) | 0;
          const retHi = (retLo >>> 0) < (pcLo >>> 0) ? (pcHi + 1) | 0 : pcHi;
          const tLo = ((bLo + imm) | 0) & ~1;
          const tHi = (bHi + (imm >> 31) + ((bLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          pcLo = tLo;
          if (tHi !== pcHi) { pcHi = tHi; fpLo = NO_PAGE; }
          x[rd] = retLo;
          x[rd + 1] = retHi;
          break;
        }

        // --- Branches ---
        case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU: {
          const aLo = x[r1];
          const aHi = x[r1 + 1];
          const bLo = x[r2];
          const bHi = x[r2 + 1];
          let taken: boolean;
          switch (op) {
            case Op.BEQ: taken = aLo === bLo && aHi === bHi; break;
            case Op.BNE: taken = aLo !== bLo || aHi !== bHi; break;
            case Op.BLT: taken = aHi < bHi || (aHi === bHi && (aLo >>> 0) < (bLo >>> 0)); break;
            case Op.BGE: taken = aHi > bHi || (aHi === bHi && (aLo >>> 0) >= (bLo >>> 0)); break;
            case Op.BLTU: taken = (aHi >>> 0) < (bHi >>> 0) || (aHi === bHi && (aLo >>> 0) < (bLo >>> 0)); break;
            default: taken = (aHi >>> 0) > (bHi >>> 0) || (aHi === bHi && (aLo >>> 0) >= (bLo >>> 0)); break;
          }
          if (taken) {
            const tHi = (pcHi + (imm >> 31) + ((pcLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
            pcLo = (pcLo + imm) | 0;
            if (tHi !== pcHi) { pcHi = tHi; fpLo = NO_PAGE; }
          } else {
            pcLo = (pcLo + len) | 0;
          }
          break;
        }

        // --- Loads ---
        case Op.LB: case Op.LBU: case Op.LH: case Op.LHU: case Op.LW: case Op.LWU: case Op.LD: {
          const bLo = x[r1];
          const aLo = (bLo + imm) | 0;
          const aHi = (x[r1 + 1] + (imm >> 31) + ((bLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          const i = (aLo >>> 12) & 255;
          let vLo: number;
          let vHi: number;
          const size = op === Op.LB || op === Op.LBU ? 1 : op === Op.LH || op === Op.LHU ? 2 : op === Op.LD ? 8 : 4;
          if (rTagLo[i] === (aLo & (-4096 | (size - 1))) && rTagHi[i] === aHi) {
            const o = (aLo + rDelta[i]) | 0;
            switch (size) {
              case 1: vLo = ram8[o]; vHi = 0; break;
              case 2: vLo = ram16[o >> 1]; vHi = 0; break;
              case 4: vLo = ram32[o >> 2]; vHi = 0; break;
              default: vLo = ram32[o >> 2]; vHi = ram32[(o >> 2) + 1]; break;
            }
          } else {
            h.pcLo = pcLo;
            h.pcHi = pcHi;
            h.instret = instretBase + n - traps;
            h.steps = stepsBase + n;
            if (!loadSlow(h, aLo, aHi, size)) { trapped = true; break; }
            vLo = h.ldLo;
            vHi = h.ldHi;
            if (host.stopRequested) budget = n + 1; // a watchpoint: stop after this instruction
            if (h.fTagLo[(pcLo >>> 12) & 255] !== (pcLo & -4096)) fpLo = NO_PAGE; // see REFETCH
          }
          switch (op) {
            case Op.LB: vLo = (vLo << 24) >> 24; vHi = vLo >> 31; break;
            case Op.LH: vLo = (vLo << 16) >> 16; vHi = vLo >> 31; break;
            case Op.LHU: vLo &= 0xffff; break;
            case Op.LW: vHi = vLo >> 31; break;
            case Op.LWU: vHi = 0; break;
            default: break;
          }
          x[rd] = vLo;
          x[rd + 1] = vHi;
          pcLo = (pcLo + len) | 0;
          break;
        }

        // --- Stores ---
        case Op.SB: case Op.SH: case Op.SW: case Op.SD: {
          const bLo = x[r1];
          const aLo = (bLo + imm) | 0;
          const aHi = (x[r1 + 1] + (imm >> 31) + ((bLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          const i = (aLo >>> 12) & 255;
          const size = op === Op.SB ? 1 : op === Op.SH ? 2 : op === Op.SW ? 4 : 8;
          if (wTagLo[i] === (aLo & (-4096 | (size - 1))) && wTagHi[i] === aHi) {
            const o = (aLo + wDelta[i]) | 0;
            switch (size) {
              case 1: ram8[o] = x[r2]; break;
              case 2: ram16[o >> 1] = x[r2]; break;
              case 4: ram32[o >> 2] = x[r2]; break;
              default: ram32[o >> 2] = x[r2]; ram32[(o >> 2) + 1] = x[r2 + 1]; break;
            }
          } else {
            h.pcLo = pcLo;
            h.pcHi = pcHi;
            h.instret = instretBase + n - traps;
            h.steps = stepsBase + n;
            if (storeSlow(h, aLo, aHi, size, x[r2], x[r2 + 1]) === StoreResult.Trap) { trapped = true; break; }
            if (host.stopRequested) budget = n + 1; // leave the loop after this instruction
            if (h.fTagLo[(pcLo >>> 12) & 255] !== (pcLo & -4096)) fpLo = NO_PAGE; // see REFETCH
          }
          pcLo = (pcLo + len) | 0;
          break;
        }

        // --- Integer computation ---
        case Op.ADDI: {
          const aLo = x[r1];
          const lo = (aLo + imm) | 0;
          x[rd + 1] = (x[r1 + 1] + (imm >> 31) + ((aLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          x[rd] = lo;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.SLTI: {
          const aHi = x[r1 + 1];
          const iHi = imm >> 31;
          x[rd] = aHi < iHi || (aHi === iHi && (x[r1] >>> 0) < (imm >>> 0)) ? 1 : 0;
          x[rd + 1] = 0;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.SLTIU: {
          const aHi = x[r1 + 1] >>> 0;
          const iHi = (imm >> 31) >>> 0;
          x[rd] = aHi < iHi || (aHi === iHi && (x[r1] >>> 0) < (imm >>> 0)) ? 1 : 0;
          x[rd + 1] = 0;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.XORI: x[rd + 1] = x[r1 + 1] ^ (imm >> 31); x[rd] = x[r1] ^ imm; pcLo = (pcLo + len) | 0; break;
        case Op.ORI: x[rd + 1] = x[r1 + 1] | (imm >> 31); x[rd] = x[r1] | imm; pcLo = (pcLo + len) | 0; break;
        case Op.ANDI: x[rd + 1] = x[r1 + 1] & (imm >> 31); x[rd] = x[r1] & imm; pcLo = (pcLo + len) | 0; break;
        case Op.SLLI: case Op.SRLI: case Op.SRAI: case Op.SLL: case Op.SRL: case Op.SRA: {
          const sh = op === Op.SLL || op === Op.SRL || op === Op.SRA ? x[r2] & 63 : imm;
          const aLo = x[r1];
          const aHi = x[r1 + 1];
          let lo: number;
          let hi: number;
          if (sh === 0) { lo = aLo; hi = aHi; }
          else if (op === Op.SLLI || op === Op.SLL) {
            if (sh < 32) { hi = (aHi << sh) | (aLo >>> (32 - sh)); lo = aLo << sh; } else { hi = aLo << (sh - 32); lo = 0; }
          } else if (op === Op.SRLI || op === Op.SRL) {
            if (sh < 32) { lo = (aLo >>> sh) | (aHi << (32 - sh)); hi = aHi >>> sh; } else { lo = aHi >>> (sh - 32); hi = 0; }
          } else if (sh < 32) { lo = (aLo >>> sh) | (aHi << (32 - sh)); hi = aHi >> sh; }
          else { lo = aHi >> (sh - 32); hi = aHi >> 31; }
          x[rd] = lo;
          x[rd + 1] = hi;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.ADD: {
          const aLo = x[r1];
          const bLo = x[r2];
          const hi = (x[r1 + 1] + x[r2 + 1] + ((aLo >>> 0) + (bLo >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          x[rd] = (aLo + bLo) | 0;
          x[rd + 1] = hi;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.SUB: {
          const aLo = x[r1];
          const bLo = x[r2];
          const hi = (x[r1 + 1] - x[r2 + 1] - ((aLo >>> 0) < (bLo >>> 0) ? 1 : 0)) | 0;
          x[rd] = (aLo - bLo) | 0;
          x[rd + 1] = hi;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.SLT: {
          const aHi = x[r1 + 1];
          const bHi = x[r2 + 1];
          x[rd] = aHi < bHi || (aHi === bHi && (x[r1] >>> 0) < (x[r2] >>> 0)) ? 1 : 0;
          x[rd + 1] = 0;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.SLTU: {
          const aHi = x[r1 + 1] >>> 0;
          const bHi = x[r2 + 1] >>> 0;
          x[rd] = aHi < bHi || (aHi === bHi && (x[r1] >>> 0) < (x[r2] >>> 0)) ? 1 : 0;
          x[rd + 1] = 0;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.XOR: x[rd + 1] = x[r1 + 1] ^ x[r2 + 1]; x[rd] = x[r1] ^ x[r2]; pcLo = (pcLo + len) | 0; break;
        case Op.OR: x[rd + 1] = x[r1 + 1] | x[r2 + 1]; x[rd] = x[r1] | x[r2]; pcLo = (pcLo + len) | 0; break;
        case Op.AND: x[rd + 1] = x[r1 + 1] & x[r2 + 1]; x[rd] = x[r1] & x[r2]; pcLo = (pcLo + len) | 0; break;

        // --- 32-bit (W) computation: results sign-extended ---
        case Op.ADDIW: { const v = (x[r1] + imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SLLIW: { const v = x[r1] << imm; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SRLIW: { const v = (x[r1] >>> imm) | 0; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SRAIW: { const v = x[r1] >> imm; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.ADDW: { const v = (x[r1] + x[r2]) | 0; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SUBW: { const v = (x[r1] - x[r2]) | 0; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SLLW: { const v = x[r1] << (x[r2] & 31); x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SRLW: { const v = (x[r1] >>> (x[r2] & 31)) | 0; x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.SRAW: { const v = x[r1] >> (x[r2] & 31); x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }

        // --- M extension ---
        case Op.MUL: {
          const aLo = x[r1];
          const bLo = x[r2];
          const lo = Math.imul(aLo, bLo);
          const carry = Math.round(((aLo >>> 0) * (bLo >>> 0) - (lo >>> 0)) * 2.3283064365386963e-10);
          x[rd + 1] = (carry + Math.imul(aLo, x[r2 + 1]) + Math.imul(x[r1 + 1], bLo)) | 0;
          x[rd] = lo;
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.MULH: case Op.MULHSU: case Op.MULHU: case Op.DIV: case Op.DIVU: case Op.REM: case Op.REMU: {
          const aLo = x[r1], aHi = x[r1 + 1], bLo = x[r2], bHi = x[r2 + 1];
          switch (op) {
            case Op.MULH: alu.mulh(aLo, aHi, bLo, bHi); break;
            case Op.MULHSU: alu.mulhsu(aLo, aHi, bLo, bHi); break;
            case Op.MULHU: alu.mulhu(aLo, aHi, bLo, bHi); break;
            case Op.DIV: alu.div(aLo, aHi, bLo, bHi, false); break;
            case Op.REM: alu.div(aLo, aHi, bLo, bHi, true); break;
            case Op.DIVU: alu.divu(aLo, aHi, bLo, bHi, false); break;
            default: alu.divu(aLo, aHi, bLo, bHi, true); break;
          }
          x[rd] = alu.out[0];
          x[rd + 1] = alu.out[1];
          pcLo = (pcLo + len) | 0;
          break;
        }
        case Op.MULW: { const v = Math.imul(x[r1], x[r2]); x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break; }
        case Op.DIVW: case Op.REMW: {
          const v = alu.divw(x[r1], x[r2], op === Op.REMW);
          x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break;
        }
        case Op.DIVUW: case Op.REMUW: {
          const v = alu.divuw(x[r1], x[r2], op === Op.REMUW);
          x[rd] = v; x[rd + 1] = v >> 31; pcLo = (pcLo + len) | 0; break;
        }

        // --- Fences: every store already invalidates decoded code, and execution is sequential ---
        case Op.FENCE: case Op.FENCE_I:
          pcLo = (pcLo + len) | 0;
          break;

        // --- Floating-point loads and stores (FS must not be Off) ---
        case Op.FLW: case Op.FLD: case Op.FSW: case Op.FSD: {
          if ((h.mstatus & 0x6000) === 0) { h.raise(Cause.IllegalInstruction, c[s + 3], 0); trapped = true; break; }
          const bLo = x[r1];
          const aLo = (bLo + imm) | 0;
          const aHi = (x[r1 + 1] + (imm >> 31) + ((bLo >>> 0) + (imm >>> 0) > 0xffffffff ? 1 : 0)) | 0;
          const size = op === Op.FLW || op === Op.FSW ? 4 : 8;
          h.pcLo = pcLo;
          h.pcHi = pcHi;
          if (op === Op.FLW || op === Op.FLD) {
            if (!loadSlow(h, aLo, aHi, size)) { trapped = true; break; }
            f[rd] = h.ldLo; // rd is a floating-point register: never redirected to the sink
            f[rd + 1] = size === 4 ? -1 : h.ldHi; // NaN-box a single
            h.mstatus |= 0x6000;
            if (h.fTagLo[(pcLo >>> 12) & 255] !== (pcLo & -4096)) fpLo = NO_PAGE; // see REFETCH
          } else if (storeSlow(h, aLo, aHi, size, f[r2], f[r2 + 1]) === StoreResult.Trap) {
            trapped = true;
            break;
          }
          if (h.fTagLo[(pcLo >>> 12) & 255] !== (pcLo & -4096)) fpLo = NO_PAGE; // see REFETCH
          if (host.stopRequested) budget = n + 1; // a watchpoint, or a chunk's full pool
          pcLo = (pcLo + len) | 0;
          break;
        }

        case Op.ILLEGAL:
          h.raise(Cause.IllegalInstruction, c[s + 3], 0);
          trapped = true;
          break;

        default: {
          // Everything else is cold: CSRs, atomics, floating-point computation, system instructions.
          h.pcLo = pcLo;
          h.pcHi = pcHi;
          h.instret = instretBase + n - traps;
          h.steps = stepsBase + n;
          if (!coldOp(h, op, c[s + 3], imm, len)) { trapped = true; break; }
          pcLo = h.pcLo;
          pcHi = h.pcHi;
          fpLo = NO_PAGE;
          n++;
          // Privilege, enables or mappings may have changed: interrupts may now be taken.
          if (h.pendingInterrupt() >= 0) {
            h.instret = instretBase + n - traps;
            h.steps = stepsBase + n;
            h.checkInterrupts();
            pcLo = h.pcLo;
            pcHi = h.pcHi;
          }
          if (h.wfi || host.stopRequested) budget = n;
          continue;
        }
      }
    } // step

    if (trapped) {
      h.pcLo = pcLo;
      h.pcHi = pcHi;
      h.instret = instretBase + n - traps;
      h.steps = stepsBase + n;
      // A chunk's host may defer the trap: the instruction needs the machine, and run() returns
      // before it, with nothing of it done and the step not counted (parallel/chunk.ts).
      if (!h.takeTrap(false)) break;
      pcLo = h.pcLo;
      pcHi = h.pcHi;
      fpLo = NO_PAGE;
      traps++;
      if (host.stopRequested) budget = n + 1;
    }
    n++;
  }
  h.pcLo = pcLo;
  h.pcHi = pcHi;
  h.instret = instretBase + n - traps;
  h.steps = stepsBase + n;
  return n;
}
