// Request parsing (one parser per packet) and reply building, then fuzzing of decoder + parser.
// Packets marked "gdb 13" are exactly what gdb-multiarch 13.1 sent to a stub.

import { describe, expect, it } from 'vitest';
import { bytesToLatin1, encodePacket, Frame, PacketDecoder, toHex } from '../../src/gdbstub/codec';
import { MAX_REGISTER, MAX_THREAD_ID, MAX_TRANSFER_LENGTH, MAX_XFER_OFFSET, parseRequest, Request, ThreadId, ThreadIdPart } from '../../src/gdbstub/packets';
import { consoleOutput, error, formatThreadId, hexEncodeText, ok, stopReply, threadList, xferChunk } from '../../src/gdbstub/replies';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const parse = (s: string): Request => parseRequest(bytes(s));

describe('packets as gdb 13 sends them', () => {
  const cases: Array<[string, Request]> = [
    ['qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386', {
      type: 'qSupported',
      features: new Map<string, boolean | string>([
        ['multiprocess', true], ['swbreak', true], ['hwbreak', true], ['qRelocInsn', true], ['fork-events', true],
        ['vfork-events', true], ['exec-events', true], ['vContSupported', true], ['QThreadEvents', true],
        ['no-resumed', true], ['memory-tagging', true], ['xmlRegisters', 'i386'],
      ]),
    }],
    ['vMustReplyEmpty', { type: 'vMustReplyEmpty' }],
    ['QStartNoAckMode', { type: 'QStartNoAckMode' }],
    ['Hgp0.0', { type: 'H', op: 'g', thread: { pid: 'any', tid: 'any' } }],
    ['Hc-1', { type: 'H', op: 'c', thread: { tid: 'all' } }],
    ['Hcp1.0', { type: 'H', op: 'c', thread: { pid: 1, tid: 'any' } }],
    ['Hgp1.2', { type: 'H', op: 'g', thread: { pid: 1, tid: 2 } }],
    ['qTStatus', { type: 'qTStatus' }],
    ['?', { type: '?' }],
    ['qfThreadInfo', { type: 'qfThreadInfo' }],
    ['qsThreadInfo', { type: 'qsThreadInfo' }],
    ['qAttached:1', { type: 'qAttached', pid: 1 }],
    ['g', { type: 'g' }],
    ['mfffffffffffffffc,4', { type: 'm', address: 0xfffffffffffffffcn, length: 4 }],
    ['mffffffff80200000,40', { type: 'm', address: 0xffffffff80200000n, length: 0x40 }],
    ['xffffffff80200000,40', { type: 'x', address: 0xffffffff80200000n, length: 0x40 }],
    ['qThreadExtraInfo,p1.2', { type: 'qThreadExtraInfo', thread: { pid: 1, tid: 2 } }],
    ['Tp1.2', { type: 'T', thread: { pid: 1, tid: 2 } }],
    ['Z0,ffffffff80201234,2', { type: 'Z', kind: 0, address: 0xffffffff80201234n, size: 2, hasConditions: false }],
    ['Z2,ffffffff80300000,8', { type: 'Z', kind: 2, address: 0xffffffff80300000n, size: 8, hasConditions: false }],
    ['z0,2,2', { type: 'z', kind: 0, address: 2n, size: 2, hasConditions: false }],
    ['vCont?', { type: 'vCont?' }],
    ['vCont;c:p1.-1', { type: 'vCont', actions: [{ action: 'c', thread: { pid: 1, tid: 'all' } }] }],
    ['vCont;s:p1.2;c:p1.-1', { type: 'vCont', actions: [{ action: 's', thread: { pid: 1, tid: 2 } }, { action: 'c', thread: { pid: 1, tid: 'all' } }] }],
    ['bs', { type: 'bs' }],
    ['bc', { type: 'bc' }],
    ['Xffffffff80200000,0:', { type: 'X', address: 0xffffffff80200000n, data: new Uint8Array(0) }],
    ['qRcmd,68656c70206d65', { type: 'qRcmd', command: 'help me' }],
    ['D;1', { type: 'D', pid: 1 }],
  ];
  it.each(cases)('%s', (payload, expected) => {
    expect(parse(payload)).toEqual(expected);
  });

  it('X with escaped bytes, through the decoder (gdb 13)', () => {
    const frames = new PacketDecoder().push(bytes('$Xffffffff80200000,6:}\x04}\x03}]}\n\x03\x00#13'));
    expect(frames).toHaveLength(1);
    const f = frames[0];
    if (f.kind !== 'packet') throw new Error('not a packet');
    expect(parseRequest(f.payload)).toEqual({ type: 'X', address: 0xffffffff80200000n, data: Uint8Array.of(0x24, 0x23, 0x7d, 0x2a, 0x03, 0x00) });
  });
});

describe('one parser per packet', () => {
  const cases: Array<[string, Request]> = [
    ['G' + '00'.repeat(4) + 'ff', { type: 'G', data: Uint8Array.of(0, 0, 0, 0, 0xff) }],
    ['p20', { type: 'p', register: 0x20 }],
    ['p1041', { type: 'p', register: 0x1041 }],
    ['P20=3412208000000000', { type: 'P', register: 0x20, value: Uint8Array.of(0x34, 0x12, 0x20, 0x80, 0, 0, 0, 0) }],
    ['M80200000,3:0a0B0c', { type: 'M', address: 0x80200000n, data: Uint8Array.of(0x0a, 0x0b, 0x0c) }],
    ['M80200000,0:', { type: 'M', address: 0x80200000n, data: new Uint8Array(0) }],
    ['X10,3:a:b', { type: 'X', address: 0x10n, data: bytes('a:b') }],
    ['c', { type: 'c' }],
    ['c80200000', { type: 'c', address: 0x80200000n }],
    ['s', { type: 's' }],
    ['sffffffff80200000', { type: 's', address: 0xffffffff80200000n }],
    ['C05', { type: 'C', signal: 5 }],
    ['C02;80200000', { type: 'C', signal: 2, address: 0x80200000n }],
    ['S0b', { type: 'S', signal: 0xb }],
    ['S05;10', { type: 'S', signal: 5, address: 0x10n }],
    ['vCont;C05:2;S0b:p1.3;t:p1.1;r80200000,80200010:1;s', {
      type: 'vCont',
      actions: [
        { action: 'C', signal: 5, thread: { tid: 2 } },
        { action: 'S', signal: 0xb, thread: { pid: 1, tid: 3 } },
        { action: 't', thread: { pid: 1, tid: 1 } },
        { action: 'r', start: 0x80200000n, end: 0x80200010n, thread: { tid: 1 } },
        { action: 's' },
      ],
    }],
    ['vCont;c', { type: 'vCont', actions: [{ action: 'c' }] }],
    ['vKill;1', { type: 'vKill', pid: 1 }],
    ['vKill', { type: 'vKill' }],
    ['k', { type: 'k' }],
    ['D', { type: 'D' }],
    ['Hg1', { type: 'H', op: 'g', thread: { tid: 1 } }],
    ['Hg0', { type: 'H', op: 'g', thread: { tid: 'any' } }],
    ['Hgp1', { type: 'H', op: 'g', thread: { pid: 1, tid: 'all' } }],
    ['Hgp-1.-1', { type: 'H', op: 'g', thread: { pid: 'all', tid: 'all' } }],
    ['T7fffffff', { type: 'T', thread: { tid: 0x7fffffff } }],
    ['Z1,80200000,4', { type: 'Z', kind: 1, address: 0x80200000n, size: 4, hasConditions: false }],
    ['Z3,80300000,1', { type: 'Z', kind: 3, address: 0x80300000n, size: 1, hasConditions: false }],
    ['z4,80300000,8', { type: 'z', kind: 4, address: 0x80300000n, size: 8, hasConditions: false }],
    // Target-side conditions and commands (only sent if advertised): parsed past, flagged.
    ['Z0,80200000,2;X3,220105;cmds:0,X2,2201', { type: 'Z', kind: 0, address: 0x80200000n, size: 2, hasConditions: true }],
    ['qSupported', { type: 'qSupported', features: new Map() }],
    ['qSupported:;multiprocess-;PacketSize=1000;name?', { type: 'qSupported', features: new Map<string, boolean | string>([['multiprocess', false], ['PacketSize', '1000']]) }],
    ['qXfer:features:read:target.xml:0,ffb', { type: 'qXfer', object: 'features', operation: 'read', annex: 'target.xml', offset: 0, length: 0xffb }],
    ['qXfer:features:read:riscv-64bit-cpu.xml:7fd,ffb', { type: 'qXfer', object: 'features', operation: 'read', annex: 'riscv-64bit-cpu.xml', offset: 0x7fd, length: 0xffb }],
    ['qXfer:threads:read::0,fff', { type: 'qXfer', object: 'threads', operation: 'read', annex: '', offset: 0, length: 0xfff }],
    ['qXfer:exec-file:read:1:0,fff', { type: 'qXfer', object: 'exec-file', operation: 'read', annex: '1', offset: 0, length: 0xfff }],
    ['qXfer:siginfo:write::10:a:b\x00', { type: 'qXfer', object: 'siginfo', operation: 'write', annex: '', offset: 0x10, data: bytes('a:b\x00') }],
    ['qC', { type: 'qC' }],
    ['qAttached', { type: 'qAttached' }],
    ['qThreadExtraInfo,2', { type: 'qThreadExtraInfo', thread: { tid: 2 } }],
    ['qRcmd,', { type: 'qRcmd', command: '' }],
    ['qRcmd,' + toHex(new TextEncoder().encode('info \u00e9t\u00e9')), { type: 'qRcmd', command: 'info \u00e9t\u00e9' }],
    ['qOffsets', { type: 'qOffsets' }],
    ['qSymbol::', { type: 'qSymbol' }],
    ['qSymbol:ffffffff81000000:' + toHex(bytes('init_task')), { type: 'qSymbol', value: 0xffffffff81000000n, name: 'init_task' }],
    ['qSymbol::' + toHex(bytes('jiffies')), { type: 'qSymbol', name: 'jiffies' }],
    ['QThreadEvents:1', { type: 'QThreadEvents', enable: true }],
    ['QThreadEvents:0', { type: 'QThreadEvents', enable: false }],
    ['QNonStop:0', { type: 'QNonStop', enable: false }],
    ['qHostInfo', { type: 'qHostInfo' }],
    // Numbers: leading zeros and upper case are fine; the top of the address space too.
    ['m0000000000000000ffffffffffffffff,0001', { type: 'm', address: 0xffffffffffffffffn, length: 1 }],
    ['mFFFFFFFF80200000,A', { type: 'm', address: 0xffffffff80200000n, length: 10 }],
    ['m0,' + MAX_TRANSFER_LENGTH.toString(16), { type: 'm', address: 0n, length: MAX_TRANSFER_LENGTH }],
  ];
  it.each(cases)('%s', (payload, expected) => {
    expect(parse(payload)).toEqual(expected);
  });
});

describe('unknown packets get an empty reply', () => {
  it.each([
    ['qTfV', 'qTfV'],
    ['vFile:setfs:0', 'vFile'],
    ['qCRC:80200000,100', 'qCRC'], // shares a prefix with qC
    ['qCx', 'qCx'],
    ['qC1', 'qC1'],
    ['qAttached1', 'qAttached1'],
    ['qSupportedx:1', 'qSupportedx'],
    ['vKillx', 'vKillx'],
    ['QPassSignals:e;10;14', 'QPassSignals'],
    ['QProgramSignals:', 'QProgramSignals'],
    ['qL1160000000000000000', 'qL1160000000000000000'],
    ['vContx', 'vContx'],
    ['vRun;', 'vRun'],
    ['b9600', 'b9'],
    ['i', 'i'],
    ['!', '!'],
    ['', ''],
    ['toString', 't'],
    ['qconstructor', 'qconstructor'],
    ['q__proto__', 'q__proto__'],
  ])('%j', (payload, name) => {
    expect(parse(payload)).toEqual({ type: 'unknown', name });
  });
});

describe('malformed packets', () => {
  it.each([
    'g1', '?x', 'k0', 'bcx', 'QStartNoAckMode:1', 'vCont?;c', 'vMustReplyEmpty:',
    'G', 'G0', 'Gzz',
    'p', 'p-1', 'pzz', 'p10000', 'P20', 'P20=', 'P=00', 'P20=0', 'P20=zz',
    'm', 'm80200000', 'm,4', 'm80200000,', 'mzz,4', 'm-1,4', 'm80200000,-4', 'm 80200000,4',
    'm10000000000000000,4', 'm80200000,' + (MAX_TRANSFER_LENGTH + 1).toString(16), 'm80200000,fffffffffffffffff',
    'M80200000,2:00', 'M80200000,1:0g', 'M80200000,1', 'M80200000,1:000',
    'X80200000,2:a', 'X80200000,1', 'X80200000,1:ab',
    'cxyz', 'c-1', 's10000000000000000', 'C', 'C100', 'Cxx', 'C05;', 'S05;zz',
    'vCont', 'vCont;', 'vCont;x', 'vCont;c;', 'vCont;cc', 'vCont;C', 'vCont;Czz', 'vCont;c:', 'vCont;c:q', 'vCont;r1', 'vCont;r1,', 'vCont;c:p1.-2',
    'vKill;', 'D;', 'D;x', 'Dx',
    'H', 'Hg', 'Hx1', 'Hm1', 'Hg-2', 'Hgp', 'Hgp1.', 'Hg' + (MAX_THREAD_ID + 1).toString(16), 'Hgp1.2.3',
    'T', 'Tzz',
    'Z', 'Z0', 'Z0,1', 'Z5,80200000,2', 'Z0,80200000', 'Z0,,2', 'Z0,1,2,3', 'z9,1,2', 'Z-1,1,2', 'Z0,1,' + (MAX_TRANSFER_LENGTH + 1).toString(16),
    'qSupported;x',
    'qXfer', 'qXfer:', 'qXfer::read::0,1', 'qXfer:features', 'qXfer:features:read', 'qXfer:features:read:target.xml',
    'qXfer:features:read:target.xml:0', 'qXfer:features:read:target.xml:x,1', 'qXfer:features:delete:x:0,1',
    'qXfer:features:read:target.xml:' + (MAX_XFER_OFFSET + 1).toString(16) + ',1',
    'qXfer:siginfo:write::0', 'qXfer:siginfo:write::x:00',
    'qAttached:', 'qAttached:x',
    'qThreadExtraInfo', 'qThreadExtraInfo,', 'qThreadExtraInfo:1',
    'qRcmd', 'qRcmd:6869', 'qRcmd,6', 'qRcmd,zz',
    'qSymbol', 'qSymbol:', 'qSymbol:x:', 'qSymbol::6',
    'QThreadEvents', 'QThreadEvents:2', 'QNonStop:', 'QNonStop:yes',
  ])('%j', (payload) => {
    const r = parse(payload);
    expect(r.type).toBe('malformed');
    if (r.type === 'malformed') expect(r.reason.length).toBeGreaterThan(0);
  });
});

describe('replies', () => {
  it('OK and errors', () => {
    expect(ok()).toBe('OK');
    expect(error(1)).toBe('E01');
    expect(error(0x14)).toBe('E14');
    expect(error(0xff)).toBe('Eff');
    expect(() => error(256)).toThrow(RangeError);
  });

  it('stop replies', () => {
    expect(stopReply({ signal: 5 })).toBe('T05');
    expect(stopReply({ signal: 5, thread: 1 })).toBe('T05thread:1;');
    expect(stopReply({ signal: 5, thread: { pid: 1, tid: 1 }, reason: { kind: 'swbreak' } })).toBe('T05thread:p1.1;swbreak:;');
    expect(stopReply({ signal: 5, thread: 2, reason: { kind: 'hwbreak' } })).toBe('T05thread:2;hwbreak:;');
    expect(stopReply({ signal: 5, thread: 0x1a, reason: { kind: 'watch', address: 0xffffffff80300000n } })).toBe('T05thread:1a;watch:ffffffff80300000;');
    expect(stopReply({ signal: 5, thread: 1, reason: { kind: 'rwatch', address: 0x10n } })).toBe('T05thread:1;rwatch:10;');
    expect(stopReply({ signal: 5, thread: 1, reason: { kind: 'awatch', address: 0n } })).toBe('T05thread:1;awatch:0;');
    expect(stopReply({ signal: 5, thread: 1, reason: { kind: 'replaylog', which: 'begin' } })).toBe('T05thread:1;replaylog:begin;');
    expect(stopReply({ signal: 5, reason: { kind: 'replaylog', which: 'end' } })).toBe('T05replaylog:end;');
    expect(stopReply({ signal: 2, thread: 3 })).toBe('T02thread:3;');
    expect(stopReply({ signal: 5, thread: 1, registers: [{ register: 0x20, value: Uint8Array.of(0x34, 0x12, 0, 0, 0, 0, 0, 0) }] }))
      .toBe('T0520:3412000000000000;thread:1;');
    expect(() => stopReply({ signal: 300 })).toThrow(RangeError);
  });

  it('thread ids and thread lists', () => {
    expect(formatThreadId(10)).toBe('a');
    expect(formatThreadId({ tid: 'all' })).toBe('-1');
    expect(formatThreadId({ tid: 'any' })).toBe('0');
    expect(formatThreadId({ pid: 1, tid: 'all' })).toBe('p1.-1');
    expect(threadList([1, 2, 0x10])).toBe('m1,2,10');
    expect(threadList([{ pid: 1, tid: 1 }, { pid: 1, tid: 2 }])).toBe('mp1.1,p1.2');
    expect(threadList([])).toBe('l');
  });

  it('qXfer chunks: m while more follows, l at the end, binary-escaped on the wire', () => {
    const xml = bytes('<target version="1.0">$#}*</target>');
    const latin1 = (b: Uint8Array) => bytesToLatin1(b);
    expect(latin1(xferChunk(xml, 0, 10))).toBe('m<target ve');
    expect(latin1(xferChunk(xml, 10, 1000))).toBe('l' + latin1(xml.subarray(10)));
    expect(latin1(xferChunk(xml, 0, xml.length))).toBe('l' + latin1(xml));
    expect(latin1(xferChunk(xml, xml.length, 10))).toBe('l');
    expect(latin1(xferChunk(xml, 5000, 10))).toBe('l');
    // Reassembling from chunks through the codec gives the file back.
    const decoder = new PacketDecoder();
    let got = '';
    for (let offset = 0; ; offset += 7) {
      const [frame] = decoder.push(encodePacket(xferChunk(xml, offset, 7)));
      if (frame.kind !== 'packet') throw new Error('not a packet');
      got += latin1(frame.payload.subarray(1));
      if (frame.payload[0] === 0x6c) break;
    }
    expect(got).toBe(latin1(xml));
  });

  it('monitor output as hex text', () => {
    expect(hexEncodeText('OK\n')).toBe('4f4b0a');
    expect(hexEncodeText('\u00e9')).toBe('c3a9');
    expect(consoleOutput('hi\n')).toBe('O68690a');
  });
});

// ---- Round trips and fuzzing ----

/** mulberry32: a small seeded generator, so that a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = new Set([
  '?', 'g', 'G', 'p', 'P', 'm', 'M', 'X', 'c', 's', 'C', 'S', 'bc', 'bs', 'vCont?', 'vCont', 'vMustReplyEmpty', 'vKill', 'k', 'D',
  'H', 'T', 'Z', 'z', 'qSupported', 'QStartNoAckMode', 'qXfer', 'qfThreadInfo', 'qsThreadInfo', 'qC', 'qAttached',
  'qThreadExtraInfo', 'qRcmd', 'qOffsets', 'qSymbol', 'qTStatus', 'QThreadEvents', 'QNonStop', 'qHostInfo', 'unknown', 'malformed',
]);

const U64_MAX = (1n << 64n) - 1n;

/** Invariants every parsed request holds; returns a complaint or undefined. */
function invalid(r: Request): string | undefined {
  if (!TYPES.has(r.type)) return `type ${r.type}`;
  const addr = (a: bigint | undefined) => a === undefined || (typeof a === 'bigint' && a >= 0n && a <= U64_MAX);
  const len = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  const part = (p: ThreadIdPart | undefined) => p === undefined || p === 'all' || p === 'any' || (Number.isInteger(p) && p > 0 && p <= MAX_THREAD_ID);
  const thread = (t: ThreadId | undefined) => t === undefined || (part(t.pid) && t.tid !== undefined && part(t.tid));
  switch (r.type) {
    case 'm': return addr(r.address) && len(r.length, MAX_TRANSFER_LENGTH) ? undefined : 'm';
    case 'M': case 'X': return addr(r.address) && r.data.length <= MAX_TRANSFER_LENGTH ? undefined : r.type;
    case 'p': return len(r.register, MAX_REGISTER) ? undefined : 'p';
    case 'P': return len(r.register, MAX_REGISTER) && r.value.length > 0 ? undefined : 'P';
    case 'c': case 's': return addr(r.address) ? undefined : r.type;
    case 'C': case 'S': return len(r.signal, 0xff) && addr(r.address) ? undefined : r.type;
    case 'Z': case 'z': return len(r.kind, 4) && addr(r.address) && len(r.size, MAX_TRANSFER_LENGTH) ? undefined : r.type;
    case 'H': return (r.op === 'g' || r.op === 'c') && thread(r.thread) ? undefined : 'H';
    case 'T': case 'qThreadExtraInfo': return thread(r.thread) ? undefined : r.type;
    case 'vCont':
      if (r.actions.length === 0) return 'vCont empty';
      for (const a of r.actions) {
        if (!thread(a.thread)) return 'vCont thread';
        if ((a.action === 'C' || a.action === 'S') && !len(a.signal, 0xff)) return 'vCont signal';
        if (a.action === 'r' && !(addr(a.start) && addr(a.end))) return 'vCont range';
      }
      return undefined;
    case 'qXfer':
      if (!len(r.offset, MAX_XFER_OFFSET)) return 'qXfer offset';
      return r.operation === 'read' ? (len(r.length, MAX_TRANSFER_LENGTH) ? undefined : 'qXfer length') : undefined;
    case 'malformed': return typeof r.reason === 'string' && r.reason.length > 0 && !r.reason.includes('internal error') ? undefined : `reason ${r.reason}`;
    case 'unknown': return typeof r.name === 'string' ? undefined : 'name';
    default: return undefined;
  }
}

/** gdb's text for a request (the inverse of parseRequest), for round trips. */
function format(r: Request): Uint8Array {
  const h = (n: number | bigint) => n.toString(16);
  const t = (id: ThreadId) => formatThreadId(id);
  const concat = (head: string, data: Uint8Array) => new Uint8Array([...bytes(head), ...data]);
  switch (r.type) {
    case 'm': return bytes(`m${h(r.address)},${h(r.length)}`);
    case 'M': return bytes(`M${h(r.address)},${h(r.data.length)}:${toHex(r.data)}`);
    case 'X': return concat(`X${h(r.address)},${h(r.data.length)}:`, r.data);
    case 'p': return bytes(`p${h(r.register)}`);
    case 'P': return bytes(`P${h(r.register)}=${toHex(r.value)}`);
    case 'Z': case 'z': return bytes(`${r.type}${r.kind},${h(r.address)},${h(r.size)}`);
    case 'H': return bytes(`H${r.op}${t(r.thread)}`);
    case 'T': return bytes(`T${t(r.thread)}`);
    case 'vCont': return bytes('vCont' + r.actions.map((a) => {
      const head = a.action === 'C' || a.action === 'S' ? a.action + h(a.signal).padStart(2, '0')
        : a.action === 'r' ? `r${h(a.start)},${h(a.end)}` : a.action;
      return ';' + head + (a.thread ? ':' + t(a.thread) : '');
    }).join(''));
    case 'qXfer': return r.operation === 'read'
      ? bytes(`qXfer:${r.object}:read:${r.annex}:${h(r.offset)},${h(r.length)}`)
      : concat(`qXfer:${r.object}:write:${r.annex}:${h(r.offset)}:`, r.data);
    case 'qRcmd': return bytes('qRcmd,' + hexEncodeText(r.command));
    case 'qThreadExtraInfo': return bytes(`qThreadExtraInfo,${t(r.thread)}`);
    case 'C': case 'S': return bytes(`${r.type}${h(r.signal).padStart(2, '0')}${r.address === undefined ? '' : ';' + h(r.address)}`);
    case 'c': case 's': return bytes(`${r.type}${r.address === undefined ? '' : h(r.address)}`);
    default: throw new Error(`no format for ${r.type}`);
  }
}

function randomRequest(rand: () => number): Request {
  const int = (n: number) => Math.floor(rand() * n);
  const u64 = (): bigint => {
    const pick = int(4);
    if (pick === 0) return BigInt(int(0x10000));
    if (pick === 1) return 0xffffffff80000000n + BigInt(int(0x1000000));
    if (pick === 2) return U64_MAX - BigInt(int(16));
    return (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32));
  };
  const data = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const part = (): ThreadIdPart => [1, 2, 0x7fffffff, 'all', 'any', int(1000) + 1][int(6)] as ThreadIdPart;
  const thread = (): ThreadId => (rand() < 0.5 ? { tid: part() } : { pid: part(), tid: part() });
  const text = () => String.fromCharCode(...Array.from({ length: int(20) }, () => 0x20 + int(0x5f)));
  switch (int(13)) {
    case 0: return { type: 'm', address: u64(), length: int(rand() < 0.9 ? 0x1000 : MAX_TRANSFER_LENGTH + 1) };
    case 1: return { type: 'M', address: u64(), data: data(int(64)) };
    case 2: return { type: 'X', address: u64(), data: data(int(300)) };
    case 3: return { type: 'p', register: int(MAX_REGISTER + 1) };
    case 4: return { type: 'P', register: int(0x1100), value: data(1 + int(16)) };
    case 5: return { type: rand() < 0.5 ? 'Z' : 'z', kind: int(5) as 0, address: u64(), size: 1 + int(16), hasConditions: false };
    case 6: return { type: 'H', op: rand() < 0.5 ? 'g' : 'c', thread: thread() };
    case 7: return { type: 'T', thread: thread() };
    case 8: return {
      type: 'vCont',
      actions: Array.from({ length: 1 + int(4) }, () => {
        const th = rand() < 0.3 ? undefined : thread();
        const k = int(6);
        if (k === 0) return { action: 'C' as const, signal: int(256), thread: th };
        if (k === 1) return { action: 'S' as const, signal: int(256), thread: th };
        if (k === 2) return { action: 'r' as const, start: u64(), end: u64(), thread: th };
        return { action: (['c', 's', 't'] as const)[int(3)], thread: th };
      }),
    };
    case 9: return rand() < 0.5
      ? { type: 'qXfer', object: 'features', operation: 'read', annex: ['target.xml', '', 'a;b=c'][int(3)], offset: int(MAX_XFER_OFFSET + 1), length: int(0x10000) }
      : { type: 'qXfer', object: 'siginfo', operation: 'write', annex: '', offset: int(0x100), data: data(int(40)) };
    case 10: return { type: 'qRcmd', command: text() };
    case 11: return { type: 'qThreadExtraInfo', thread: thread() };
    default: {
      const type = (['c', 's', 'C', 'S'] as const)[int(4)];
      const address = rand() < 0.5 ? undefined : u64();
      return type === 'c' || type === 's' ? { type, address } : { type, signal: int(256), address };
    }
  }
}

/** Push `wire` into `decoder` in random pieces. */
function pushInPieces(decoder: PacketDecoder, wire: Uint8Array, rand: () => number): Frame[] {
  const frames: Frame[] = [];
  let i = 0;
  while (i < wire.length) {
    const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : wire.length));
    frames.push(...decoder.push(wire.subarray(i, i + n)));
    i += n;
  }
  return frames;
}

/** Undo formatting differences that parsing normalizes (undefined optional fields). */
function normalize(r: Request): unknown {
  return JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Uint8Array ? toHex(v) : v)));
}

describe('round trips and fuzzing', () => {
  it('10,000 random requests survive format → encode (with RLE) → split → decode → parse', () => {
    const rand = rng(1);
    const decoder = new PacketDecoder();
    for (let i = 0; i < 10_000; i++) {
      const req = randomRequest(rand);
      const frames = pushInPieces(decoder, encodePacket(format(req), { rle: rand() < 0.5 }), rand);
      expect(frames).toHaveLength(1);
      const f = frames[0];
      if (f.kind !== 'packet' || !f.checksumOk) throw new Error(`frame ${JSON.stringify(f)}`);
      const parsed = parseRequest(f.payload);
      if (req.type === 'm' && req.length > MAX_TRANSFER_LENGTH) {
        expect(parsed.type).toBe('malformed');
        continue;
      }
      expect(normalize(parsed)).toEqual(normalize(req));
    }
  });

  const CORPUS = [
    'qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+',
    'vMustReplyEmpty', 'QStartNoAckMode', 'Hgp0.0', 'qTStatus', '?', 'qfThreadInfo', 'qsThreadInfo', 'qAttached:1', 'Hc-1', 'g',
    'mffffffff80200000,40', 'qThreadExtraInfo,p1.2', 'Tp1.2', 'Z0,ffffffff80201234,2', 'z2,ffffffff80300000,8', 'vCont?',
    'vCont;s:p1.2;c:p1.-1', 'vCont;r80200000,80200010:p1.1;c', 'bs', 'bc', 'Xffffffff80200000,6:$#}*\x03\x00', 'M10,2:abcd',
    'qRcmd,68656c70206d65', 'D;1', 'qXfer:features:read:target.xml:0,ffb', 'qXfer:siginfo:write::0:abc', 'p20', 'P20=0011223344556677',
    'G' + '00'.repeat(33 * 8), 'C05;80200000', 'S02', 'qSymbol::', 'qSymbol:10:6a', 'QThreadEvents:1', 'QNonStop:0', 'vKill;1', 'k',
  ];
  const ALPHABET = '$#}*+-\x03:,;=.p-0123456789abcdefABCDEF?xyzmMXZzgGpPcCsSvqQHTbDk \x00\xff';

  /** 1-4 random edits: replace, insert, delete, truncate, duplicate a slice. */
  function mutate(s: string, rand: () => number): string {
    const int = (n: number) => Math.floor(rand() * n);
    const ch = () => (rand() < 0.8 ? ALPHABET[int(ALPHABET.length)] : String.fromCharCode(int(256)));
    for (let k = 1 + int(4); k > 0; k--) {
      const at = int(s.length + 1);
      switch (int(5)) {
        case 0: s = s.slice(0, at) + ch() + s.slice(at + 1); break;
        case 1: s = s.slice(0, at) + ch() + s.slice(at); break;
        case 2: s = s.slice(0, at) + s.slice(at + 1 + int(4)); break;
        case 3: s = s.slice(0, at); break;
        default: { const b = int(s.length + 1); s = s.slice(0, at) + s.slice(Math.min(at, b), Math.max(at, b)) + s.slice(at); }
      }
    }
    return s;
  }

  /** Run wire bytes through a decoder and the parser; returns complaints (empty if all is well). */
  function check(decoder: PacketDecoder, wire: Uint8Array, rand: () => number, limit: number, seen: Map<string, number>): string[] {
    const complaints: string[] = [];
    for (const f of pushInPieces(decoder, wire, rand)) {
      if (decoder.bufferCapacity > limit) complaints.push(`buffer ${decoder.bufferCapacity}`);
      if (f.kind === 'malformed') {
        if (!f.reason) complaints.push('malformed frame without a reason');
        continue;
      }
      if (f.kind !== 'packet') continue;
      if (f.payload.length > limit) complaints.push(`payload of ${f.payload.length}`);
      const r = parseRequest(f.payload);
      const bad = invalid(r);
      if (bad) complaints.push(`${JSON.stringify(bytesToLatin1(f.payload))}: ${bad}`);
      seen.set(r.type, (seen.get(r.type) ?? 0) + 1);
    }
    return complaints;
  }

  it('20,000 mutated valid packets: every frame is a valid request, malformed, or unknown', () => {
    const rand = rng(2);
    const decoder = new PacketDecoder(4096);
    const seen = new Map<string, number>();
    const complaints: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const payload = mutate(CORPUS[i % CORPUS.length], rand);
      // Mutate the data under a correct checksum (exercises the parser) or the wire itself (the decoder).
      let wire = encodePacket(bytes(payload), { rle: rand() < 0.3 });
      if (rand() < 0.3) wire = bytes(mutate(bytesToLatin1(wire), rand));
      complaints.push(...check(decoder, wire, rand, 4096, seen));
    }
    expect(complaints.slice(0, 10)).toEqual([]);
    // The mutations reached both good parses and rejections.
    expect(seen.get('malformed')).toBeGreaterThan(1000);
    expect(seen.get('unknown')).toBeGreaterThan(100);
    expect([...seen.keys()].filter((k) => k !== 'malformed' && k !== 'unknown').length).toBeGreaterThan(25);
  });

  it('5,000 random byte strings through one decoder: no exception, bounded memory', () => {
    const rand = rng(3);
    const decoder = new PacketDecoder(4096);
    const seen = new Map<string, number>();
    const complaints: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rand() * 400);
      const s = Array.from({ length: n }, () => (rand() < 0.6 ? ALPHABET[Math.floor(rand() * ALPHABET.length)] : String.fromCharCode(Math.floor(rand() * 256)))).join('');
      complaints.push(...check(decoder, bytes(s), rand, 4096, seen));
      // Random payloads straight into the parser, as if their checksums were right.
      const r = parseRequest(bytes(s.replace(/^[^a-zA-Z?]*/, '')));
      const bad = invalid(r);
      if (bad) complaints.push(`${JSON.stringify(s)}: ${bad}`);
    }
    expect(complaints.slice(0, 10)).toEqual([]);
    // Some random strings do frame packets with a good checksum (short ones, mostly).
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('an endless packet never grows the buffer past the bound', () => {
    const rand = rng(4);
    const decoder = new PacketDecoder(64 * 1024);
    expect(decoder.push(bytes('$'))).toEqual([]);
    const chunk = new Uint8Array(64 * 1024);
    for (let i = 0; i < 128; i++) { // 8 MiB
      for (let j = 0; j < chunk.length; j++) {
        let b = Math.floor(rand() * 256);
        // No '#' or '$': the packet never ends; no '*' or '}': it stays well-formed, only long.
        if (b === 0x23 || b === 0x24 || b === 0x2a || b === 0x7d) b = 0x61;
        chunk[j] = b;
      }
      expect(decoder.push(chunk)).toEqual([]);
      expect(decoder.bufferCapacity).toBeLessThanOrEqual(64 * 1024);
    }
    const frames = decoder.push(bytes('#00'));
    expect(frames).toHaveLength(1);
    expect(frames[0].kind).toBe('malformed');
  });
});
