// The Debug Adapter Protocol's base protocol ("Content-Length: N\r\n\r\n", then N bytes of JSON),
// read from a byte stream that may hold anything. The reader never throws and never stops reading:
// a bad header or body is a problem (one line, with its byte offset in the stream), after which
// the stream resynchronises at the next "Content-Length:". Memory is bounded: a header has a length
// limit, a body is buffered up to BODY_LIMIT, a larger declared length is skipped as it streams,
// and bytes without a header are discarded as they arrive (only a tail that could start one is
// kept). Then readMessage checks that a body is a message this adapter may act on.

import { DebugProtocol } from '@vscode/debugprotocol';

/** The field that starts every header: the resynchronisation point. */
const CONTENT_LENGTH = Buffer.from('Content-Length:', 'latin1');
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');
/** Bytes from "Content-Length:" to the blank line, or of fields before it. */
export const HEADER_LIMIT = 1024;
/**
 * The largest body buffered and parsed. DAP requests are small (a setBreakpoints with a thousand
 * breakpoints is ~100 KB); a 16 MiB body of `[{},{},...]` parses to 540 MB of objects.
 */
export const BODY_LIMIT = 2 ** 20;
/** A declared length up to this (and over BODY_LIMIT) is skipped as it streams; beyond, the header is bad. */
export const SKIP_LIMIT = 2 ** 30;
/** JSON nested deeper than this is refused before it is parsed (V8 takes seconds on 8M levels). */
export const DEPTH_LIMIT = 64;

/** What the reader finds: a whole body, or a problem to report (once per run of bad bytes). */
export interface FrameListener {
  body(body: Buffer, offset: number): void;
  problem(text: string): void;
}

/** An RFC 7230 header field other than Content-Length ("Name: value\r\n"), which DAP allows and ignores. */
const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*$/;

type State =
  | { kind: 'seek' }
  | { kind: 'body'; length: number; parts: Buffer[]; got: number; offset: number }
  | { kind: 'skip'; length: number; left: number; offset: number };

export class MessageReader {
  private state: State = { kind: 'seek' };
  /** Bytes not yet consumed (in 'seek': a possible header, never more than HEADER_LIMIT once waiting). */
  private buf: Buffer = Buffer.alloc(0);
  /** Stream offset of buf[0]. */
  private offset = 0;
  /** Just after a whole message (or at the start): fields may precede Content-Length here. */
  private atBoundary = true;
  /** Inside a run of bad bytes that was reported: more of it is not reported again. */
  private skipping = false;

  constructor(private readonly listener: FrameListener) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.step());
    // What waits for more input is small: copy it off the chunk it is a view of.
    if (this.state.kind === 'seek' && this.buf.length > 0) this.buf = Buffer.from(this.buf);
  }

  /** End of input: a message cut off is reported. */
  end(): void {
    const s = this.state;
    if (s.kind === 'body') this.report(`byte ${s.offset}: the input ended inside a body (${s.got} of ${s.length} bytes)`, true);
    else if (s.kind === 'skip') this.report(`byte ${s.offset}: the input ended inside a skipped body (${s.length - s.left} of ${s.length} bytes)`, true);
    else if (this.buf.length > 0 && !this.skipping) this.report(`byte ${this.offset}: the input ended inside a header`, true);
    this.buf = Buffer.alloc(0);
    this.state = { kind: 'seek' };
  }

  /** One step on buf; false when more input is needed. */
  private step(): boolean {
    const s = this.state;
    if (s.kind === 'body') {
      if (this.buf.length === 0 && s.got < s.length) return false;
      const take = Math.min(s.length - s.got, this.buf.length);
      s.parts.push(this.buf.subarray(0, take));
      s.got += take;
      this.consume(take);
      if (s.got < s.length) return false;
      this.state = { kind: 'seek' };
      this.atBoundary = true;
      this.listener.body(Buffer.concat(s.parts, s.length), s.offset);
      return true;
    }
    if (s.kind === 'skip') {
      if (this.buf.length === 0) return false;
      const take = Math.min(s.left, this.buf.length);
      s.left -= take;
      this.consume(take);
      if (s.left > 0) return false;
      this.state = { kind: 'seek' };
      this.atBoundary = true;
      return true;
    }
    return this.seek();
  }

  private seek(): boolean {
    if (this.buf.length === 0) return false;
    const at = this.buf.indexOf(CONTENT_LENGTH);
    if (at < 0) {
      if (this.mayBeFields(this.buf)) return false;
      this.junk();
      // Keep only what could be the start of "Content-Length:".
      this.consume(Math.max(0, this.buf.length - (CONTENT_LENGTH.length - 1)));
      return false;
    }
    if (at > 0) {
      if (!this.mayBeFields(this.buf.subarray(0, at), true)) this.junk();
      this.consume(at);
    }
    const window = this.buf.subarray(0, HEADER_LIMIT + BLANK_LINE.length);
    const end = window.indexOf(BLANK_LINE);
    if (end < 0) {
      if (window.length < HEADER_LIMIT + BLANK_LINE.length) return false;
      return this.badHeader(`a header of more than ${HEADER_LIMIT} bytes without its blank line`);
    }
    const lines = this.buf.toString('latin1', CONTENT_LENGTH.length, end).split('\r\n');
    const value = lines[0].replace(/^[ \t]+|[ \t]+$/g, '');
    if (!/^[0-9]{1,10}$/.test(value) || Number(value) > SKIP_LIMIT) {
      const shown = JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}...` : value);
      return this.badHeader(`Content-Length ${shown} is not a byte count up to ${SKIP_LIMIT}`);
    }
    for (const line of lines.slice(1)) {
      if (!FIELD_LINE.test(line)) return this.badHeader('a header line that is not "Name: value"');
      if (/^content-length:/i.test(line)) return this.badHeader('a second Content-Length in one header');
    }
    const offset = this.offset;
    const length = Number(value);
    this.consume(end + BLANK_LINE.length);
    this.skipping = false;
    this.atBoundary = false;
    if (length > BODY_LIMIT) {
      this.report(`byte ${offset}: a body of ${length} bytes is over the limit of ${BODY_LIMIT}: skipped`, true);
      this.state = { kind: 'skip', length, left: length, offset };
    } else {
      this.state = { kind: 'body', length, parts: [], got: 0, offset: offset + end + BLANK_LINE.length };
    }
    return true;
  }

  /**
   * Whether bytes before a Content-Length (or all of buf, waiting for one) can be header fields:
   * only just after a message, within HEADER_LIMIT, whole "Name: value" lines (and, when nothing
   * follows yet, the start of one).
   */
  private mayBeFields(bytes: Buffer, whole = false): boolean {
    if (!this.atBoundary || this.skipping || bytes.length > HEADER_LIMIT) return false;
    const lines = bytes.toString('latin1').split('\r\n');
    const last = lines.pop()!;
    if (whole ? last !== '' : !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]*(:[^\r\n]*\r?)?$/.test(last)) return false;
    return lines.every((l) => FIELD_LINE.test(l) && !/^content-length:/i.test(l));
  }

  /** Bytes that are no header: reported once per run, then discarded. */
  private junk(): void {
    this.report(`byte ${this.offset}: bytes without a "Content-Length: N" header: skipped to the next one`);
    this.atBoundary = false;
  }

  /** A header that starts with Content-Length but is bad: report, and look again just after its start. */
  private badHeader(what: string): boolean {
    this.report(`byte ${this.offset}: ${what}: skipped to the next header`);
    this.consume(CONTENT_LENGTH.length);
    this.atBoundary = false;
    return true;
  }

  private report(text: string, always = false): void {
    if (!always && this.skipping) return;
    this.skipping = !always || this.skipping;
    this.listener.problem(text);
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.offset += n;
  }
}

/** A message as the client framed it: the header, the blank line, the JSON body. */
export function frameMessage(message: DebugProtocol.ProtocolMessage): Buffer {
  const json = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${json.length}\r\n\r\n`, 'latin1'), json]);
}

/**
 * A body read: a message to hand to the session (a request with a numeric `seq`, a string `command`
 * and object `arguments`, or a response), or a problem. A problem with `request` is answered with
 * an error response to it; one without is reported.
 */
export type ReadResult =
  | { kind: 'message'; message: DebugProtocol.ProtocolMessage }
  | { kind: 'problem'; problem: string; request?: { seq: number; command: string } };

export function readMessage(body: Buffer, offset: number): ReadResult {
  const problem = (text: string, request?: { seq: number; command: string }): ReadResult => ({ kind: 'problem', problem: `byte ${offset}: ${text}`, request });
  const depth = nesting(body);
  if (depth > DEPTH_LIMIT) return problem(`a body nested more than ${DEPTH_LIMIT} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return problem(`a body that is not JSON (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem(`a body that is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a message object`);
  }
  const m = value as Record<string, unknown>;
  const seq = own(m, 'seq');
  const command = own(m, 'command');
  const answerable = Number.isSafeInteger(seq) && typeof command === 'string' ? { seq: seq as number, command: command as string } : undefined;
  const type = own(m, 'type');
  if (type === 'response') {
    if (Number.isSafeInteger(own(m, 'request_seq'))) return { kind: 'message', message: m as unknown as DebugProtocol.Response };
    return problem('a response without a numeric request_seq');
  }
  if (type !== 'request') {
    const what = typeof type === 'string' ? `of type ${JSON.stringify(type.slice(0, 40))}` : 'without a string "type"';
    return problem(`a message ${what}: only requests are read`, answerable);
  }
  if (!answerable) return problem('a request without a numeric "seq" and a string "command"');
  const args = own(m, 'arguments');
  if (args !== undefined && args !== null && (typeof args !== 'object' || Array.isArray(args))) {
    return problem(`the arguments of a ${JSON.stringify(answerable.command.slice(0, 40))} request are not an object`, answerable);
  }
  return { kind: 'message', message: m as unknown as DebugProtocol.Request };
}

/** A property the object itself has (never one of Object.prototype's). */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** How deep JSON text nests arrays and objects (strings skipped), stopping past DEPTH_LIMIT. */
function nesting(text: Buffer): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > DEPTH_LIMIT) return depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return depth;
}
