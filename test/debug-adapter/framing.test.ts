// The adapter's framing on byte streams (src/debug-adapter/framing.ts): every stream below is fed
// whole and split at every byte boundary (and byte by byte), and must give the same bodies and
// problems: the reader resynchronises at the next "Content-Length: N\r\n\r\n" whatever came before,
// and keeps only a bounded tail of bytes that are not a message.

import { describe, expect, it } from 'vitest';
import { BODY_LIMIT, frameMessage, HEADER_LIMIT, MessageReader, readMessage } from '../../src/debug-adapter/framing';

const REQUEST = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'x' } });
const framed = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

interface Read { bodies: string[]; problems: string[] }

function read(chunks: Buffer[]): Read {
  const r: Read = { bodies: [], problems: [] };
  const reader = new MessageReader({ body: (b) => r.bodies.push(b.toString('utf8')), problem: (p) => r.problems.push(p) });
  for (const c of chunks) reader.push(c);
  reader.end();
  return r;
}

/** The stream read whole, split in two at every byte, and byte by byte: always the same result. */
function readEverySplit(stream: string | Buffer): Read {
  const bytes = typeof stream === 'string' ? Buffer.from(stream, 'latin1') : stream;
  const whole = read([bytes]);
  for (let i = 1; i < bytes.length; i++) expect(read([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`).toEqual(whole);
  expect(read([...bytes].map((b) => Buffer.from([b]))), 'byte by byte').toEqual(whole);
  return whole;
}

describe('the DAP framing', () => {
  it('reads messages back to back, with other header fields, and an empty body', () => {
    const r = readEverySplit(framed(REQUEST) + framed('{}') + `X-Other: 1\r\nContent-Length: 2\r\nContent-Type: json\r\n\r\n[]` + 'Content-Length: 0\r\n\r\n');
    expect(r).toEqual({ bodies: [REQUEST, '{}', '[]', ''], problems: [] });
  });

  it('the writer frames what the reader reads', () => {
    const m = { seq: 3, type: 'event', event: 'output', body: { output: 'é ✓\r\n\r\nContent-Length: 3\r\n\r\n' } };
    expect(readEverySplit(frameMessage(m)).bodies.map((b) => JSON.parse(b))).toEqual([m]);
  });

  // Each of the inputs (item 7), then a valid request: one problem naming it, then the request.
  const cases: [string, string, RegExp][] = [
    ['Content-Length abc', 'Content-Length: abc\r\n\r\n{}', /^byte 0: Content-Length "abc" is not a byte count/],
    ['Content-Length -5', 'Content-Length: -5\r\n\r\n{"seq":1}', /^byte 0: Content-Length "-5" is not a byte count/],
    ['Content-Length 2^53+1', 'Content-Length: 9007199254740993\r\n\r\n', /^byte 0: Content-Length "9007199254740993" is not a byte count up to 1073741824/],
    ['junk without a header', 'garbage {"seq":1}\r\n\r\n', /^byte 0: bytes without a "Content-Length: N" header/],
    ['a header without its blank line', `Content-Length: 5\r\n${'a'.repeat(3000)}`, /^byte 0: a header of more than 1024 bytes without its blank line/],
    ['a body cut off by a shorter length', 'Content-Length: 3\r\n\r\n{"seq":1,"type":"request"}', /^byte 24: bytes without/],
    ['two Content-Lengths (the second one is read)', 'Content-Length: 5\r\nContent-Length: 6\r\n\r\n123456', /^byte 0: a second Content-Length/],
    ['a bad field', `Content-Length: 5\r\n{bad}\r\n\r\n`, /^byte 0: a header line that is not "Name: value"/],
    ['junk glued to the header', 'xyzContent-Length: 1', /^byte 0: bytes without/],
    ['lowercase field name', 'content-length: 2\r\n\r\n{}', /^byte 0: bytes without/],
  ];
  for (const [name, junk, problem] of cases) {
    it(`${name}: reported once, then the next message is read`, () => {
      const r = readEverySplit(junk + framed(REQUEST));
      expect(r.problems.length, r.problems.join('\n')).toBe(1);
      expect(r.problems[0]).toMatch(problem);
      expect(r.bodies.at(-1)).toBe(REQUEST);
      // A body cut short is delivered as framed (readMessage reports it), the request after it too.
      expect(r.bodies).toEqual(name.startsWith('a body cut off') ? ['{"s', REQUEST] : name.startsWith('two') ? ['123456', REQUEST] : [REQUEST]);
    });
  }

  it('a valid message after junk is read and resets the reporting: the next junk is reported again', () => {
    const r = readEverySplit(`junk${framed('{}')}more junk${framed('[]')}`);
    expect(r.bodies).toEqual(['{}', '[]']);
    expect(r.problems).toEqual(['byte 0: bytes without a "Content-Length: N" header: skipped to the next one', `byte ${4 + framed('{}').length}: bytes without a "Content-Length: N" header: skipped to the next one`]);
  });

  it('the end of input inside a body or a header is reported', () => {
    expect(readEverySplit('Content-Length: 10\r\n\r\n{"se').problems).toEqual(['byte 22: the input ended inside a body (4 of 10 bytes)']);
    expect(readEverySplit('Content-Length: 10\r\n').problems).toEqual(['byte 0: the input ended inside a header']);
  });

  it('a body over BODY_LIMIT is skipped as it streams (one problem), and the next message is read', () => {
    const big = BODY_LIMIT + 10;
    const reader = new MessageReader({ body: (b) => bodies.push(b.toString()), problem: (p) => problems.push(p) });
    const bodies: string[] = [];
    const problems: string[] = [];
    reader.push(Buffer.from(`Content-Length: ${big}\r\n\r\n`));
    for (let left = big; left > 0; left -= 65536) reader.push(Buffer.alloc(Math.min(65536, left), 0x7b));
    reader.push(Buffer.from(framed(REQUEST)));
    expect(problems).toEqual([`byte 0: a body of ${big} bytes is over the limit of ${BODY_LIMIT}: skipped`]);
    expect(bodies).toEqual([REQUEST]);
  });

  it('bytes without a header are not kept: 8 MB of junk leaves at most a header-sized tail', () => {
    const reader = new MessageReader({ body: () => {}, problem: () => {} });
    const chunk = Buffer.alloc(65536, 'Content-Length'.slice(0, 7));
    for (let i = 0; i < 128; i++) reader.push(chunk);
    expect((reader as unknown as { buf: Buffer }).buf.length).toBeLessThan(CONTENT_LENGTH_BYTES);
    // A header that never ends is dropped at HEADER_LIMIT, however it is fed.
    for (let i = 0; i < 200; i++) reader.push(Buffer.from(`Content-Length: ${'9'.repeat(100)}`));
    expect((reader as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(HEADER_LIMIT + 200);
  });
});

const CONTENT_LENGTH_BYTES = 'Content-Length:'.length;

describe('bodies: readMessage', () => {
  const body = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  it('a request with a numeric seq, a string command and object arguments is a message', () => {
    expect(readMessage(body({ seq: 1, type: 'request', command: 'threads' }), 0).kind).toBe('message');
    expect(readMessage(body({ seq: 1, type: 'request', command: 'threads', arguments: null }), 0).kind).toBe('message');
    expect(readMessage(body({ seq: 5, type: 'response', request_seq: 2, command: 'runInTerminal', success: true }), 0).kind).toBe('message');
  });
  it('what is not a request is reported, or answered when it has a seq and a command', () => {
    const cases: [unknown, string, boolean][] = [
      ['hello', 'byte 9: a body that is not JSON (Unexpected token', false],
      ['{"seq":1,', 'byte 9: a body that is not JSON (', false],
      [null, 'byte 9: a body that is null, not a message object', false],
      [[1], 'byte 9: a body that is an array, not a message object', false],
      [7, 'byte 9: a body that is a number, not a message object', false],
      [{ seq: 1, command: 'threads' }, 'byte 9: a message without a string "type": only requests are read', true],
      [{ seq: 1, type: 'event', event: 'x' }, 'byte 9: a message of type "event": only requests are read', false],
      [{ type: 'request', command: 'threads' }, 'byte 9: a request without a numeric "seq" and a string "command"', false],
      [{ seq: '1', type: 'request', command: 'threads' }, 'byte 9: a request without a numeric "seq"', false],
      [{ seq: 1, type: 'request', command: 7 }, 'byte 9: a request without a numeric "seq"', false],
      [{ seq: 1, type: 'request', command: 'next', arguments: [1] }, 'byte 9: the arguments of a "next" request are not an object', true],
      [{ seq: 1, type: 'request', command: 'next', arguments: 'x' }, 'byte 9: the arguments of a "next" request are not an object', true],
      [{ seq: 1, type: 'response' }, 'byte 9: a response without a numeric request_seq', false],
      ['{"__proto__":{"type":"request"},"seq":1,"command":"x"}', 'byte 9: a message without a string "type"', true],
      [`{"seq":1,"type":"request","command":"x","arguments":${'['.repeat(100)}${']'.repeat(100)}}`, 'byte 9: a body nested more than 64 levels deep', false],
    ];
    for (const [v, problem, answered] of cases) {
      const r = readMessage(body(v), 9);
      expect(r.kind, JSON.stringify(v)).toBe('problem');
      if (r.kind !== 'problem') continue;
      expect(r.problem.startsWith(problem), `${r.problem} vs ${problem}`).toBe(true);
      expect(r.problem).not.toMatch(/\n|    at /);
      expect(r.request !== undefined, JSON.stringify(v)).toBe(answered);
    }
  });
  it('8 million levels of nesting are refused at once, not parsed', () => {
    const r = readMessage(Buffer.from('['.repeat(8e6) + ']'.repeat(8e6)), 0);
    // The depth scan's own message: JSON.parse never saw it.
    expect(r).toMatchObject({ kind: 'problem', problem: 'byte 0: a body nested more than 64 levels deep' });
  });
});
