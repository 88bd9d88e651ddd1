// Structure-aware mutants of a recording (the format at the top of src/rr/format.ts): the file is
// taken apart into its header JSON and its blocks' inflated payloads, one part is changed (a header
// field, a block's framing, events, the snapshot's JSON or RAM pages, raw bytes), and the file is put
// together again with every checksum recomputed, so that the change reaches the layer behind the
// checksums. A few classes are left unrepaired (bytes flipped or cut after encoding) to keep the
// guarantees the checksums give. Each mutant says what was done in one line.

import { deflateSync, inflateSync } from 'fflate';
import { ByteReader, ByteWriter, decodeJson, encodeJson } from '../../src/rr/codec';
import { BlockKind, decodeEvent, encodeBlock, encodeEvent, Event, EventKind, frameBlock, frameFileHeader, MAGIC } from '../../src/rr/format';
import { Dice } from './seed';

export interface RecordingParts {
  headerJson: string;
  blocks: { kind: number; payload: Uint8Array }[];
}

export interface Mutant {
  cls: string;
  what: string;
  bytes: Uint8Array;
}

const BLOCK_HEADER = 25;

/** Take a well-formed recording apart (throws on anything else: the bases are made by `samsara record`). */
export function takeApart(data: Uint8Array): RecordingParts {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = MAGIC.length + 4;
  const headerLength = v.getUint32(pos, true);
  pos += 4;
  const headerJson = new TextDecoder().decode(data.subarray(pos, pos + headerLength));
  pos += headerLength + 4;
  const blocks: RecordingParts['blocks'] = [];
  while (pos < data.length) {
    const kind = v.getUint8(pos + 4);
    const stored = v.getUint32(pos + 9, true);
    blocks.push({ kind, payload: inflateSync(data.subarray(pos + BLOCK_HEADER, pos + BLOCK_HEADER + stored)) });
    pos += BLOCK_HEADER + stored;
  }
  return { headerJson, blocks };
}

export function putTogether(parts: RecordingParts): Uint8Array {
  const pieces = [frameFileHeader(new TextEncoder().encode(parts.headerJson)), ...parts.blocks.map((b, i) => encodeBlock(b.kind as BlockKind, i, b.payload))];
  return concat(pieces);
}

export function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * A deflate stream of `size` zero bytes (a fixed-Huffman block: one literal 0, then copies of 258
 * bytes at distance 1), made without deflating the zeros: 13 bits per 258 bytes.
 */
export function zerosStream(size: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(((size / 258) * 13 + 64) / 8) + 8);
  let bit = 0;
  const put = (value: number, n: number): void => { // LSB first
    for (let i = 0; i < n; i++, bit++) if ((value >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  const code = (value: number, n: number): void => { // Huffman codes MSB first
    for (let i = n - 1; i >= 0; i--, bit++) if ((value >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  put(1, 1); put(1, 2); // BFINAL, BTYPE = fixed Huffman
  code(0x30, 8); // literal 0
  let left = size - 1;
  while (left >= 258) { code(0xc5, 8); code(0, 5); left -= 258; } // length 258 (code 285), distance 1
  while (left > 0) { code(0x30, 8); left--; }
  code(0, 7); // end of block
  return out.subarray(0, (bit + 7) >> 3);
}

// --- Values -----------------------------------------------------------------------------------------

const HOSTILE: unknown[] = [
  null, true, false, 0, -1, 1, 2, 8, 9, 0.5, -0.5, 1e9, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308,
  '', 'x', '1', '0x10', [], [1], [null], {}, { a: 1 },
];

function hostile(d: Dice): unknown {
  if (d.chance(0.05)) return 'A'.repeat(d.pick([1000, 100_000]));
  return d.pick(HOSTILE);
}

function nudge(d: Dice, v: number): number {
  return d.pick([v + 1, v - 1, v * 2, -v, Math.floor(v / 2), v + 4096, 2 ** 32 + v, Number.MAX_SAFE_INTEGER]);
}

type Path = (string | number)[];

/** Every path in a JSON-like value (objects, arrays; typed arrays and other values are leaves). */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);
}

/** Change the value at a random path of `root` (never the root itself); says what it did. */
function mutateJson(d: Dice, root: Record<string, unknown>, snapshot: boolean): string {
  const all = paths(root).filter((p) => p.length > 0);
  const p = d.pick(all);
  const parent = getAt(root, p.slice(0, -1)) as Record<string | number, unknown>;
  const key = p[p.length - 1];
  const old = parent[key];
  const name = p.join('.');
  const choice = d.below(10);
  if (choice === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return `delete ${name}`;
  }
  if (choice === 1) {
    let deep: unknown = 1;
    const depth = d.pick([100, 2000]); // deeper is made as text (header-text): JSON.stringify recurses
    for (let i = 0; i < depth; i++) deep = d.chance(0.5) ? [deep] : { a: deep };
    parent[key] = deep;
    return `${name} = nested ${depth} deep`;
  }
  if (ArrayBuffer.isView(old) && snapshot) {
    const arr = old as Int32Array | Uint8Array;
    const len = d.pick([0, 1, arr.length - 1, arr.length + 1, arr.length * 2, Math.floor(arr.length / 2), 100_000]);
    const next = new (arr.constructor as Int32ArrayConstructor)(Math.max(0, len));
    next.set(arr.subarray(0, Math.min(arr.length, next.length)));
    if (d.chance(0.5)) for (let i = 0; i < next.length; i++) if (d.chance(0.05)) next[i] = d.u32();
    parent[key] = next;
    return `${name}: typed array of ${arr.length} -> ${next.length}`;
  }
  if (typeof old === 'number' && choice < 6) {
    parent[key] = nudge(d, old);
    return `${name} = ${String(parent[key])} (was ${old})`;
  }
  if (typeof old === 'bigint' && choice < 6) {
    parent[key] = d.pick([-1n, 2n ** 64n, 2n ** 100n, -(2n ** 63n), old + 1n]);
    return `${name} = ${String(parent[key])}n`;
  }
  if (Array.isArray(old) && choice < 5 && old.length) {
    const i = d.below(old.length);
    if (d.chance(0.5)) old.push(old[i]);
    else old.splice(i, 1);
    return `${name}: array of ${old.length} (element ${i} added or removed)`;
  }
  if (snapshot && d.chance(0.3)) {
    parent[key] = d.pick<unknown>([BigInt(d.u32()), Infinity, NaN, new Int32Array(3), new Uint8Array(5)]);
    return `${name} = ${describeValue(parent[key])}`;
  }
  parent[key] = hostile(d);
  return `${name} = ${describeValue(parent[key])}`;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return v.length > 20 ? `a string of ${v.length}` : JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as Uint8Array).length})`;
  return String(JSON.stringify(v) ?? v);
}

// --- Events -----------------------------------------------------------------------------------------

function eventBytes(e: Event): Uint8Array {
  const w = new ByteWriter();
  encodeEvent(w, e);
  return w.take();
}

function varintBytes(v: number): Uint8Array {
  const w = new ByteWriter();
  w.varint(v);
  return w.take();
}

function randomEvent(d: Dice, near: number, harts: number): Event {
  const position = d.pick([near, near + 1, Math.max(0, near - 1), 0, near + d.below(100_000), 2 ** 40]);
  const data = d.bytes(d.pick([0, 1, 8, 64, 4096]));
  switch (d.below(9) + 1) {
    case 1: return { kind: EventKind.Chunk, hart: d.pick([0, harts - 1, harts, 7, 8, 255]), steps: d.pick([0, 1, 1000, 2 ** 31, 2 ** 53 - 1]) };
    case 2: return { kind: EventKind.Clock, position, mtime: d.pick([0, 1, 2 ** 53 - 1, d.u32()]) };
    case 3: return { kind: EventKind.Input, position, data };
    case 4: return { kind: EventKind.Entropy, position, data };
    case 5: return { kind: EventKind.BlockRead, position, offset: d.pick([0, 512, 2 ** 40]), data };
    case 6: return { kind: EventKind.Trap, position, hart: d.pick([0, 1, 8, 255]), cause: d.below(256), interrupt: d.chance(0.5) };
    case 7: return { kind: EventKind.Digest, position, digest: d.u32() };
    case 8: return { kind: EventKind.MemoryDigest, position, digest: d.u32() };
    default: return { kind: EventKind.End, position, reason: d.pick(['poweroff', 'reset', 'stopped', 'fatal', 'limit'] as const), code: d.pick([0, 1, 255, 256, 2 ** 40]), memoryDigest: d.u32() };
  }
}

/** Change a field of an event to another value its encoding can carry. */
function mutateField(d: Dice, e: Event): string {
  const fields = Object.keys(e).filter((k) => k !== 'kind');
  const f = d.pick(fields);
  const r = e as unknown as Record<string, unknown>;
  const old = r[f];
  if (f === 'hart' || f === 'cause') r[f] = d.pick([0, 1, 2, 7, 8, 9, 255, d.below(256)]);
  else if (f === 'digest' || f === 'memoryDigest') r[f] = d.u32();
  else if (f === 'interrupt') r[f] = !old;
  else if (f === 'reason') r[f] = d.pick(['poweroff', 'reset', 'stopped', 'fatal', 'limit']);
  else if (f === 'data') r[f] = d.bytes(d.pick([0, 1, (old as Uint8Array).length + 1, Math.max(0, (old as Uint8Array).length - 1), 65536]));
  else r[f] = Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, d.pick([0, 1, Number(old) + 1, Number(old) - 1, Number(old) * 2, 2 ** 31, 2 ** 32, 2 ** 53 - 1, d.u32()])));
  return `event kind ${e.kind}: ${f} ${describeValue(old)} -> ${describeValue(r[f])}`;
}

/** Mutate an events block's payload; most changes keep it decodable, some do not (on purpose). */
function mutateEvents(d: Dice, payload: Uint8Array, harts: number): { payload: Uint8Array; what: string } {
  const r = new ByteReader(payload, 'base');
  let start = r.varint();
  const events: Event[] = [];
  while (!r.done) events.push(decodeEvent(r));
  const raw: Uint8Array[] = events.map(eventBytes);
  const i = d.below(events.length);
  const last = events.filter((e) => 'position' in e).map((e) => (e as { position: number }).position).pop() ?? start;
  let what: string;
  switch (d.below(11)) {
    case 0: case 1: case 2:
      what = `event ${i}: ${mutateField(d, events[i])}`;
      raw[i] = eventBytes(events[i]);
      break;
    case 3: {
      const k = d.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 127, 255]);
      raw[i] = raw[i].slice();
      raw[i][0] = k;
      what = `event ${i}: kind ${events[i].kind} -> ${k} (its bytes kept)`;
      break;
    }
    case 4: {
      const e = randomEvent(d, last, harts);
      raw.splice(i, 0, eventBytes(e));
      what = `insert at ${i}: ${JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))}`;
      break;
    }
    case 5: raw.splice(i, 1); what = `delete event ${i} (kind ${events[i].kind})`; break;
    case 6: raw.splice(i, 0, raw[i]); what = `duplicate event ${i} (kind ${events[i].kind})`; break;
    case 7: {
      const j = d.below(raw.length);
      [raw[i], raw[j]] = [raw[j], raw[i]];
      what = `swap events ${i} and ${j}`;
      break;
    }
    case 8: {
      // An over-long varint in place of the event's first varint (after the kind byte).
      const long = d.chance(0.5) ? Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01) : Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
      const rest = new ByteReader(raw[i], 'e');
      rest.u8();
      if (events[i].kind === EventKind.Chunk) rest.u8();
      rest.varint();
      raw[i] = concat([raw[i].subarray(0, events[i].kind === EventKind.Chunk ? 2 : 1), long, raw[i].subarray(rest.pos)]);
      what = `event ${i} (kind ${events[i].kind}): a ${long.length}-byte varint`;
      break;
    }
    case 9: {
      const old = start;
      start = d.pick([0, start + 1, Math.max(0, start - 1), 2 ** 53 - 1, d.u32()]);
      what = `block start position ${old} -> ${start}`;
      break;
    }
    default: {
      const all = concat([varintBytes(start), ...raw]);
      const cut = d.below(all.length);
      return { payload: all.subarray(0, cut), what: `events payload cut at byte ${cut} of ${all.length}` };
    }
  }
  return { payload: concat([varintBytes(start), ...raw]), what };
}

// --- Snapshot ---------------------------------------------------------------------------------------

function mutateSnapshot(d: Dice, payload: Uint8Array): { payload: Uint8Array; what: string } {
  const r = new ByteReader(payload, 'base');
  const jsonBytes = r.bytes();
  const pagesAt = r.pos;
  const pageCount = r.varint();
  const pagesStart = r.pos;
  const rebuild = (json: string, pages: Uint8Array): Uint8Array => {
    const w = new ByteWriter();
    w.bytes(new TextEncoder().encode(json));
    w.raw(pages);
    return w.take();
  };
  const jsonText = new TextDecoder().decode(jsonBytes);
  const choice = d.below(10);
  if (choice < 6) {
    const s = decodeJson(jsonText) as Record<string, unknown>;
    const what = mutateJson(d, s, true);
    return { payload: rebuild(encodeJson(s), payload.subarray(pagesAt)), what: `snapshot ${what}` };
  }
  if (choice === 6) {
    const text = d.pick(['null', '[]', '{}', '"x"', '{"machine":{}}', '{"machine":{"harts":[]},"clock":{}}', '{"machine":null,"clock":null}', jsonText.slice(0, jsonText.length >> 1)]);
    return { payload: rebuild(text, payload.subarray(pagesAt)), what: `snapshot JSON replaced by ${text.length > 40 ? `its first ${text.length} characters` : text}` };
  }
  // RAM pages: count, numbers, contents.
  const pages: { p: number; bytes: Uint8Array }[] = [];
  let at = pagesStart;
  const rr = new ByteReader(payload, 'pages');
  rr.pos = pagesStart;
  for (let i = 0; i < pageCount; i++) {
    const p = rr.varint();
    pages.push({ p, bytes: payload.subarray(rr.pos, rr.pos + 4096) });
    rr.pos += 4096;
    at = rr.pos;
  }
  let count = pageCount;
  let what: string;
  const k = d.below(Math.max(1, pages.length));
  switch (d.below(6)) {
    case 0: count = d.pick([pageCount + 1, pageCount + 1000, 2 ** 40, 2 ** 53 - 1]); what = `page count ${pageCount} -> ${count}`; break;
    case 1: if (pages.length) { const old = pages[k].p; pages[k].p = d.pick([65536, 2 ** 32, 2 ** 53 - 1, old + 1]); what = `page ${k}: number ${old} -> ${pages[k].p}`; } else { what = 'no pages'; } break;
    case 2: if (pages.length) { pages.push(pages[k]); count++; } what = `page ${k} twice`; break;
    case 3: if (pages.length) { pages[k].bytes = pages[k].bytes.subarray(0, d.below(4096)); } what = `page ${k} cut to ${pages[k]?.bytes.length}`; break;
    case 4: if (pages.length) { const b = pages[k].bytes.slice(); for (let i = 0; i < 8; i++) b[d.below(4096)] = d.u32(); pages[k].bytes = b; } what = `page ${k}: 8 bytes changed`; break;
    default: count = 0; pages.length = 0; what = 'no RAM pages'; break;
  }
  const w = new ByteWriter();
  w.varint(count);
  for (const pg of pages) { w.varint(pg.p); w.raw(pg.bytes); }
  w.raw(payload.subarray(at));
  return { payload: rebuild(jsonText, w.take()), what };
}

// --- Cases ------------------------------------------------------------------------------------------

export const CLASSES = [
  'none', 'header-field', 'header-text', 'block-kind', 'block-sequence', 'block-raw-length', 'block-order',
  'events', 'snapshot', 'payload-flips', 'unrepaired-flips', 'unrepaired-cut', 'bomb',
] as const;
export type MutationClass = (typeof CLASSES)[number];

/** How often each class is drawn (per 100), so that 2,000 cases reach every layer many times. */
const WEIGHTS: Record<MutationClass, number> = {
  none: 1, 'header-field': 14, 'header-text': 4, 'block-kind': 4, 'block-sequence': 3, 'block-raw-length': 5, 'block-order': 5,
  events: 30, snapshot: 18, 'payload-flips': 8, 'unrepaired-flips': 3, 'unrepaired-cut': 3, bomb: 0,
};

export function drawClass(d: Dice): MutationClass {
  let n = d.below(100);
  for (const c of CLASSES) {
    if (n < WEIGHTS[c]) return c;
    n -= WEIGHTS[c];
  }
  return 'events';
}

const taken = new WeakMap<Uint8Array, RecordingParts>();

/** One mutant of `base` of class `cls`. */
export function mutate(d: Dice, base: Uint8Array, cls: MutationClass): Mutant {
  const apart = taken.get(base) ?? takeApart(base);
  taken.set(base, apart);
  // A copy to change: the mutations replace payloads, never change one in place.
  const parts: RecordingParts = { headerJson: apart.headerJson, blocks: apart.blocks.map((x) => ({ ...x })) };
  const blocks = parts.blocks;
  const header = JSON.parse(parts.headerJson) as Record<string, unknown>;
  const harts = (header.machine as { harts: number }).harts;
  const done = (what: string, bytes = putTogether(parts)): Mutant => ({ cls, what, bytes });
  const b = d.below(blocks.length);
  switch (cls) {
    case 'none': return done('unchanged');
    case 'header-field': {
      const what = mutateJson(d, header, false);
      parts.headerJson = JSON.stringify(header);
      return done(`header ${what}`);
    }
    case 'header-text': {
      const n = 100_000;
      const texts: [string, string][] = [
        ['null', 'null'], ['[]', '[]'], ['"a string"', '"x"'], ['42', '42'], ['{}', '{}'], ['empty', ''], ['not JSON', '{"samsara":'],
        [`[ nested ${n} deep`, '['.repeat(n) + ']'.repeat(n)], [`{ nested ${n} deep`, '{"a":'.repeat(n) + '1' + '}'.repeat(n)],
        ['harts 1e999', parts.headerJson.replace(/"harts":\d+/, '"harts":1e999')],
        ['memSize 1e400', parts.headerJson.replace(/"memSize":\d+/, '"memSize":1e400')],
        ['machine nested 10000 deep', parts.headerJson.replace(/"machine":\{/, '"machine":{"x":' + '['.repeat(10_000) + ']'.repeat(10_000) + ',')],
      ];
      const [what, text] = d.pick(texts);
      parts.headerJson = text;
      return done(`header text: ${what}`);
    }
    case 'block-kind': {
      const k = d.pick([0, 3, 9, 255, blocks[b].kind === 1 ? 2 : 1]);
      const old = blocks[b].kind;
      blocks[b].kind = k;
      return done(`block ${b}: kind ${old} -> ${k}`);
    }
    case 'block-sequence': {
      const seq = d.pick([b + 1, b + 2, 2 ** 32 - 1, Math.max(0, b - 1)]);
      const pieces = [frameFileHeader(new TextEncoder().encode(parts.headerJson)), ...blocks.map((x, i) => {
        const stored = deflateSync(x.payload, { level: 1 });
        return frameBlock(x.kind, i === b ? seq : i, stored, x.payload.length);
      })];
      return done(`block ${b}: sequence ${b} -> ${seq}`, concat(pieces));
    }
    case 'block-raw-length': {
      const real = blocks[b].payload.length;
      const raw = d.pick([0, real - 1, real + 1, real * 2, 2 ** 31, 2 ** 32 - 1]);
      const pieces = [frameFileHeader(new TextEncoder().encode(parts.headerJson)), ...blocks.map((x, i) => {
        const stored = deflateSync(x.payload, { level: 1 });
        return frameBlock(x.kind, i, stored, i === b ? Math.max(0, raw) : x.payload.length);
      })];
      return done(`block ${b}: raw length ${real} -> ${raw}`, concat(pieces));
    }
    case 'block-order': {
      const c = d.below(5);
      if (c === 0) { blocks.splice(b, 1); return done(`delete block ${b}`); }
      if (c === 1) { blocks.splice(b, 0, { ...blocks[b] }); return done(`duplicate block ${b}`); }
      if (c === 2) { const j = d.below(blocks.length); [blocks[b], blocks[j]] = [blocks[j], blocks[b]]; return done(`swap blocks ${b} and ${j}`); }
      if (c === 3) { blocks.splice(b + 1, 0, { kind: BlockKind.Events, payload: d.pick([new Uint8Array(0), Uint8Array.of(0)]) }); return done(`an empty events block after block ${b}`); }
      blocks.splice(b + 1, 0, { kind: BlockKind.Snapshot, payload: blocks[0].payload }); return done(`a second snapshot after block ${b}`);
    }
    case 'events': {
      const indexes = blocks.map((x, i) => (x.kind === BlockKind.Events ? i : -1)).filter((i) => i >= 0);
      const e = d.pick(indexes);
      const m = mutateEvents(d, blocks[e].payload, harts);
      blocks[e].payload = m.payload;
      return done(`block ${e}: ${m.what}`);
    }
    case 'snapshot': {
      const m = mutateSnapshot(d, blocks[0].payload);
      blocks[0].payload = m.payload;
      return done(m.what);
    }
    case 'payload-flips': {
      const p = blocks[b].payload.slice();
      const n = 1 + d.below(8);
      for (let i = 0; i < n && p.length; i++) p[d.below(p.length)] ^= 1 << d.below(8);
      blocks[b].payload = p;
      return done(`block ${b}: ${n} bit flips in the payload (checksums recomputed)`);
    }
    case 'unrepaired-flips': {
      const bytes = base.slice();
      const n = 1 + d.below(4);
      const at: number[] = [];
      for (let i = 0; i < n; i++) { const k = MAGIC.length + d.below(bytes.length - MAGIC.length); bytes[k] ^= 1 << d.below(8); at.push(k); }
      return done(`bit flips at bytes ${at.join(', ')} (checksums not recomputed)`, bytes);
    }
    case 'unrepaired-cut': {
      const cut = d.below(base.length);
      return done(`file cut at byte ${cut} of ${base.length}`, base.slice(0, cut));
    }
    case 'bomb': {
      const size = 2 ** 30;
      const stored = zerosStream(size);
      const pieces = [frameFileHeader(new TextEncoder().encode(parts.headerJson)), ...blocks.map((x, i) => encodeBlock(x.kind as BlockKind, i, x.payload))];
      pieces.splice(2, 0, frameBlock(BlockKind.Events, 1, stored, size));
      const rest = blocks.slice(1).map((x, i) => encodeBlock(x.kind as BlockKind, i + 2, x.payload));
      return done(`an events block of ${size} zero bytes deflated to ${stored.length} bytes after the snapshot`, concat([pieces[0], pieces[1], pieces[2], ...rest]));
    }
  }
}
