// A small, pure writer (and reader) of flattened devicetree blobs: DTB version 17, last compatible
// version 16, as the Devicetree Specification's "Flattened Devicetree (DTB) Format" chapter lays
// out. The blob is
//
//   header (40 bytes) | memory reservation block (8-aligned) | structure block (4-aligned) | strings
//
// all big-endian. Node and property order is kept as built. The strings block shares a name with
// any earlier name it is a suffix of (as dtc does), so a tree built here serialises to the same
// bytes `dtc -I dts -O dtb` makes of the equivalent source.

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_HEADER_SIZE = 40;

const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;

const U32_LIMIT = 0x1_0000_0000;
const U64_MAX = (1n << 64n) - 1n;
// Node names: node-name[@unit-address]; property names. Both at most 31 characters (spec 2.2.1, 2.2.4).
const NODE_NAME = /^[0-9A-Za-z,._+-]{1,31}(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME = /^[0-9A-Za-z,._+?#-]{1,31}$/;

/** A cell that holds the phandle of `node`, allocated when the tree is serialised if it has none. */
export interface PhandleRef {
  readonly ref: FdtNode;
}
/** One 32-bit cell: a number (0 .. 2^32-1) or a reference to a node's phandle. */
export type Cell = number | PhandleRef;

const phandles = new WeakMap<FdtNode, number>();

export function ref(node: FdtNode): PhandleRef {
  return { ref: node };
}

/** A property's value before encoding. */
export type FdtValue =
  | { readonly kind: 'cells'; readonly cells: readonly Cell[] }
  | { readonly kind: 'strings'; readonly strings: readonly string[] }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

export interface FdtProperty {
  readonly name: string;
  readonly value: FdtValue;
}

export interface MemoryReservation {
  readonly address: number | bigint;
  readonly size: number | bigint;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= U32_LIMIT) throw new RangeError(`${what}: ${v} is not a u32`);
}

function toU64(v: number | bigint, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what}: ${v} is not a u64`);
    return BigInt(v);
  }
  if (v < 0n || v > U64_MAX) throw new RangeError(`${what}: ${v} is not a u64`);
  return v;
}

/** A node under construction. Setters return `this` so properties can be chained. */
export class FdtNode {
  readonly name: string;
  private readonly props: FdtProperty[] = [];
  private readonly kids: FdtNode[] = [];

  constructor(name: string, isRoot = false) {
    if (isRoot ? name !== '' : !NODE_NAME.test(name)) throw new Error(`invalid node name '${name}'`);
    this.name = name;
  }

  /** Set by FdtTree.phandle(), or at serialisation when a property refers to this node. */
  get phandle(): number | undefined {
    return phandles.get(this);
  }

  get properties(): readonly FdtProperty[] {
    return this.props;
  }
  get children(): readonly FdtNode[] {
    return this.kids;
  }

  /** Add a child node and return it. */
  child(name: string): FdtNode {
    const node = new FdtNode(name);
    this.addChild(node);
    return node;
  }
  addChild(node: FdtNode): this {
    if (this.kids.some((k) => k.name === node.name)) throw new Error(`duplicate node '${node.name}' under '${this.name || '/'}'`);
    this.kids.push(node);
    return this;
  }
  getChild(name: string): FdtNode | undefined {
    return this.kids.find((k) => k.name === name);
  }
  getProperty(name: string): FdtProperty | undefined {
    return this.props.find((p) => p.name === name);
  }

  /** A raw property; the typed setters below all come here. */
  set(name: string, value: FdtValue): this {
    if (!PROP_NAME.test(name)) throw new Error(`invalid property name '${name}'`);
    if (name === 'phandle' || name === 'linux,phandle') throw new Error(`set '${name}' with FdtTree.phandle()`);
    if (this.getProperty(name)) throw new Error(`duplicate property '${name}' in '${this.name || '/'}'`);
    this.props.push({ name, value });
    return this;
  }
  /** u32 cells (`<a b c>`); a PhandleRef cell becomes the referenced node's phandle. */
  cells(name: string, ...cells: Cell[]): this {
    for (const c of cells) if (typeof c === 'number') checkU32(c, name);
    return this.set(name, { kind: 'cells', cells: [...cells] });
  }
  u32(name: string, value: number): this {
    return this.cells(name, value);
  }
  /** Each value as two cells, most significant first (`/bits/ 64 <v>`, or `<hi lo>` with 2 cells). */
  u64(name: string, ...values: (number | bigint)[]): this {
    const cells: number[] = [];
    for (const v of values) {
      const b = toU64(v, name);
      cells.push(Number(b >> 32n), Number(b & 0xffff_ffffn));
    }
    return this.set(name, { kind: 'cells', cells });
  }
  string(name: string, value: string): this {
    return this.strings(name, value);
  }
  /** A string list: each string NUL-terminated, back to back. */
  strings(name: string, ...values: string[]): this {
    if (values.length === 0) throw new Error(`${name}: empty string list`);
    for (const s of values) if (s.includes('\0')) throw new Error(`${name}: string contains NUL`);
    return this.set(name, { kind: 'strings', strings: [...values] });
  }
  /** A property with no value (a flag such as `interrupt-controller;`). */
  empty(name: string): this {
    return this.set(name, { kind: 'bytes', bytes: new Uint8Array(0) });
  }
  bytes(name: string, data: Uint8Array): this {
    return this.set(name, { kind: 'bytes', bytes: data.slice() });
  }
}

/** A whole tree: the root node, the memory reservations and the phandle allocator. */
export class FdtTree {
  readonly root = new FdtNode('', true);
  readonly reservations: MemoryReservation[] = [];
  /** The physical id of the boot CPU (header field boot_cpuid_phys). */
  bootCpuidPhys = 0;
  private nextPhandle = 1;

  /** Reserve [address, address + size) in the memory reservation block. */
  reserve(address: number | bigint, size: number | bigint): this {
    toU64(address, 'reservation address');
    toU64(size, 'reservation size');
    this.reservations.push({ address, size });
    return this;
  }

  /**
   * The node's phandle, allocating the next free one (1, 2, ...) if it has none. Nodes that have a
   * phandle get a `phandle` property, written after their other properties.
   */
  phandle(node: FdtNode): number {
    let h = phandles.get(node);
    if (h === undefined) {
      h = this.nextPhandle++;
      phandles.set(node, h);
    }
    return h;
  }

  /** Follow a path such as "/soc/serial@10000000". */
  find(path: string): FdtNode | undefined {
    if (!path.startsWith('/')) return undefined;
    let node: FdtNode | undefined = this.root;
    for (const part of path.split('/').filter((p) => p !== '')) {
      node = node.getChild(part);
      if (!node) return undefined;
    }
    return node;
  }

  toBlob(): Uint8Array {
    return serializeFdt(this);
  }
}

/** A growable big-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();

function encodeValue(value: FdtValue): Uint8Array {
  switch (value.kind) {
    case 'bytes':
      return value.bytes;
    case 'strings':
      return encoder.encode(value.strings.map((s) => s + '\0').join(''));
    case 'cells': {
      const out = new Uint8Array(value.cells.length * 4);
      const view = new DataView(out.buffer);
      value.cells.forEach((c, i) => {
        if (typeof c !== 'number') {
          if (c.ref.phandle === undefined) throw new Error('internal: unresolved phandle');
          view.setUint32(i * 4, c.ref.phandle);
        } else view.setUint32(i * 4, c);
      });
      return out;
    }
  }
}

/** Every node, depth first, parents before children. */
function walk(node: FdtNode, visit: (n: FdtNode) => void): void {
  visit(node);
  for (const k of node.children) walk(k, visit);
}

/** Serialise a tree to a DTB (version 17). Allocates phandles for referenced nodes that lack one. */
export function serializeFdt(tree: FdtTree): Uint8Array {
  // Phandles: referenced nodes without one get one, in order of first reference (as dtc does).
  const nodes = new Set<FdtNode>();
  walk(tree.root, (n) => {
    if (nodes.has(n)) throw new Error(`node '${n.name}' appears twice in the tree`);
    nodes.add(n);
  });
  const used = new Set<number>();
  for (const n of nodes) {
    if (n.phandle === undefined) continue;
    if (n.phandle >= 0xffff_ffff) throw new RangeError('out of phandles');
    if (used.has(n.phandle)) throw new Error(`phandle ${n.phandle} used twice (a node in two trees?)`);
    used.add(n.phandle);
  }
  walk(tree.root, (n) => {
    for (const p of n.properties) {
      if (p.value.kind !== 'cells') continue;
      for (const c of p.value.cells) {
        if (typeof c === 'number') continue;
        if (!nodes.has(c.ref)) throw new Error(`property '${p.name}' of '${n.name || '/'}' refers to a node outside the tree`);
        if (c.ref.phandle === undefined) used.add(tree.phandle(c.ref));
      }
    }
  });

  // Strings block: names are shared, including as the tail of a longer earlier name.
  let strings = '';
  const nameOffset = (name: string): number => {
    const at = strings.indexOf(name + '\0');
    if (at >= 0) return at;
    const off = strings.length;
    strings += name + '\0';
    return off;
  };

  const struct = new ByteWriter();
  const prop = (name: string, data: Uint8Array): void => {
    struct.u32(FDT_PROP);
    struct.u32(data.length);
    struct.u32(nameOffset(name));
    struct.bytes(data);
    struct.align(4);
  };
  const emit = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(encoder.encode(node.name + '\0'));
    struct.align(4);
    for (const p of node.properties) prop(p.name, encodeValue(p.value));
    if (node.phandle !== undefined) prop('phandle', encodeValue({ kind: 'cells', cells: [node.phandle] }));
    for (const k of node.children) emit(k);
    struct.u32(FDT_END_NODE);
  };
  emit(tree.root);
  struct.u32(FDT_END);
  const structBytes = struct.result();
  const stringBytes = encoder.encode(strings);

  const rsvOffset = FDT_HEADER_SIZE; // already 8-aligned
  const rsvSize = (tree.reservations.length + 1) * 16;
  const structOffset = rsvOffset + rsvSize; // 8-aligned, so 4-aligned
  const stringsOffset = structOffset + structBytes.length;
  const total = stringsOffset + stringBytes.length;

  const out = new ByteWriter();
  out.u32(FDT_MAGIC);
  out.u32(total);
  out.u32(structOffset);
  out.u32(stringsOffset);
  out.u32(rsvOffset);
  out.u32(FDT_VERSION);
  out.u32(FDT_LAST_COMP_VERSION);
  checkU32(tree.bootCpuidPhys, 'boot_cpuid_phys');
  out.u32(tree.bootCpuidPhys);
  out.u32(stringBytes.length);
  out.u32(structBytes.length);
  for (const r of tree.reservations) {
    out.u64(toU64(r.address, 'reservation address'));
    out.u64(toU64(r.size, 'reservation size'));
  }
  out.u64(0n);
  out.u64(0n);
  out.bytes(structBytes);
  out.bytes(stringBytes);
  return out.result();
}

// ---- Reading ---------------------------------------------------------------------------------

export interface FdtHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

/** A node as read back from a blob; property values are raw bytes. */
export interface ParsedNode {
  name: string;
  /** Full path: "/" for the root, "/soc/serial@10000000" below it. */
  path: string;
  properties: Map<string, Uint8Array>;
  children: ParsedNode[];
}

export interface ParsedFdt {
  header: FdtHeader;
  reservations: { address: bigint; size: bigint }[];
  root: ParsedNode;
}

export function readFdtHeader(blob: Uint8Array): FdtHeader {
  if (blob.length < FDT_HEADER_SIZE) throw new Error('FDT: blob shorter than its header');
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const h: FdtHeader = {
    magic: v.getUint32(0),
    totalsize: v.getUint32(4),
    offDtStruct: v.getUint32(8),
    offDtStrings: v.getUint32(12),
    offMemRsvmap: v.getUint32(16),
    version: v.getUint32(20),
    lastCompVersion: v.getUint32(24),
    bootCpuidPhys: v.getUint32(28),
    sizeDtStrings: v.getUint32(32),
    sizeDtStruct: v.getUint32(36),
  };
  if (h.magic !== FDT_MAGIC) throw new Error(`FDT: bad magic 0x${h.magic.toString(16)}`);
  if (h.lastCompVersion > FDT_VERSION || h.version < FDT_LAST_COMP_VERSION) throw new Error(`FDT: unsupported version ${h.version}`);
  if (h.totalsize > blob.length) throw new Error('FDT: totalsize exceeds the blob');
  return h;
}

/** Parse a DTB into nodes with raw property values. Throws on any malformation. */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  const header = readFdtHeader(blob);
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const { totalsize, offDtStruct, sizeDtStruct, offDtStrings, sizeDtStrings, offMemRsvmap } = header;
  if (offMemRsvmap % 8 !== 0 || offDtStruct % 4 !== 0) throw new Error('FDT: misaligned block');
  if (offDtStruct + sizeDtStruct > totalsize || offDtStrings + sizeDtStrings > totalsize) throw new Error('FDT: block past the end');

  const reservations: { address: bigint; size: bigint }[] = [];
  for (let p = offMemRsvmap; ; p += 16) {
    if (p + 16 > totalsize) throw new Error('FDT: unterminated memory reservation block');
    const address = v.getBigUint64(p);
    const size = v.getBigUint64(p + 8);
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }

  const cstring = (start: number, limit: number): string => {
    const end = blob.indexOf(0, start);
    if (end < 0 || end >= limit) throw new Error('FDT: unterminated string');
    return decoder.decode(blob.subarray(start, end));
  };

  const end = offDtStruct + sizeDtStruct;
  let p = offDtStruct;
  const token = (): number => {
    if (p + 4 > end) throw new Error('FDT: structure block ends early');
    const t = v.getUint32(p);
    p += 4;
    return t;
  };
  const align4 = (): void => {
    p = (p + 3) & ~3;
  };

  const stack: ParsedNode[] = [];
  let root: ParsedNode | undefined;
  for (;;) {
    const t = token();
    if (t === FDT_NOP) continue;
    if (t === FDT_BEGIN_NODE) {
      const name = cstring(p, end);
      p += name.length + 1;
      align4();
      const parent = stack[stack.length - 1];
      if (!parent && root) throw new Error('FDT: second root node');
      const path = !parent ? '/' : parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
      const node: ParsedNode = { name, path, properties: new Map(), children: [] };
      if (parent) parent.children.push(node);
      else root = node;
      stack.push(node);
    } else if (t === FDT_PROP) {
      const node = stack[stack.length - 1];
      if (!node) throw new Error('FDT: property outside a node');
      const len = token();
      const nameoff = token();
      if (nameoff >= sizeDtStrings) throw new Error('FDT: property name offset out of range');
      const name = cstring(offDtStrings + nameoff, offDtStrings + sizeDtStrings);
      if (p + len > end) throw new Error('FDT: property value past the structure block');
      if (node.properties.has(name)) throw new Error(`FDT: duplicate property ${name} in ${node.path}`);
      node.properties.set(name, blob.slice(p, p + len));
      p += len;
      align4();
    } else if (t === FDT_END_NODE) {
      if (!stack.pop()) throw new Error('FDT: unbalanced END_NODE');
    } else if (t === FDT_END) {
      if (stack.length !== 0 || !root) throw new Error('FDT: END inside a node');
      break;
    } else throw new Error(`FDT: bad token ${t} at ${p - 4}`);
  }
  return { header, reservations, root: root! };
}

/** Find a parsed node by path. */
export function findParsed(root: ParsedNode, path: string): ParsedNode | undefined {
  if (path === '/') return root;
  let node: ParsedNode | undefined = root;
  for (const part of path.split('/').filter((x) => x !== '')) {
    node = node.children.find((c) => c.name === part);
    if (!node) return undefined;
  }
  return node;
}

/** A property value as big-endian u32 cells. */
export function propCells(value: Uint8Array): number[] {
  if (value.length % 4 !== 0) throw new Error('FDT: property length is not a multiple of 4');
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: number[] = [];
  for (let i = 0; i < value.length; i += 4) out.push(v.getUint32(i));
  return out;
}

/** A property value as a list of NUL-terminated strings. */
export function propStrings(value: Uint8Array): string[] {
  if (value.length === 0 || value[value.length - 1] !== 0) throw new Error('FDT: property is not a string list');
  return new TextDecoder().decode(value.subarray(0, value.length - 1)).split('\0');
}
