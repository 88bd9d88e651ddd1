// Requests from gdb: one parser per packet (gdb manual, "Packets", "General Query Packets"), each
// turning decoded packet data (codec.ts) into one member of a typed union. Parsing never throws and
// knows nothing of the target: a packet that breaks its own syntax is `malformed` (the server answers
// with an error), one we do not know is `unknown` (the server answers with an empty packet, which
// gdb reads as "not supported").

import { bytesToLatin1, MAX_PACKET_SIZE } from './codec';

/** Largest length accepted in `m`, `M`, `X` and `qXfer` (a hex reply of it still fits a packet). */
export const MAX_TRANSFER_LENGTH = MAX_PACKET_SIZE / 2;
/** Largest register number in `p`/`P` (gdb's RISC-V numbering ends near 65 + 4096 CSRs). */
export const MAX_REGISTER = 0xffff;
/** Largest process or thread id. */
export const MAX_THREAD_ID = 0x7fffffff;
/** Largest offset in a `qXfer` object. */
export const MAX_XFER_OFFSET = 0xffffffff;

/** One part of a thread-id: a number, `-1` (all) or `0` (any). */
export type ThreadIdPart = number | 'all' | 'any';

/** gdb's thread-id: `T`, `-1`, `0`, or with multiprocess `pP.T` (`pP` alone means `pP.-1`). */
export interface ThreadId {
  pid?: ThreadIdPart;
  tid: ThreadIdPart;
}

/** `Z`/`z` types: 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint. */
export type BreakpointKind = 0 | 1 | 2 | 3 | 4;

export type VContAction =
  | { action: 'c' | 's' | 't'; thread?: ThreadId }
  | { action: 'C' | 'S'; signal: number; thread?: ThreadId }
  /** Step while the pc stays in [start, end). */
  | { action: 'r'; start: bigint; end: bigint; thread?: ThreadId };

/** `qSupported` features: `name+` → true, `name-` → false, `name=value` → 'value'. */
export type SupportedFeatures = Map<string, boolean | string>;

export type Request =
  | { type: '?' }
  | { type: 'g' }
  | { type: 'G'; data: Uint8Array }
  | { type: 'p'; register: number }
  | { type: 'P'; register: number; value: Uint8Array }
  | { type: 'm' | 'x'; address: bigint; length: number }
  | { type: 'M'; address: bigint; data: Uint8Array }
  | { type: 'X'; address: bigint; data: Uint8Array }
  | { type: 'c' | 's'; address?: bigint }
  | { type: 'C' | 'S'; signal: number; address?: bigint }
  | { type: 'bc' }
  | { type: 'bs' }
  | { type: 'vCont?' }
  | { type: 'vCont'; actions: VContAction[] }
  | { type: 'vMustReplyEmpty' }
  | { type: 'vKill'; pid?: number }
  | { type: 'k' }
  | { type: 'D'; pid?: number }
  | { type: 'H'; op: 'g' | 'c'; thread: ThreadId }
  | { type: 'T'; thread: ThreadId }
  /**
   * `Z type,addr,kind`: `kind` here is the spec's *type* (0-4) and `size` the spec's *kind* (the
   * breakpoint's or watched region's length). Target-side conditions and commands after `;` are not
   * evaluated (we never advertise them); `hasConditions` says some were sent.
   */
  | { type: 'Z' | 'z'; kind: BreakpointKind; address: bigint; size: number; hasConditions: boolean }
  | { type: 'qSupported'; features: SupportedFeatures }
  | { type: 'QStartNoAckMode' }
  | { type: 'qXfer'; object: string; operation: 'read'; annex: string; offset: number; length: number }
  | { type: 'qXfer'; object: string; operation: 'write'; annex: string; offset: number; data: Uint8Array }
  | { type: 'qfThreadInfo' }
  | { type: 'qsThreadInfo' }
  | { type: 'qC' }
  | { type: 'qAttached'; pid?: number }
  | { type: 'qThreadExtraInfo'; thread: ThreadId }
  | { type: 'qRcmd'; command: string }
  | { type: 'qOffsets' }
  /** `qSymbol::` (gdb offers symbol lookups) or `qSymbol:value:name` (an answer). */
  | { type: 'qSymbol'; value?: bigint; name?: string }
  | { type: 'qTStatus' }
  | { type: 'QThreadEvents'; enable: boolean }
  | { type: 'QNonStop'; enable: boolean }
  | { type: 'qHostInfo' }
  /** A packet we do not implement; `name` is its name (e.g. `vFile`, `qTfV`) for logs. */
  | { type: 'unknown'; name: string }
  | { type: 'malformed'; reason: string };

/** Thrown inside parsers only; parseRequest turns it into `malformed`. */
class Malformed extends Error {}

function fail(reason: string): never {
  throw new Malformed(reason);
}

/** The packet data as text (one char per byte) plus the bytes, for packets carrying binary data. */
interface Packet {
  text: string;
  bytes: Uint8Array;
}

type Parser = (body: string, packet: Packet) => Request;

export function parseRequest(payload: Uint8Array): Request {
  const packet: Packet = { text: bytesToLatin1(payload), bytes: payload };
  const { text } = packet;
  let name: string;
  let parser: Parser | undefined;
  const first = text[0];
  if (first === 'q' || first === 'Q' || first === 'v') {
    // "Stubs must be careful to match the full packet name, and check for a separator or the end of
    // the packet, in case two packet names share a common prefix" (qC and qCRC).
    const end = text.search(first === 'v' ? /[;:]/ : /[:,;]/);
    name = end < 0 ? text : text.slice(0, end);
    parser = Object.prototype.hasOwnProperty.call(NAMED, name) ? NAMED[name] : undefined;
  } else if (first === 'b') {
    // `bc` and `bs`; a lone `b` (set baud rate) is long obsolete.
    name = text.slice(0, 2);
    parser = name === 'bc' || name === 'bs' ? exact(name) : undefined;
  } else {
    name = first ?? '';
    parser = first !== undefined && Object.prototype.hasOwnProperty.call(LETTERS, first) ? LETTERS[first] : undefined;
  }
  if (!parser) return { type: 'unknown', name: name.slice(0, 64) };
  try {
    return parser(text.slice(name.length), packet);
  } catch (e) {
    if (e instanceof Malformed) return { type: 'malformed', reason: `${name}: ${e.message}` };
    // A bug here, not in the packet; still never thrown at the server (the fuzz tests look for it).
    return { type: 'malformed', reason: `${name}: internal error: ${(e as Error).message}` };
  }
}

// ---- Fields ----

const HEX = /^[0-9a-fA-F]+$/;

/** A hex number up to 64 bits. */
function u64(text: string, what: string): bigint {
  if (!HEX.test(text)) fail(`bad ${what} '${clip(text)}'`);
  const digits = text.replace(/^0+(?=.)/, '');
  if (digits.length > 16) fail(`${what} wider than 64 bits`);
  return BigInt('0x' + digits);
}

/** A hex number in [0, max]. */
function uint(text: string, max: number, what: string): number {
  if (!HEX.test(text)) fail(`bad ${what} '${clip(text)}'`);
  const digits = text.replace(/^0+(?=.)/, '');
  if (digits.length > 13) fail(`${what} too large`);
  const n = parseInt(digits, 16);
  if (n > max) fail(`${what} 0x${digits} over 0x${max.toString(16)}`);
  return n;
}

/** Hex-encoded bytes, even length. */
function hexBytes(text: string, what: string): Uint8Array {
  if (text.length % 2 !== 0 || (text.length > 0 && !HEX.test(text))) fail(`bad hex ${what}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

function threadIdPart(text: string, what: string): ThreadIdPart {
  if (text === '-1') return 'all';
  const n = uint(text, MAX_THREAD_ID, what);
  return n === 0 ? 'any' : n;
}

export function parseThreadId(text: string): ThreadId {
  if (text.startsWith('p')) {
    const dot = text.indexOf('.');
    const pid = threadIdPart(dot < 0 ? text.slice(1) : text.slice(1, dot), 'process id');
    const tid = dot < 0 ? 'all' : threadIdPart(text.slice(dot + 1), 'thread id');
    return { pid, tid };
  }
  return { tid: threadIdPart(text, 'thread id') };
}

/** Split at the first `sep`; fails if it is missing. */
function split2(text: string, sep: string, what: string): [string, string] {
  const i = text.indexOf(sep);
  if (i < 0) fail(`missing '${sep}' ${what}`);
  return [text.slice(0, i), text.slice(i + sep.length)];
}

function addressAndLength(text: string): { address: bigint; length: number } {
  const [a, l] = split2(text, ',', 'between address and length');
  return { address: u64(a, 'address'), length: uint(l, MAX_TRANSFER_LENGTH, 'length') };
}

function optionalAddress(text: string): bigint | undefined {
  return text === '' ? undefined : u64(text, 'address');
}

function signalAndAddress(text: string): { signal: number; address?: bigint } {
  const semi = text.indexOf(';');
  const signal = uint(semi < 0 ? text : text.slice(0, semi), 0xff, 'signal');
  return semi < 0 ? { signal } : { signal, address: u64(text.slice(semi + 1), 'address') };
}

function flag(text: string, what: string): boolean {
  if (text === ':1') return true;
  if (text === ':0') return false;
  return fail(`${what} takes ':0' or ':1'`);
}

function optionalPid(text: string, sep: string): number | undefined {
  if (text === '') return undefined;
  if (!text.startsWith(sep)) fail(`expected '${sep}pid'`);
  return uint(text.slice(1), MAX_THREAD_ID, 'process id');
}

function clip(text: string): string {
  return text.length > 24 ? text.slice(0, 24) + '...' : text;
}

function exact<T extends Request['type']>(type: T): Parser {
  return (body) => {
    if (body !== '') fail('unexpected arguments');
    return { type } as Request;
  };
}

// ---- One parser per packet ----

const LETTERS: Record<string, Parser> = {
  '?': exact('?'),
  g: exact('g'),
  G: (body) => {
    if (body === '') fail('no register data');
    return { type: 'G', data: hexBytes(body, 'register data') };
  },
  p: (body) => ({ type: 'p', register: uint(body, MAX_REGISTER, 'register number') }),
  P: (body) => {
    const [n, v] = split2(body, '=', 'between register and value');
    if (v === '') fail('no value');
    return { type: 'P', register: uint(n, MAX_REGISTER, 'register number'), value: hexBytes(v, 'value') };
  },
  m: (body) => ({ type: 'm', ...addressAndLength(body) }),
  // Binary memory read (gdb 16): as m, answered with 'b' and the raw (escaped) bytes.
  x: (body) => ({ type: 'x', ...addressAndLength(body) }),
  M: (body) => {
    const [head, hex] = split2(body, ':', 'before the data');
    const { address, length } = addressAndLength(head);
    const data = hexBytes(hex, 'data');
    if (data.length !== length) fail(`length ${length} but ${data.length} bytes of data`);
    return { type: 'M', address, data };
  },
  X: (body, packet) => {
    const colon = body.indexOf(':');
    if (colon < 0) fail("missing ':' before the data");
    const { address, length } = addressAndLength(body.slice(0, colon));
    // Binary data, already unescaped by the codec: taken from the bytes (1 + colon + 1 = its start).
    const data = packet.bytes.slice(colon + 2);
    if (data.length !== length) fail(`length ${length} but ${data.length} bytes of data`);
    return { type: 'X', address, data };
  },
  c: (body) => ({ type: 'c', address: optionalAddress(body) }),
  s: (body) => ({ type: 's', address: optionalAddress(body) }),
  C: (body) => ({ type: 'C', ...signalAndAddress(body) }),
  S: (body) => ({ type: 'S', ...signalAndAddress(body) }),
  k: exact('k'),
  D: (body) => ({ type: 'D', pid: optionalPid(body, ';') }),
  H: (body) => {
    const op = body[0];
    if (op !== 'g' && op !== 'c') fail(`operation '${op ?? ''}' is not 'g' or 'c'`);
    return { type: 'H', op, thread: parseThreadId(body.slice(1)) };
  },
  T: (body) => ({ type: 'T', thread: parseThreadId(body) }),
  Z: (body) => breakpoint('Z', body),
  z: (body) => breakpoint('z', body),
};

function breakpoint(type: 'Z' | 'z', body: string): Request {
  // `Z type,addr,kind[;cond_list...][;cmds:persist,cmd_list...]`
  const semi = body.indexOf(';');
  const fields = (semi < 0 ? body : body.slice(0, semi)).split(',');
  if (fields.length !== 3) fail('expected type,addr,kind');
  const kind = uint(fields[0], 4, 'type') as BreakpointKind;
  return { type, kind, address: u64(fields[1], 'address'), size: uint(fields[2], MAX_TRANSFER_LENGTH, 'kind'), hasConditions: semi >= 0 };
}

const NAMED: Record<string, Parser> = {
  'vCont?': exact('vCont?'),
  vCont: (body) => {
    // `vCont[;action[:thread-id]]...`
    if (!body.startsWith(';')) fail('no actions');
    return { type: 'vCont', actions: body.slice(1).split(';').map(vContAction) };
  },
  vMustReplyEmpty: exact('vMustReplyEmpty'),
  vKill: (body) => ({ type: 'vKill', pid: optionalPid(body, ';') }),
  qSupported: (body) => {
    const features: SupportedFeatures = new Map();
    if (body === '') return { type: 'qSupported', features };
    if (!body.startsWith(':')) fail("expected ':' before the features");
    for (const item of body.slice(1).split(';')) {
      const eq = item.indexOf('=');
      if (eq > 0) features.set(item.slice(0, eq), item.slice(eq + 1));
      else if (item.length > 1 && (item.endsWith('+') || item.endsWith('-'))) features.set(item.slice(0, -1), item.endsWith('+'));
      // Empty items and `name?` (a form only stubs reply with) carry nothing to record.
    }
    return { type: 'qSupported', features };
  },
  QStartNoAckMode: exact('QStartNoAckMode'),
  qXfer: (body, packet) => {
    // `qXfer:object:read:annex:offset,length` and `qXfer:object:write:annex:offset:data...`
    const [object, rest1] = split2(body.slice(1), ':', 'after the object');
    if (!body.startsWith(':') || object === '') fail('no object');
    const [operation, rest2] = split2(rest1, ':', 'after the operation');
    if (operation === 'read') {
      const colon = rest2.lastIndexOf(':');
      if (colon < 0) fail("missing ':' before offset,length");
      const [offset, length] = split2(rest2.slice(colon + 1), ',', 'between offset and length');
      return {
        type: 'qXfer', object, operation, annex: rest2.slice(0, colon),
        offset: uint(offset, MAX_XFER_OFFSET, 'offset'), length: uint(length, MAX_TRANSFER_LENGTH, 'length'),
      };
    }
    if (operation === 'write') {
      const [annex, rest3] = split2(rest2, ':', 'after the annex');
      const [offset] = split2(rest3, ':', 'before the data');
      const dataStart = packet.text.length - rest3.length + offset.length + 1;
      return { type: 'qXfer', object, operation, annex, offset: uint(offset, MAX_XFER_OFFSET, 'offset'), data: packet.bytes.slice(dataStart) };
    }
    return fail(`operation '${clip(operation)}' is not read or write`);
  },
  qfThreadInfo: exact('qfThreadInfo'),
  qsThreadInfo: exact('qsThreadInfo'),
  qC: exact('qC'),
  qAttached: (body) => ({ type: 'qAttached', pid: optionalPid(body, ':') }),
  qThreadExtraInfo: (body) => {
    if (!body.startsWith(',')) fail("expected ',' before the thread-id");
    return { type: 'qThreadExtraInfo', thread: parseThreadId(body.slice(1)) };
  },
  qRcmd: (body) => {
    if (!body.startsWith(',')) fail("expected ',' before the command");
    return { type: 'qRcmd', command: new TextDecoder().decode(hexBytes(body.slice(1), 'command')) };
  },
  qOffsets: exact('qOffsets'),
  qSymbol: (body) => {
    // `qSymbol::` or `qSymbol:sym_value:sym_name` (name in hex; value empty when gdb has none).
    if (!body.startsWith(':')) fail("expected ':'");
    const [value, name] = split2(body.slice(1), ':', 'between value and name');
    if (value === '' && name === '') return { type: 'qSymbol' };
    return {
      type: 'qSymbol',
      value: value === '' ? undefined : u64(value, 'value'),
      name: new TextDecoder().decode(hexBytes(name, 'name')),
    };
  },
  qTStatus: exact('qTStatus'),
  QThreadEvents: (body) => ({ type: 'QThreadEvents', enable: flag(body, 'QThreadEvents') }),
  QNonStop: (body) => ({ type: 'QNonStop', enable: flag(body, 'QNonStop') }),
  qHostInfo: exact('qHostInfo'),
};

function vContAction(text: string): VContAction {
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const thread = colon < 0 ? undefined : parseThreadId(text.slice(colon + 1));
  const action = head[0];
  const arg = head.slice(1);
  switch (action) {
    case 'c': case 's': case 't':
      if (arg !== '') fail(`action '${action}' takes no argument`);
      return { action, thread };
    case 'C': case 'S':
      return { action, signal: uint(arg, 0xff, 'signal'), thread };
    case 'r': {
      const [start, end] = split2(arg, ',', 'between start and end');
      return { action, start: u64(start, 'range start'), end: u64(end, 'range end'), thread };
    }
    default:
      return fail(`unknown action '${clip(head)}'`);
  }
}
