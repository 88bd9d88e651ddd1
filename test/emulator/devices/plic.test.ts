/**
 * The PLIC as Linux's irq-sifive-plic driver and OpenSBI see it: priorities, per-context enables and
 * thresholds, claim/complete across an M-mode and an S-mode context, level-triggered sources, the
 * context outputs (MEIP/SEIP), and checkpoints.
 */
import { describe, expect, it } from 'vitest';
import { Plic } from '../../../src/emulator/devices/plic';
import { PLIC_SOURCES } from '../../../src/emulator/virt-map';

const PRIORITY = (src: number) => 4 * src;
const PENDING = (word: number) => 0x1000 + 4 * word;
const ENABLE = (ctx: number, word: number) => 0x2000 + 0x80 * ctx + 4 * word;
const THRESHOLD = (ctx: number) => 0x200000 + 0x1000 * ctx;
const CLAIM = (ctx: number) => 0x200000 + 0x1000 * ctx + 4;

function make(harts = 1) {
  const events: [number, boolean][] = [];
  const plic = new Plic(harts, (context, asserted) => events.push([context, asserted]));
  const enable = (ctx: number, src: number) => {
    const off = ENABLE(ctx, src >> 5);
    plic.write(off, 4, (plic.read(off, 4) | (1 << (src & 31))) >>> 0);
  };
  return { plic, events, enable };
}

describe('registers', () => {
  it('priorities and thresholds keep 3 bits (WARL), as QEMU virt', () => {
    const { plic } = make();
    plic.write(PRIORITY(10), 4, 0xff);
    expect(plic.read(PRIORITY(10), 4)).toBe(7);
    plic.write(PRIORITY(10), 4, 9);
    expect(plic.read(PRIORITY(10), 4)).toBe(1);
    plic.write(PRIORITY(PLIC_SOURCES - 1), 4, 5);
    expect(plic.read(PRIORITY(PLIC_SOURCES - 1), 4)).toBe(5);
    plic.write(THRESHOLD(1), 4, 0xffffffff);
    expect(plic.read(THRESHOLD(1), 4)).toBe(7);
    expect(plic.read(THRESHOLD(0), 4)).toBe(0);
  });

  it('enable words are per context, 3 words for 96 sources; the rest of the stride reads 0', () => {
    const { plic } = make(2);
    plic.write(ENABLE(3, 2), 4, 0x8000_0001);
    expect(plic.read(ENABLE(3, 2), 4)).toBe(0x8000_0001);
    expect(plic.read(ENABLE(2, 2), 4)).toBe(0);
    plic.write(ENABLE(3, 3), 4, 0xffffffff);
    expect(plic.read(ENABLE(3, 3), 4)).toBe(0);
  });

  it('the pending bits follow the levels and are read-only', () => {
    const { plic } = make();
    plic.line(1)(true);
    plic.line(33)(true);
    plic.line(95)(true);
    expect(plic.read(PENDING(0), 4)).toBe(1 << 1);
    expect(plic.read(PENDING(1), 4)).toBe(1 << 1);
    expect(plic.read(PENDING(2), 4)).toBe(0x8000_0000);
    plic.write(PENDING(0), 4, 0);
    expect(plic.read(PENDING(0), 4)).toBe(1 << 1);
    plic.line(33)(false);
    expect(plic.read(PENDING(1), 4)).toBe(0);
  });

  it('ignores accesses that are not aligned 4-byte ones', () => {
    const { plic } = make();
    plic.write(PRIORITY(1), 1, 3);
    plic.write(PRIORITY(1) + 2, 4, 3);
    expect(plic.read(PRIORITY(1), 4)).toBe(0);
    plic.write(PRIORITY(1), 4, 3);
    expect(plic.read(PRIORITY(1), 2)).toBe(0);
  });

  it('has lines for sources 1..PLIC_SOURCES-1 only', () => {
    const { plic } = make();
    expect(() => plic.line(0)).toThrow(RangeError);
    expect(() => plic.line(PLIC_SOURCES)).toThrow(RangeError);
    expect(() => plic.line(PLIC_SOURCES - 1)).not.toThrow();
  });
});

describe('claim and complete', () => {
  it('across two contexts, by priority then lowest id, above the threshold', () => {
    const { plic, events, enable } = make(1);
    // Context 0 is hart 0 M-mode, context 1 hart 0 S-mode.
    plic.write(PRIORITY(1), 4, 1);
    plic.write(PRIORITY(5), 4, 3);
    plic.write(PRIORITY(10), 4, 3);
    plic.write(PRIORITY(7), 4, 6);
    enable(0, 1);
    enable(1, 5);
    enable(1, 10);
    enable(1, 7);
    plic.write(THRESHOLD(1), 4, 6); // masks everything S-mode has
    expect(events).toEqual([]);

    for (const s of [1, 5, 10, 7]) plic.line(s)(true);
    expect(plic.asserted(0)).toBe(true);
    expect(plic.asserted(1)).toBe(false);
    expect(events).toEqual([[0, true]]);

    plic.write(THRESHOLD(1), 4, 2);
    expect(plic.asserted(1)).toBe(true);
    expect(plic.read(CLAIM(1), 4)).toBe(7); // priority 6
    expect(plic.read(CLAIM(1), 4)).toBe(5); // priority 3, lower id than 10
    expect(plic.read(CLAIM(1), 4)).toBe(10);
    expect(plic.asserted(1)).toBe(false);
    expect(plic.read(CLAIM(1), 4)).toBe(0); // nothing left
    expect(plic.read(PENDING(0), 4)).toBe(1 << 1); // only source 1 is still pending

    // Context 0's threshold masks source 1 (priority must exceed it).
    plic.write(THRESHOLD(0), 4, 1);
    expect(plic.asserted(0)).toBe(false);
    plic.write(THRESHOLD(0), 4, 0);
    expect(plic.asserted(0)).toBe(true);
    expect(plic.read(CLAIM(0), 4)).toBe(1);
    expect(plic.asserted(0)).toBe(false);
    expect(events).toEqual([[0, true], [1, true], [1, false], [0, false], [0, true], [0, false]]);

    // The devices are serviced and lower their lines; completion does not pend them again.
    for (const s of [1, 5, 10, 7]) plic.line(s)(false);
    for (const [ctx, s] of [[1, 7], [1, 5], [1, 10], [0, 1]]) plic.write(CLAIM(ctx), 4, s);
    expect(plic.read(PENDING(0), 4)).toBe(0);
    expect(plic.asserted(0) || plic.asserted(1)).toBe(false);
  });

  it('a priority of 0 never interrupts; a source enabled in two contexts is claimed once', () => {
    const { plic, enable } = make(2);
    enable(1, 3);
    enable(3, 3);
    plic.line(3)(true);
    expect(plic.asserted(1) || plic.asserted(3)).toBe(false); // priority 0
    plic.write(PRIORITY(3), 4, 1);
    expect(plic.asserted(1)).toBe(true);
    expect(plic.asserted(3)).toBe(true); // hart 1 S-mode
    expect(plic.read(CLAIM(3), 4)).toBe(3);
    expect(plic.asserted(1)).toBe(false);
    expect(plic.read(CLAIM(1), 4)).toBe(0);
  });

  it('level-triggered: not re-pended while claimed; pended again on completion if still high', () => {
    const { plic, enable } = make(1);
    plic.write(PRIORITY(10), 4, 1);
    enable(1, 10);
    const irq = plic.line(10);
    irq(true);
    expect(plic.read(CLAIM(1), 4)).toBe(10);
    expect(plic.read(PENDING(0), 4)).toBe(0);
    // While claimed, the line going low and high again does not pend the source.
    irq(false);
    irq(true);
    expect(plic.read(PENDING(0), 4)).toBe(0);
    expect(plic.asserted(1)).toBe(false);
    // Completion with the line still high: pending and asserted at once.
    plic.write(CLAIM(1), 4, 10);
    expect(plic.read(PENDING(0), 4)).toBe(1 << 10);
    expect(plic.asserted(1)).toBe(true);
    expect(plic.read(CLAIM(1), 4)).toBe(10);
    // The handler services the device (line low) before completing: nothing more.
    irq(false);
    plic.write(CLAIM(1), 4, 10);
    expect(plic.read(PENDING(0), 4)).toBe(0);
    expect(plic.asserted(1)).toBe(false);
    // A line that drops before it is claimed withdraws its request.
    irq(true);
    expect(plic.asserted(1)).toBe(true);
    irq(false);
    expect(plic.asserted(1)).toBe(false);
    expect(plic.read(CLAIM(1), 4)).toBe(0);
  });

  it('disabling a pending source or raising its priority is seen at once', () => {
    const { plic, events, enable } = make(1);
    enable(0, 40);
    plic.line(40)(true);
    expect(plic.asserted(0)).toBe(false);
    plic.write(PRIORITY(40), 4, 2);
    expect(plic.asserted(0)).toBe(true);
    plic.write(ENABLE(0, 1), 4, 0);
    expect(plic.asserted(0)).toBe(false);
    expect(events).toEqual([[0, true], [0, false]]);
    expect(plic.read(PENDING(1), 4)).toBe(1 << 8);
  });

  it('completing a source that is not claimed changes nothing', () => {
    const { plic, events, enable } = make(1);
    plic.write(PRIORITY(2), 4, 1);
    enable(0, 2);
    plic.write(CLAIM(0), 4, 2);
    plic.write(CLAIM(0), 4, 0);
    plic.write(CLAIM(0), 4, PLIC_SOURCES + 100);
    expect(events).toEqual([]);
    expect(plic.read(PENDING(0), 4)).toBe(0);
  });
});

describe('checkpoints', () => {
  it('snapshot then restore gives identical subsequent behaviour', () => {
    const { plic, enable } = make(2);
    for (const [s, p] of [[1, 2], [10, 5], [33, 5], [95, 7]]) plic.write(PRIORITY(s), 4, p);
    for (const s of [1, 10, 33]) enable(1, s);
    enable(2, 95);
    plic.write(THRESHOLD(1), 4, 1);
    for (const s of [1, 10, 33, 95]) plic.line(s)(true);
    expect(plic.read(CLAIM(1), 4)).toBe(10); // claimed, level still high
    const snap = structuredClone(plic.snapshot());

    const events: [number, boolean][] = [];
    const copy = new Plic(2, (c, a) => events.push([c, a]));
    copy.restore(snap);
    // Restore reports every context's output.
    expect(events).toEqual([[0, false], [1, true], [2, true], [3, false]]);

    const script = (p: Plic) => {
      const out: number[] = [];
      out.push(p.read(PENDING(0), 4), p.read(PENDING(1), 4), p.read(PENDING(2), 4));
      out.push(p.read(CLAIM(1), 4)); // 33
      p.line(33)(false);
      p.write(CLAIM(1), 4, 10); // 10 still high: pends again
      out.push(p.read(CLAIM(1), 4)); // 10
      out.push(p.read(CLAIM(1), 4)); // 1
      p.write(CLAIM(1), 4, 33);
      out.push(p.read(CLAIM(2), 4)); // 95
      out.push(p.read(PENDING(0), 4), +p.asserted(1), +p.asserted(2));
      return out;
    };
    const a = script(plic);
    const b = script(copy);
    expect(b).toEqual(a);
    expect(a).toEqual([(1 << 1), 1 << 1, 0x8000_0000, 33, 10, 1, 95, 0, 0, 0]);
    expect(copy.snapshot()).toEqual(plic.snapshot());
  });

  it('refuses a snapshot for another hart count', () => {
    const { plic } = make(2);
    expect(() => new Plic(1, () => {}).restore(plic.snapshot())).toThrow();
  });
});
