// A recording's snapshot is input from a stranger (issue 12): a recording of the demo is taken, its
// snapshot decoded, damaged one field at a time, encoded again with right checksums (encodeBlock),
// and given to `samsara replay` and `samsara info`. Each must end with exit 2 and one line that names
// the field, never a stack trace; the undamaged snapshot, encoded again, still replays exactly. A
// failed check changes nothing in the machine it was restored into.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samsara, samsaraAsync } from '../cli/helpers';
import { DEMO } from '../cli/recordings';
import { ByteReader, ByteWriter } from '../../src/rr/codec';
import { BlockKind, decodeJson, encodeBlock, encodeJson, FormatError, inflateBlock, parseRecording, ParsedRecording } from '../../src/rr/format';
import { Replayer } from '../../src/rr/replayer';
import { hartsDigest, memoryDigest, restoreSnapshot } from '../../src/rr/snapshot';

const PAGE_SIZE = 4096;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-hostile-snapshot-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A snapshot taken apart: its JSON, decoded (a plain object to damage), and its RAM pages. */
interface Parts {
  json: { machine: Record<string, unknown> & { harts: Record<string, unknown>[]; devices: [string, Record<string, unknown>][] }; clock: Record<string, unknown> } & Record<string, unknown>;
  pages: { page: number; bytes: Uint8Array }[];
}

let original: string;
let data: Uint8Array;
let recording: ParsedRecording;

beforeAll(() => {
  original = path.join(tmp, 'demo.rec');
  const r = samsara(['record', '-o', original, '--harts', '2', '--clock', 'virtual', '--max-insns', '200000', DEMO]);
  expect(r.stderr).toMatch(/samsara record: wrote /);
  data = fs.readFileSync(original);
  recording = parseRecording(data, original);
}, 60_000);

function parts(): Parts {
  const payload = inflateBlock(recording.blocks[0]);
  const r = new ByteReader(payload, 'snapshot');
  const json = decodeJson(new TextDecoder().decode(r.bytes())) as Parts['json'];
  const pages: Parts['pages'] = [];
  const count = r.varint();
  for (let i = 0; i < count; i++) {
    const page = r.varint();
    pages.push({ page, bytes: payload.slice(r.pos, r.pos + PAGE_SIZE) });
    r.pos += PAGE_SIZE;
  }
  return { json, pages };
}

function encodeParts(p: Parts, json = encodeJson(p.json)): Uint8Array {
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode(json));
  w.varint(p.pages.length);
  for (const { page, bytes } of p.pages) {
    w.varint(page);
    w.raw(bytes);
  }
  return w.take();
}

/** The recording with another snapshot payload: the file header and the event blocks unchanged. */
function withSnapshot(payload: Uint8Array, name: string): string {
  const file = path.join(tmp, `${name}.rec`);
  const head = data.subarray(0, recording.blocks[0].offset);
  const rest = data.subarray(recording.blocks[1].offset);
  fs.writeFileSync(file, Buffer.concat([head, encodeBlock(BlockKind.Snapshot, 0, payload), rest]));
  return file;
}

const hart = (p: Parts, i: number): Record<string, unknown> => p.json.machine.harts[i];
const scalars = (p: Parts, i: number): Record<string, unknown> => hart(p, i).scalars as Record<string, unknown>;
const device = (p: Parts, name: string): Record<string, unknown> => {
  const d = p.json.machine.devices.find(([n]) => n === name);
  if (!d) throw new Error(`no device ${name} in the snapshot`);
  return d[1];
};

/** One kind of damage: what it does to the snapshot, and the message (after "FILE: snapshot: ") it must give. */
interface Damage {
  what: string;
  payload: (p: Parts) => Uint8Array;
  message: RegExp;
  /** Also through `samsara replay` and `samsara info` (one of each kind: a process costs about a second). */
  cli?: true;
}

const edit = (f: (p: Parts) => void) => (p: Parts): Uint8Array => {
  f(p);
  return encodeParts(p);
};

const DAMAGE: Damage[] = [
  { what: 'empty snapshot', cli: true, payload: () => new Uint8Array(0), message: /^empty$/ },
  {
    what: 'half a snapshot (cut inside the JSON)', cli: true,
    payload: (p) => encodeParts(p).subarray(0, 200),
    message: /unexpected end of data at byte \d+/,
  },
  {
    what: 'half a snapshot (JSON whole, cut inside the RAM pages)', cli: true,
    payload: (p) => { const b = encodeParts(p); return b.subarray(0, b.length - PAGE_SIZE / 2); },
    message: /^page count \d+ at byte \d+: RAM has \d+ pages and \d+ bytes follow$/,
  },
  { what: 'not JSON', cli: true, payload: (p) => encodeParts(p, '{"machine": [1, 2'), message: /^the machine state is not valid \(.*JSON.*\)$/ },
  {
    what: 'an $i32 whose bytes are no whole number of int32s',
    payload: (p) => encodeParts(p, encodeJson(p.json).replace(/"x":\{"\$i32":"[^"]*"\}/, '"x":{"$i32":"AAAAAAA="}')),
    message: /^the machine state is not valid \(.*\)$/,
  },
  { what: 'a snapshot that is an array', payload: (p) => encodeParts(p, '[]'), message: /^expected an object, got an array$/ },
  { what: 'no clock', payload: edit((p) => { delete (p.json as Record<string, unknown>).clock; }), message: /^clock: missing$/ },
  { what: 'an unknown top-level field', payload: edit((p) => { p.json.extra = 1; }), message: /^extra: not a field of a snapshot$/ },
  // Harts
  { what: 'a missing hart field', cli: true, payload: edit((p) => { delete scalars(p, 0).mstatus; }), message: /^machine\.harts\[0\]\.scalars\.mstatus: missing$/ },
  { what: 'an unknown hart field', payload: edit((p) => { scalars(p, 1).mhartid = 1; }), message: /^machine\.harts\[1\]\.scalars\.mhartid: not a field of this state$/ },
  { what: 'a string where a register is', cli: true, payload: edit((p) => { scalars(p, 1).pcLo = 'x'; }), message: /^machine\.harts\[1\]\.scalars\.pcLo: expected an int32, got "x"$/ },
  { what: 'a register beyond 32 bits', payload: edit((p) => { scalars(p, 0).sepcHi = 2 ** 32; }), message: /^machine\.harts\[0\]\.scalars\.sepcHi: expected an int32, got 4294967296$/ },
  { what: 'a privilege mode that does not exist', cli: true, payload: edit((p) => { scalars(p, 0).priv = 2; }), message: /^machine\.harts\[0\]\.scalars\.priv: expected one of 0, 1, 3, got 2$/ },
  { what: 'mstatus.MPP = 2 (reserved)', payload: edit((p) => { scalars(p, 0).mstatus = 2 << 11; }), message: /^machine\.harts\[0\]\.scalars\.mstatus: expected MPP in U, S or M, got "MPP 2"$/ },
  { what: 'satp with an unsupported MODE', payload: edit((p) => { scalars(p, 0).satpHi = 5 << 28; }), message: /^machine\.harts\[0\]\.scalars\.satpHi \(MODE\): expected one of 0, 8, 9, got 5$/ },
  { what: 'mie with bits no interrupt has', payload: edit((p) => { scalars(p, 1).mie = 1 << 20; }), message: /^machine\.harts\[1\]\.scalars\.mie: expected bits within 0xaaa, got "0x100000"$/ },
  { what: 'a NaN instret', payload: edit((p) => { scalars(p, 0).instret = NaN; }), message: /^machine\.harts\[0\]\.scalars\.instret: expected an integer in 0\.\.\d+, got NaN$/ },
  { what: 'a boolean that is a number', payload: edit((p) => { scalars(p, 1).wfi = 1; }), message: /^machine\.harts\[1\]\.scalars\.wfi: expected a boolean, got 1$/ },
  { what: 'a counter offset beyond 64 bits', payload: edit((p) => { scalars(p, 0).cycleOffset = 1n << 70n; }), message: /^machine\.harts\[0\]\.scalars\.cycleOffset: expected a bigint in /u },
  { what: 'a register file of the wrong length', cli: true, payload: edit((p) => { hart(p, 0).x = new Int32Array(65); }), message: /^machine\.harts\[0\]\.x: expected an Int32Array of 66, got an Int32Array of 65$/ },
  { what: 'a register file that is an array', payload: edit((p) => { hart(p, 1).f = new Array(64).fill(0); }), message: /^machine\.harts\[1\]\.f: expected an Int32Array of 64, got an array of 64$/ },
  { what: 'x0 not zero', payload: edit((p) => { (hart(p, 0).x as Int32Array)[0] = 7; }), message: /^machine\.harts\[0\]\.x: expected x0 = 0, got "x0 = 0x0_7"$/ },
  { what: 'more harts than the header', cli: true, payload: edit((p) => { p.json.machine.harts.push(p.json.machine.harts[0]); }), message: /^machine\.harts: expected 2 harts, as the machine has, got 3$/ },
  { what: 'fewer harts than the header', payload: edit((p) => { p.json.machine.harts.pop(); }), message: /^machine\.harts: expected 2 harts, as the machine has, got 1$/ },
  // Devices
  { what: 'an extra device', cli: true, payload: edit((p) => { p.json.machine.devices.push(['virtio8', {}]); }), message: /^machine\.devices: expected an array of at most 12, got an array of 13$/ },
  { what: 'an unknown device', payload: edit((p) => { p.json.machine.devices[3] = ['rtc', {}]; }), message: /^machine\.devices\[3\]: expected a device of this machine \(clint, plic, uart, test, virtio0, .*\), got "rtc"$/ },
  { what: 'a device twice', payload: edit((p) => { p.json.machine.devices[3] = p.json.machine.devices[2]; }), message: /^machine\.devices\[3\]: expected each device once, got "uart"$/ },
  { what: 'a missing device', cli: true, payload: edit((p) => { p.json.machine.devices.splice(2, 1); }), message: /^machine\.devices\.uart: missing$/ },
  { what: 'a device entry that is no pair', payload: edit((p) => { (p.json.machine.devices as unknown[])[0] = 'clint'; }), message: /^machine\.devices\[0\]: expected an array, got "clint"$/ },
  { what: 'a virtqueue index of 2^40', cli: true, payload: edit((p) => { ((device(p, 'virtio7').queues as Record<string, unknown>[])[0]).lastAvailIdx = 2 ** 40; }), message: /^machine\.devices\.virtio7\.queues\[0\]\.lastAvailIdx: expected an integer in 0\.\.65535, got 1099511627776$/ },
  { what: 'a virtqueue size that is no power of 2', payload: edit((p) => { ((device(p, 'virtio7').queues as Record<string, unknown>[])[0]).size = 3; }), message: /^machine\.devices\.virtio7\.queues\[0\]\.size: expected a power of 2 up to \d+, got 3$/ },
  { what: 'a descriptor address half beyond 32 bits', payload: edit((p) => { ((device(p, 'virtio7').queues as Record<string, unknown>[])[0]).descHi = -1; }), message: /^machine\.devices\.virtio7\.queues\[0\]\.descHi: expected a uint32, got -1$/ },
  { what: 'a queue selector of 2^40', payload: edit((p) => { device(p, 'virtio7').queueSel = 2 ** 40; }), message: /^machine\.devices\.virtio7\.queueSel: expected a uint32, got 1099511627776$/ },
  { what: 'state in an empty virtio slot', payload: edit((p) => { device(p, 'virtio0').status = 0; }), message: /^machine\.devices\.virtio0\.status: not a field of this state$/ },
  { what: 'a PLIC priority above 7', payload: edit((p) => { (device(p, 'plic').priority as number[])[10] = 8; }), message: /^machine\.devices\.plic\.priority\[10\]: expected a priority in 0\.\.7, got 8$/ },
  { what: 'PLIC thresholds for another hart count', payload: edit((p) => { (device(p, 'plic').threshold as number[]).push(0); }), message: /^machine\.devices\.plic\.threshold: expected an array of 4, got an array of 5$/ },
  { what: 'a PLIC claim of source 0', payload: edit((p) => { (device(p, 'plic').claimed as number[])[0] = 1; }), message: /^machine\.devices\.plic\.claimed\[0\]: expected bit 0 \(source 0\) clear, got "0x1"$/ },
  { what: 'a UART FIFO of 17 bytes', cli: true, payload: edit((p) => { device(p, 'uart').fifo = new Array(17).fill(65); }), message: /^machine\.devices\.uart\.fifo: expected an array of at most 16, got an array of 17$/ },
  { what: 'a UART FIFO byte of 256', payload: edit((p) => { device(p, 'uart').fifo = [1, 256]; }), message: /^machine\.devices\.uart\.fifo\[1\]: expected a byte, got 256$/ },
  { what: 'a CLINT mtimecmp beyond 64 bits', payload: edit((p) => { (device(p, 'clint').mtimecmp as bigint[])[1] = 1n << 64n; }), message: /^machine\.devices\.clint\.mtimecmp\[1\]: expected a bigint in 0\.\.18446744073709551615, got 18446744073709551616n$/ },
  { what: 'CLINT msip for 3 harts', payload: edit((p) => { (device(p, 'clint').msip as boolean[]).push(false); }), message: /^machine\.devices\.clint\.msip: expected an array of 2, got an array of 3$/ },
  // The machine and the clock
  { what: 'an SBI timer per hart, one short', payload: edit((p) => { (p.json.machine.sbiTimer as number[]).pop(); }), message: /^machine\.sbiTimer: expected an array of 2, got an array of 1$/ },
  { what: 'a NaN SBI timer', payload: edit((p) => { (p.json.machine.sbiTimer as number[])[0] = NaN; }), message: /^machine\.sbiTimer\[0\]: expected an integer >= 0 or Infinity, got NaN$/ },
  { what: 'negative steps', payload: edit((p) => { p.json.machine.steps = -1; }), message: /^machine\.steps: expected an integer in 0\.\.\d+, got -1$/ },
  { what: 'an input byte of 256', payload: edit((p) => { p.json.machine.input = [104, 256]; }), message: /^machine\.input\[1\]: expected a byte, got 256$/ },
  { what: 'lastRan beyond the harts', payload: edit((p) => { p.json.machine.lastRan = 2; }), message: /^machine\.lastRan: expected an integer in -1\.\.1, got 2$/ },
  { what: 'a NaN clock', cli: true, payload: edit((p) => { p.json.clock.baseTime = NaN; }), message: /^clock\.baseTime: expected a finite number >= 0, got NaN$/ },
  { what: 'an infinite clock base', payload: edit((p) => { p.json.clock.base = Infinity; }), message: /^clock\.base: expected an integer in 0\.\.\d+, got Infinity$/ },
  // RAM pages
  { what: 'a page beyond RAM', cli: true, payload: edit((p) => { p.pages[p.pages.length - 1].page = 65536; }), message: /^page 65536 at byte \d+ lies beyond RAM \(65536 pages\)$/ },
  { what: 'a page twice', payload: edit((p) => { p.pages.push(p.pages[p.pages.length - 1]); }), message: /^page \d+ at byte \d+ is out of order \(after page \d+\)$/ },
  {
    what: 'bytes after the last page',
    payload: (p) => { const b = encodeParts(p); return Buffer.concat([b, Buffer.from('junk')]); },
    message: /^4 bytes after the last RAM page \(byte \d+\)$/,
  },
];

describe('a hostile snapshot is refused, naming the field', () => {
  // In this process, as `samsara replay` opens a recording: the Replayer restores the snapshot.
  it.each(DAMAGE)('$what', ({ what, payload, message }) => {
    const rec = parseRecording(fs.readFileSync(withSnapshot(payload(parts()), what.replace(/[^a-z0-9]+/gi, '-'))), 'REC');
    let error: unknown;
    try {
      new Replayer(rec, { write: () => {} }, 'REC');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    const text = (error as Error).message;
    expect(text.startsWith('REC: snapshot: '), text).toBe(true);
    expect(text.slice('REC: snapshot: '.length)).toMatch(message);
    expect(text).not.toMatch(/\n/);
  });

  it.each(DAMAGE.filter((d) => d.cli))('samsara replay and info: $what (exit 2, one line, no stack)', async ({ what, payload, message }) => {
    const file = withSnapshot(payload(parts()), what.replace(/[^a-z0-9]+/gi, '-'));
    const commands = ['replay', 'info'];
    const results = await Promise.all(commands.map((c) => samsaraAsync([c, file], { timeoutMs: 60_000 })));
    for (const [i, command] of commands.entries()) {
      const r = results[i];
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const prefix = `samsara ${command}: ${file}: snapshot: `;
      expect(lines[0].startsWith(prefix), lines[0]).toBe(true);
      expect(lines[0].slice(prefix.length)).toMatch(message);
      expect(r.code).toBe(2);
    }
  });
});

describe('the snapshot that is not damaged', () => {
  it('decoded and encoded again, it replays exactly as the original (console output, end, exit status)', () => {
    const again = withSnapshot(encodeParts(parts()), 'again');
    const a = samsara(['replay', original]);
    const b = samsara(['replay', again]);
    expect(b.stderr).toBe(a.stderr);
    expect(b.stdout).toBe(a.stdout);
    expect(b.code).toBe(a.code);
    expect(a.stderr).toMatch(/replayed 200000 steps to the end \(limit\)/);
    expect(samsara(['info', again]).code).toBe(0);
  });

  it('a failed check changes nothing: the machine it was to restore into is as it was', () => {
    const replayer = new Replayer(recording, { write: () => {} }, original);
    replayer.runTo(50_000);
    const before = { harts: hartsDigest(replayer.machine), memory: memoryDigest(replayer.machine), position: replayer.position, clock: replayer.clock.snapshot() };
    for (const { what, payload } of DAMAGE) {
      expect(() => restoreSnapshot(payload(parts()), replayer.machine, replayer.clock, 'snapshot'), what).toThrow(FormatError);
      expect({ harts: hartsDigest(replayer.machine), memory: memoryDigest(replayer.machine), position: replayer.position, clock: replayer.clock.snapshot() }, what).toEqual(before);
    }
  });
});
