// Replies to gdb, as packet data for codec.ts's encodePacket (which also does the binary escaping).
// Text replies are strings; replies carrying binary data are bytes.

import { toHex } from './codec';
import { ThreadId } from './packets';

export function ok(): string {
  return 'OK';
}

/** `Exx`: an error number, two hex digits (gdb shows it but gives it no meaning). */
export function error(code: number): string {
  if (!Number.isInteger(code) || code < 0 || code > 0xff) throw new RangeError(`error code ${code} is not a byte`);
  return 'E' + hex2(code);
}

/** Why execution stopped, as the stop reply's `reason:` field ("Stop Reply Packets"). */
export type StopReason =
  | { kind: 'swbreak' }
  | { kind: 'hwbreak' }
  | { kind: 'watch' | 'rwatch' | 'awatch'; address: bigint }
  /** Replay reached the end or the start of the recording. */
  | { kind: 'replaylog'; which: 'begin' | 'end' };

export interface StopReplyOptions {
  /** A gdb signal number (5 = SIGTRAP, 2 = SIGINT). */
  signal: number;
  thread?: ThreadId | number;
  reason?: StopReason;
  /** Registers sent along so that gdb need not ask (`n:value;`, value in target byte order). */
  registers?: ReadonlyArray<{ register: number; value: Uint8Array }>;
}

/** `XAA`: the process was terminated by signal AA (gdb's number), the stop reply that ends it ("Stop Reply Packets"). */
export function terminated(signal: number): string {
  if (!Number.isInteger(signal) || signal < 0 || signal > 0xff) throw new RangeError(`signal ${signal} is not a byte`);
  return 'X' + hex2(signal);
}

/** `T05thread:p1.1;swbreak:;` and the like. */
export function stopReply(options: StopReplyOptions): string {
  const { signal, thread, reason, registers } = options;
  if (!Number.isInteger(signal) || signal < 0 || signal > 0xff) throw new RangeError(`signal ${signal} is not a byte`);
  let s = 'T' + hex2(signal);
  for (const r of registers ?? []) s += `${hex2(r.register)}:${toHex(r.value)};`;
  if (thread !== undefined) s += `thread:${formatThreadId(thread)};`;
  if (reason) {
    switch (reason.kind) {
      case 'swbreak': case 'hwbreak':
        s += `${reason.kind}:;`;
        break;
      case 'watch': case 'rwatch': case 'awatch':
        s += `${reason.kind}:${BigInt.asUintN(64, reason.address).toString(16)};`;
        break;
      case 'replaylog':
        s += `replaylog:${reason.which};`;
        break;
    }
  }
  return s;
}

/** gdb's thread-id syntax: `1`, `-1`, `0`, or `p1.2` when a process is given. */
export function formatThreadId(id: ThreadId | number): string {
  if (typeof id === 'number') return part(id);
  return id.pid === undefined ? part(id.tid) : `p${part(id.pid)}.${part(id.tid)}`;
}

function part(p: number | 'all' | 'any'): string {
  if (p === 'all') return '-1';
  if (p === 'any') return '0';
  if (!Number.isInteger(p) || p < 0) throw new RangeError(`thread id ${p}`);
  return p.toString(16);
}

/** A reply to `qfThreadInfo`/`qsThreadInfo`: `m1,2,3`, or `l` once there are no more. */
export function threadList(ids: ReadonlyArray<ThreadId | number>): string {
  return ids.length === 0 ? 'l' : 'm' + ids.map(formatThreadId).join(',');
}

/**
 * A reply to `qXfer:...:read:annex:offset,length`: up to `length` bytes of `data` from `offset`,
 * prefixed `m` if more follows and `l` if this reaches the end. The bytes are sent as binary data;
 * encodePacket escapes them.
 */
export function xferChunk(data: Uint8Array, offset: number, length: number): Uint8Array {
  const start = Math.min(offset, data.length);
  const end = Math.min(start + length, data.length);
  const out = new Uint8Array(1 + end - start);
  out[0] = end < data.length ? 0x6d /* m */ : 0x6c; /* l */
  out.set(data.subarray(start, end), 1);
  return out;
}

/** Text as hex of its UTF-8 bytes (a `qRcmd` reply, `qThreadExtraInfo`). */
export function hexEncodeText(text: string): string {
  return toHex(new TextEncoder().encode(text));
}

/**
 * `Oxx...`: console output, sent while a `qRcmd` runs before its final reply, or while the target
 * runs (c, s, vCont, bc, bs) before the stop reply.
 */
export function consoleOutput(text: string): string {
  return 'O' + hexEncodeText(text);
}

/** What the stub offers, for the `qSupported` reply. */
export interface Offers {
  /** The largest packet it accepts (`PacketSize`, hex in the reply). */
  packetSize: number;
  /** The qXfer objects it can read (e.g. `features`). */
  xferRead: readonly string[];
  /** Stop reasons it reports (`swbreak`, `hwbreak`), when gdb said it understands them. */
  stopReasons: readonly ('swbreak' | 'hwbreak')[];
  /** Reverse execution (bc, bs). */
  reverse: boolean;
}

/** The reply to `qSupported` ("General Query Packets"): `name=value;name+;...`. */
export function supported(offers: Offers): string {
  const items = [`PacketSize=${offers.packetSize.toString(16)}`, 'QStartNoAckMode+'];
  for (const object of offers.xferRead) items.push(`qXfer:${object}:read+`);
  for (const r of offers.stopReasons) items.push(`${r}+`);
  items.push('vContSupported+', 'multiprocess-');
  if (offers.reverse) items.push('ReverseContinue+', 'ReverseStep+');
  return items.join(';');
}

/** A reply to `qC`: the current thread. */
export function currentThread(id: ThreadId | number): string {
  return `QC${formatThreadId(id)}`;
}

/** A reply to `m`: the bytes as hex. */
export function memory(data: Uint8Array): string {
  return toHex(data);
}

/** A reply to `x` (binary memory read, gdb 16): `b` then the bytes, escaped by encodePacket. */
export function binaryMemory(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + data.length);
  out[0] = 0x62; // b
  out.set(data, 1);
  return out;
}

/** `E.text`: an error with a message gdb shows ("Standard Replies"). */
export function textError(text: string): string {
  return `E.${text}`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
