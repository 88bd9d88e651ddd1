// virtio-blk over a BlockPort, driven as Linux's virtio_blk driver does: header, data, status byte.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VIRTIO_MMIO_INT_VRING, VirtioMmioReg as R } from '../../../src/emulator/devices/virtio/mmio';
import {
  BLK_MAX_REQUEST,
  BLK_SEG_MAX,
  BLK_SIZE_MAX,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlock,
} from '../../../src/emulator/devices/virtio/blk';
import { Buf, Guest, GuestQueue, MemDisk, NEEDS_RESET, patternDisk } from './guest';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const F_SIZE_MAX = 1n << 1n;
const F_SEG_MAX = 1n << 2n;
const F_RO = 1n << 5n;
const F_FLUSH = 1n << 9n;

interface Request {
  type: number;
  sector?: bigint;
  /** Bytes to write (OUT). */
  out?: Uint8Array;
  /** Bytes of data area to read into (IN, GET_ID). */
  inLen?: number;
  /** Split the data area into pieces of these lengths. */
  split?: number[];
  indirect?: boolean;
}

interface Submitted {
  head: number;
  data: number;
  dataLen: number;
  status: number;
}

/** Lay out a request as virtio_blk does: readable header, data, writable status byte. */
function submit(g: Guest, q: GuestQueue, r: Request): Submitted {
  const hdr = g.alloc(16);
  g.ram.set32(hdr, r.type);
  g.ram.set32(hdr + 4, 0);
  g.ram.set64(hdr + 8, r.sector ?? 0n);
  const dataLen = r.out ? r.out.length : (r.inLen ?? 0);
  const data = g.alloc(Math.max(dataLen, 1));
  if (r.out) g.ram.set(data, r.out);
  else g.ram.bytes.fill(0xee, data - g.ram.base, data - g.ram.base + dataLen);
  const status = g.alloc(1);
  g.ram.set8(status, 0xff);
  const bufs: Buf[] = [{ addr: hdr, len: 16 }];
  let at = 0;
  for (const len of r.split ?? (dataLen ? [dataLen] : [])) {
    bufs.push({ addr: data + at, len, write: !r.out });
    at += len;
  }
  bufs.push({ addr: status, len: 1, write: true });
  const head = q.add(bufs, r.indirect);
  return { head, data, dataLen, status };
}

function blk(disk: MemDisk, id?: string): { g: Guest; q: GuestQueue } {
  const g = new Guest(new VirtioBlock(disk, id));
  return { g, q: g.start() };
}

describe('virtio-blk configuration', () => {
  it('capacity in 512-byte sectors, size_max, seg_max; features SIZE_MAX, SEG_MAX, FLUSH', () => {
    const g = new Guest(new VirtioBlock(patternDisk(2048)));
    const f = g.readFeatures();
    expect(f & (F_SIZE_MAX | F_SEG_MAX | F_FLUSH | F_RO)).toBe(F_SIZE_MAX | F_SEG_MAX | F_FLUSH);
    // virtio_cread64: two 32-bit reads, low word first.
    expect(g.dev.read(R.Config, 4)).toBe(2048);
    expect(g.dev.read(R.Config + 4, 4)).toBe(0);
    expect(g.dev.read(R.Config + 8, 4)).toBe(BLK_SIZE_MAX);
    expect(g.dev.read(R.Config + 12, 4)).toBe(BLK_SEG_MAX);
    expect(g.r(R.QueueNumMax)).toBe(256);
  });

  it('a read-only disk offers VIRTIO_BLK_F_RO', () => {
    const g = new Guest(new VirtioBlock(patternDisk(8, true)));
    expect(g.readFeatures() & F_RO).toBe(F_RO);
  });

  it('refuses an id longer than 20 bytes', () => {
    expect(() => new VirtioBlock(patternDisk(8), 'x'.repeat(21))).toThrow(RangeError);
  });
});

describe('virtio-blk requests', () => {
  it('reads sectors (direct chain) and raises the used buffer interrupt before the notify returns', () => {
    const disk = patternDisk(64);
    const { g, q } = blk(disk);
    const r = submit(g, q, { type: VIRTIO_BLK_T_IN, sector: 3n, inLen: 1024 });
    expect(g.level).toBe(false);
    q.kick();
    expect(g.level).toBe(true);
    expect(g.isr()).toBe(VIRTIO_MMIO_INT_VRING);
    expect(g.ram.slice(r.data, 1024)).toEqual(disk.bytes.slice(3 * 512, 5 * 512));
    expect(g.ram.u8(r.status)).toBe(VIRTIO_BLK_S_OK);
    expect(q.takeUsed()).toEqual([{ id: r.head, len: 1025 }]);
    expect(g.interrupt()).toBe(VIRTIO_MMIO_INT_VRING);
    expect(g.level).toBe(false);
    expect(g.levels).toEqual([true, false]);
  });

  it('reads through an indirect table into scattered segments', () => {
    const disk = patternDisk(64);
    const { g, q } = blk(disk);
    const r = submit(g, q, { type: VIRTIO_BLK_T_IN, sector: 10n, inLen: 1536, split: [100, 412, 1, 511, 512], indirect: true });
    q.kick();
    expect(g.ram.slice(r.data, 1536)).toEqual(disk.bytes.slice(10 * 512, 13 * 512));
    expect(g.ram.u8(r.status)).toBe(VIRTIO_BLK_S_OK);
    expect(q.takeUsed()).toEqual([{ id: r.head, len: 1537 }]);
  });

  it('writes sectors and reads them back', () => {
    const disk = patternDisk(64);
    const { g, q } = blk(disk);
    const payload = Uint8Array.from({ length: 1024 }, (_, i) => (i * 13 + 5) & 0xff);
    const w = submit(g, q, { type: VIRTIO_BLK_T_OUT, sector: 7n, out: payload, split: [300, 724] });
    q.kick();
    expect(g.ram.u8(w.status)).toBe(VIRTIO_BLK_S_OK);
    expect(disk.bytes.slice(7 * 512, 9 * 512)).toEqual(payload);
    expect(disk.bytes.slice(6 * 512, 7 * 512)).toEqual(patternDisk(64).bytes.slice(6 * 512, 7 * 512));
    expect(q.takeUsed()).toEqual([{ id: w.head, len: 1 }]);
    const r = submit(g, q, { type: VIRTIO_BLK_T_IN, sector: 7n, inLen: 1024, indirect: true });
    q.kick();
    expect(g.ram.slice(r.data, 1024)).toEqual(payload);
  });

  it('takes any layout: header and data in one buffer, data and status in another', () => {
    const disk = patternDisk(16);
    const { g, q } = blk(disk);
    const out = g.alloc(16 + 512);
    g.ram.set32(out, VIRTIO_BLK_T_OUT);
    g.ram.set64(out + 8, 2n);
    g.ram.bytes.fill(0x5a, out - g.ram.base + 16, out - g.ram.base + 16 + 512);
    const st = g.alloc(1);
    q.add([{ addr: out, len: 16 + 512 }, { addr: st, len: 1, write: true }]);
    q.kick();
    expect(g.ram.u8(st)).toBe(VIRTIO_BLK_S_OK);
    expect(disk.bytes.slice(1024, 1536).every((b) => b === 0x5a)).toBe(true);

    const hdr = g.alloc(16);
    g.ram.set32(hdr, VIRTIO_BLK_T_IN);
    g.ram.set64(hdr + 8, 2n);
    const inbuf = g.alloc(513);
    q.add([{ addr: hdr, len: 16 }, { addr: inbuf, len: 513, write: true }], true);
    q.kick();
    expect(g.ram.slice(inbuf, 512).every((b) => b === 0x5a)).toBe(true);
    expect(g.ram.u8(inbuf + 512)).toBe(VIRTIO_BLK_S_OK);
  });

  it('FLUSH succeeds', () => {
    const { g, q } = blk(patternDisk(8));
    const r = submit(g, q, { type: VIRTIO_BLK_T_FLUSH });
    q.kick();
    expect(g.ram.u8(r.status)).toBe(VIRTIO_BLK_S_OK);
    expect(q.takeUsed()).toEqual([{ id: r.head, len: 1 }]);
  });

  it('GET_ID answers the id NUL-padded to 20 bytes, or all 20 bytes without NUL', () => {
    const { g, q } = blk(patternDisk(8), 'samsara-0001');
    const r = submit(g, q, { type: VIRTIO_BLK_T_GET_ID, inLen: 20 });
    q.kick();
    const expected = new Uint8Array(20);
    expected.set(new TextEncoder().encode('samsara-0001'));
    expect(g.ram.slice(r.data, 20)).toEqual(expected);
    expect(g.ram.u8(r.status)).toBe(VIRTIO_BLK_S_OK);
    expect(q.takeUsed()).toEqual([{ id: r.head, len: 21 }]);

    const full = blk(patternDisk(8), 'ABCDEFGHIJKLMNOPQRST');
    const r2 = submit(full.g, full.q, { type: VIRTIO_BLK_T_GET_ID, inLen: 20, indirect: true });
    full.q.kick();
    expect(new TextDecoder().decode(full.g.ram.slice(r2.data, 20))).toBe('ABCDEFGHIJKLMNOPQRST');
  });

  it('unsupported types answer UNSUPP and touch no data', () => {
    const { g, q } = blk(patternDisk(8));
    const discard = submit(g, q, { type: 11, out: new Uint8Array(16) });
    const lifetime = submit(g, q, { type: 10, inLen: 16 });
    q.kick();
    expect(g.ram.u8(discard.status)).toBe(VIRTIO_BLK_S_UNSUPP);
    expect(g.ram.u8(lifetime.status)).toBe(VIRTIO_BLK_S_UNSUPP);
    expect(g.ram.slice(lifetime.data, 16).every((b) => b === 0xee)).toBe(true);
    expect(q.takeUsed()).toEqual([
      { id: discard.head, len: 1 },
      { id: lifetime.head, len: 0 },
    ]);
  });

  it('requests beyond the capacity, or not of whole sectors, answer IOERR and move no data', () => {
    const disk = patternDisk(64);
    const before = disk.bytes.slice();
    const { g, q } = blk(disk);
    const cases: Request[] = [
      { type: VIRTIO_BLK_T_IN, sector: 64n, inLen: 512 },
      { type: VIRTIO_BLK_T_IN, sector: 63n, inLen: 1024 },
      { type: VIRTIO_BLK_T_IN, sector: 1n << 40n, inLen: 512 },
      { type: VIRTIO_BLK_T_IN, sector: 0xffff_ffff_ffff_ffffn, inLen: 512 },
      { type: VIRTIO_BLK_T_IN, sector: 0n, inLen: 100 },
      { type: VIRTIO_BLK_T_OUT, sector: 64n, out: new Uint8Array(512) },
      { type: VIRTIO_BLK_T_OUT, sector: 0xffff_ffff_ffff_fff0n, out: new Uint8Array(512 * 32) },
      { type: VIRTIO_BLK_T_OUT, sector: 1n, out: new Uint8Array(511) },
    ];
    const subs = cases.map((c) => submit(g, q, c));
    q.kick();
    for (const s of subs) {
      expect(g.ram.u8(s.status)).toBe(VIRTIO_BLK_S_IOERR);
      if (cases[subs.indexOf(s)].type === VIRTIO_BLK_T_IN) {
        expect(g.ram.slice(s.data, s.dataLen).every((b) => b === 0xee)).toBe(true);
      }
    }
    expect(q.takeUsed().map((e) => e.len)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(disk.bytes).toEqual(before);
    expect(g.status() & NEEDS_RESET).toBe(0);
    // The last sector itself is readable.
    const last = submit(g, q, { type: VIRTIO_BLK_T_IN, sector: 63n, inLen: 512 });
    q.kick();
    expect(g.ram.u8(last.status)).toBe(VIRTIO_BLK_S_OK);
    expect(g.ram.slice(last.data, 512)).toEqual(disk.bytes.slice(63 * 512));
  });

  it('a request larger than seg_max * size_max answers IOERR', () => {
    const disk = new MemDisk(new Uint8Array(BLK_MAX_REQUEST + 4096));
    const g = new Guest(new VirtioBlock(disk));
    const q = g.start();
    const hdr = g.alloc(16);
    const st = g.alloc(1);
    // The data buffer need not be RAM: the request is refused before it is touched.
    q.add([{ addr: hdr, len: 16 }, { addr: 0x1_0000_0000, len: BLK_MAX_REQUEST + 512, write: true }, { addr: st, len: 1, write: true }]);
    q.kick();
    expect(g.ram.u8(st)).toBe(VIRTIO_BLK_S_IOERR);
  });

  it('a read-only disk refuses OUT with IOERR and still reads', () => {
    const disk = patternDisk(8, true);
    const before = disk.bytes.slice();
    const { g, q } = blk(disk);
    expect(g.dev.negotiatedFeatures & F_RO).toBe(F_RO);
    const w = submit(g, q, { type: VIRTIO_BLK_T_OUT, sector: 0n, out: new Uint8Array(512).fill(1) });
    const r = submit(g, q, { type: VIRTIO_BLK_T_IN, sector: 0n, inLen: 512 });
    const f = submit(g, q, { type: VIRTIO_BLK_T_FLUSH });
    q.kick();
    expect(g.ram.u8(w.status)).toBe(VIRTIO_BLK_S_IOERR);
    expect(g.ram.u8(r.status)).toBe(VIRTIO_BLK_S_OK);
    expect(g.ram.u8(f.status)).toBe(VIRTIO_BLK_S_OK);
    expect(disk.bytes).toEqual(before);
    expect(disk.writes).toBe(0);
    expect(g.ram.slice(r.data, 512)).toEqual(before.slice(0, 512));
  });

  it('fills the whole queue and serves it with one notification', () => {
    const disk = patternDisk(256);
    const { g, q } = blk(disk);
    const subs: Submitted[] = [];
    for (let i = 0; i < 85; i++) subs.push(submit(g, q, { type: VIRTIO_BLK_T_IN, sector: BigInt(i), inLen: 512 }));
    expect(q.free.length).toBe(1);
    q.kick();
    expect(q.takeUsed().map((e) => e.id)).toEqual(subs.map((s) => s.head));
    subs.forEach((s, i) => expect(g.ram.slice(s.data, 512)).toEqual(disk.bytes.slice(i * 512, (i + 1) * 512)));
  });
});

describe('virtio-blk snapshot and restore', () => {
  /** A scripted guest: each step submits requests, kicks, and acknowledges interrupts. */
  const steps: ((g: Guest) => void)[] = [
    (g) => {
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_OUT, sector: 4n, out: new Uint8Array(1024).fill(0x11), split: [512, 512] });
      g.queues[0].kick();
    },
    (g) => {
      g.interrupt();
      g.queues[0].takeUsed();
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_IN, sector: 3n, inLen: 2048, indirect: true });
      // Made available, not yet notified: the snapshot is taken here.
    },
    (g) => {
      g.queues[0].kick();
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_GET_ID, inLen: 20 });
      submit(g, g.queues[0], { type: 99 });
      g.queues[0].kick();
    },
    (g) => {
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_OUT, sector: 60n, out: new Uint8Array(2048).fill(0x22), indirect: true });
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_IN, sector: 59n, inLen: 2048 });
      g.queues[0].kick();
      g.interrupt();
      g.queues[0].takeUsed();
      submit(g, g.queues[0], { type: VIRTIO_BLK_T_FLUSH });
      g.queues[0].kick();
    },
  ];

  interface Outcome {
    ram: string;
    disk: string;
    isr: number;
    level: boolean;
    device: unknown;
  }
  const outcome = (g: Guest, disk: MemDisk): Outcome => ({
    ram: sha256(g.ram.bytes),
    disk: sha256(disk.bytes),
    isr: g.isr(),
    level: g.level,
    device: g.dev.snapshot(),
  });

  it('a copy made mid-way through snapshot/restore continues exactly like the original', () => {
    const disk = patternDisk(64);
    const g = new Guest(new VirtioBlock(disk, 'snap'));
    g.start();
    steps[0](g);
    steps[1](g);
    const disk2 = disk.clone();
    const h = g.fork(new VirtioBlock(disk2, 'snap'));
    expect(h.isr()).toBe(g.isr());
    for (const step of steps.slice(2)) {
      step(g);
      step(h);
      expect(outcome(h, disk2)).toEqual(outcome(g, disk));
    }
    expect(h.levels).toEqual(g.levels.slice(g.levels.length - h.levels.length));
  });

  it('restoring the same device to an earlier snapshot replays the same results', () => {
    const disk = patternDisk(64);
    const g = new Guest(new VirtioBlock(disk, 'snap'));
    g.start();
    steps[0](g);
    steps[1](g);
    const snap = structuredClone(g.dev.snapshot());
    const ram = g.ram.bytes.slice();
    const diskBytes = disk.bytes.slice();
    const queue = g.queues[0].copyTo(g);
    const level = g.level;
    const heap = g.heap;
    steps[2](g);
    steps[3](g);
    const first = outcome(g, disk);

    g.ram.bytes.set(ram);
    disk.bytes.set(diskBytes);
    g.dev.restore(snap);
    g.queues[0] = queue;
    g.level = level;
    g.heap = heap;
    steps[2](g);
    steps[3](g);
    expect(outcome(g, disk)).toEqual(first);
  });
});
