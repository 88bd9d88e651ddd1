// The packet codec: framing, checksums, escapes, run-length encoding, acks and interrupts, bounds.
// The "real" packets are bytes gdb-multiarch 13.1 sent to a stub (captured off the socket).

import { describe, expect, it } from 'vitest';
import {
  bytesToLatin1, CodecError, encodePacket, Frame, fromHex, MAX_PACKET_SIZE, PacketDecoder, toHex, u64FromHexLe, u64ToHexLe,
} from '../../src/gdbstub/codec';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => bytesToLatin1(b);

function decodeAll(input: string | Uint8Array, decoder = new PacketDecoder()): Frame[] {
  return decoder.push(typeof input === 'string' ? bytes(input) : input);
}

/** The payloads of the packet frames, as text; fails on any other frame kind. */
function payloads(input: string): string[] {
  return decodeAll(input).map((f) => {
    if (f.kind !== 'packet' || !f.checksumOk) throw new Error(`unexpected frame ${JSON.stringify(f)}`);
    return text(f.payload);
  });
}

/** Bytes gdb-multiarch 13.1 wrote, one write() each (the '+' are its acks of our replies). */
const GDB_13_WRITES = [
  '+$qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386#77',
  '+$vMustReplyEmpty#3a',
  '+$QStartNoAckMode#b0',
  '+$Hgp0.0#ad',
  '$qTStatus#49',
  '$?#3f',
  '$qfThreadInfo#bb',
  '$qAttached:1#fa',
  '$Hc-1#09',
  '$g#67',
  '$mfffffffffffffffc,4#2a',
  '$qThreadExtraInfo,p1.2#86',
  '$Tp1.2#55',
  '$mffffffff80201200,40#ba',
  '$Z0,ffffffff80201234,2#d8',
  '$Z2,ffffffff80300000,8#d7',
  '$vCont?#49',
  '$vCont;c:p1.-1#0f',
  '$Hcp1.0#aa',
  '$bs#d5',
  '$bc#c5',
  '$Xffffffff80200000,0:#a8',
  // `set {char[6]}0xffffffff80200000 = "$#}*\003"`: '$', '#', '}', '*' escaped; 0x03 and 0x00 not.
  '$Xffffffff80200000,6:}\x04}\x03}]}\n\x03\x00#13',
  '$qRcmd,68656c70206d65#63',
  '$D;1#b0',
];

describe('decoding real gdb 13 traffic', () => {
  it('every packet has a good checksum and decodes to its text', () => {
    const decoder = new PacketDecoder();
    const frames = GDB_13_WRITES.flatMap((w) => decoder.push(bytes(w)));
    const packets = frames.filter((f) => f.kind === 'packet');
    expect(packets).toHaveLength(GDB_13_WRITES.length);
    expect(frames.filter((f) => f.kind === 'ack')).toHaveLength(4);
    for (const p of packets) expect(p.kind === 'packet' && p.checksumOk).toBe(true);
    expect(text((packets[0] as { payload: Uint8Array }).payload)).toMatch(/^qSupported:multiprocess\+;/);
  });

  it('unescapes binary data and keeps a 0x03 inside a packet as data, not an interrupt', () => {
    const frames = decodeAll(GDB_13_WRITES[22]);
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect(f.kind).toBe('packet');
    if (f.kind !== 'packet') return;
    expect(f.checksumOk).toBe(true);
    const data = f.payload.subarray(f.payload.indexOf(0x3a) + 1);
    expect([...data]).toEqual([0x24, 0x23, 0x7d, 0x2a, 0x03, 0x00]);
  });
});

describe('framing', () => {
  it('frames a payload with its checksum', () => {
    expect(text(encodePacket('OK'))).toBe('$OK#9a');
    expect(text(encodePacket(''))).toBe('$#00');
    expect(text(encodePacket('qSupported'))).toBe('$qSupported#37');
  });

  it('escapes $ # } * and round-trips every byte value', () => {
    expect(text(encodePacket('a$b#c}d*e'))).toMatch(/^\$a}\x04b}\x03c}]d}\ne#[0-9a-f]{2}$/);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const frames = decodeAll(encodePacket(all));
    expect(frames).toEqual([{ kind: 'packet', payload: all, checksumOk: true }]);
  });

  it('decodes packets split at every possible point', () => {
    const wire = text(encodePacket('Xffffffff80200000,6:$#}*\x03\x00'));
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new PacketDecoder();
      const frames = [...d.push(bytes(wire.slice(0, cut))), ...d.push(bytes(wire.slice(cut)))];
      expect(frames).toHaveLength(1);
      expect(frames[0]).toMatchObject({ kind: 'packet', checksumOk: true });
    }
    // One byte at a time.
    const d = new PacketDecoder();
    const frames = [...bytes(wire)].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(frames).toHaveLength(1);
  });

  it('decodes several packets, acks and an interrupt from one push, in order', () => {
    const wire = '+' + text(encodePacket('g')) + '-' + text(encodePacket('m0,4')) + '\x03' + text(encodePacket('?'));
    expect(decodeAll(wire).map((f) => (f.kind === 'packet' ? text(f.payload) : f.kind))).toEqual(['ack', 'g', 'nak', 'm0,4', 'interrupt', '?']);
  });

  it('ignores junk between packets', () => {
    const wire = 'garbage\r\n\x00\xff#12' + text(encodePacket('g')) + 'noise 01' + text(encodePacket('?')) + '%Stop:T05#00';
    expect(payloads(wire)).toEqual(['g', '?']);
  });

  it('reports a checksum error, and recovers for the next packet', () => {
    const frames = decodeAll('$g#00$g#67');
    expect(frames[0]).toEqual({ kind: 'packet', payload: bytes('g'), checksumOk: false });
    expect(frames[1]).toEqual({ kind: 'packet', payload: bytes('g'), checksumOk: true });
  });

  it('treats non-hex checksum digits as a checksum error; upper-case digits are fine', () => {
    expect(decodeAll('$g#6z')[0]).toMatchObject({ checksumOk: false });
    expect(decodeAll('$g#zz')[0]).toMatchObject({ checksumOk: false });
    expect(decodeAll('$OK#9A')[0]).toMatchObject({ checksumOk: true });
  });

  it("reports a packet cut short by a new '$' and decodes the new one", () => {
    const frames = decodeAll('$m0,4$g#67');
    expect(frames[0]).toMatchObject({ kind: 'malformed' });
    expect(frames[1]).toMatchObject({ kind: 'packet', checksumOk: true });
    const frames2 = decodeAll('$g#6$g#67');
    expect(frames2[0]).toMatchObject({ kind: 'malformed' });
    expect(frames2[1]).toMatchObject({ kind: 'packet', checksumOk: true });
  });

  it('produces nothing for an incomplete packet until it completes', () => {
    const d = new PacketDecoder();
    expect(d.push(bytes('$qSupp'))).toEqual([]);
    expect(d.push(bytes('orted#3'))).toEqual([]);
    expect(d.push(bytes('7'))).toMatchObject([{ kind: 'packet', checksumOk: true }]);
  });
});

/** Frame raw wire data (already escaped/RLE-encoded) with a correct checksum. */
function wireFrame(raw: string): string {
  let sum = 0;
  for (const c of raw) sum += c.charCodeAt(0);
  return `$${raw}#${(sum & 0xff).toString(16).padStart(2, '0')}`;
}

describe('run-length encoding', () => {
  it("decodes '0* ' as 0000 (a count of n is sent as n + 29)", () => {
    expect(payloads(wireFrame('0* '))).toEqual(['0000']);
    expect(payloads(wireFrame('0*!'))).toEqual(['00000']);
    expect(payloads(wireFrame('0*"'))).toEqual(['000000']);
    expect(payloads(wireFrame('0*"0'))).toEqual(['0000000']);
    expect(payloads(wireFrame('0*%'))).toEqual(['000000000']);
    expect(payloads(wireFrame('T05*"12'))).toEqual(['T0' + '5'.repeat(6) + '12']);
    expect(payloads(wireFrame('a* * '))).toEqual(['a'.repeat(7)]);
  });

  it('expands the byte as sent, before escapes, as gdb does', () => {
    // '}]' is an escaped '}'; the run repeats the ']' that was sent.
    expect(payloads(wireFrame('}]*!'))).toEqual(['}]]]]']);
    // Four '}' sent: two escapes of ']' (0x7d ^ 0x20).
    expect(payloads(wireFrame('}* }}'))).toEqual([']]]']);
  });

  it('reports broken run-length encoding as malformed', () => {
    expect(decodeAll(wireFrame('*!'))[0]).toMatchObject({ kind: 'malformed' });
    expect(decodeAll(wireFrame('0*'))[0]).toMatchObject({ kind: 'malformed' });
    expect(decodeAll(wireFrame('0*\x10'))[0]).toMatchObject({ kind: 'malformed' });
    expect(decodeAll(wireFrame('ab}'))[0]).toMatchObject({ kind: 'malformed' });
  });

  it('encodes runs of every length from 1 to 300 and decodes them back', () => {
    for (let n = 1; n <= 300; n++) {
      for (const c of ['0', 'f', '}', '*', '$', '#', '\x00']) {
        const payload = 'x' + c.repeat(n) + 'y';
        const wire = encodePacket(payload, { rle: true });
        const body = text(wire).slice(1, -3);
        // '#' and '$' never appear inside: not as data, not as a count.
        expect(body).not.toMatch(/[#$]/);
        expect(text(wire.subarray(-3, -2))).toBe('#');
        expect(payloads(text(wire))).toEqual([payload]);
      }
      // A run that starts on the second byte of an escape ('}' is sent as '}]').
      const payload = '}' + ']'.repeat(n);
      expect(payloads(text(encodePacket(payload, { rle: true })))).toEqual([payload]);
    }
  });

  it('never writes # or $ as a count: 6 and 7 repeats are sent as 5 plus literals', () => {
    expect(text(encodePacket('0'.repeat(7), { rle: true })).slice(1, -3)).toBe('0*"0');
    expect(text(encodePacket('0'.repeat(8), { rle: true })).slice(1, -3)).toBe('0*"00');
    expect(text(encodePacket('0'.repeat(4), { rle: true })).slice(1, -3)).toBe('0* ');
    expect(text(encodePacket('000', { rle: true })).slice(1, -3)).toBe('000');
  });

  it('compresses a long run of zeros (a register dump)', () => {
    const g = '0'.repeat(33 * 16);
    const wire = encodePacket(g, { rle: true });
    expect(wire.length).toBeLessThan(30);
    expect(payloads(text(wire))).toEqual([g]);
  });
});

describe('size bound', () => {
  it('reports an over-long packet as malformed without growing past the bound, then recovers', () => {
    const d = new PacketDecoder(4096);
    const frames: Frame[] = [];
    frames.push(...d.push(bytes('$')));
    const chunk = bytes('a'.repeat(1000));
    for (let i = 0; i < 1000; i++) {
      frames.push(...d.push(chunk));
      expect(d.bufferCapacity).toBeLessThanOrEqual(4096);
    }
    frames.push(...d.push(bytes('#00')));
    frames.push(...d.push(encodePacket('g')));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ kind: 'malformed' });
    expect(frames[1]).toMatchObject({ kind: 'packet', checksumOk: true, payload: bytes('g') });
  });

  it('bounds run-length expansion too', () => {
    const d = new PacketDecoder(4096);
    const raw = '0' + '*~'.repeat(1000);
    const frames = d.push(bytes(wireFrame(raw)));
    expect(frames).toEqual([{ kind: 'malformed', reason: expect.stringMatching(/longer than 4096/) }]);
    expect(d.bufferCapacity).toBeLessThanOrEqual(4096);
  });

  it('accepts a packet of exactly the default bound (1 MiB) and refuses one byte more', () => {
    const d = new PacketDecoder();
    const fits = new Uint8Array(MAX_PACKET_SIZE).fill(0x61);
    expect(d.push(encodePacket(fits))).toMatchObject([{ kind: 'packet', checksumOk: true }]);
    const over = new Uint8Array(MAX_PACKET_SIZE + 1).fill(0x61);
    expect(d.push(encodePacket(over))).toMatchObject([{ kind: 'malformed' }]);
    expect(d.bufferCapacity).toBeLessThanOrEqual(MAX_PACKET_SIZE);
    // The buffer shrinks back once a small packet starts.
    d.push(encodePacket('g'));
    expect(d.bufferCapacity).toBeLessThan(1024);
  });
});

describe('hex helpers', () => {
  it('toHex / fromHex round-trip', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(Uint8Array.of(0, 0x7f, 0xff))).toBe('007fff');
    expect(fromHex(toHex(all))).toEqual(all);
    expect(fromHex('DEADbeef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });

  it('fromHex is strict', () => {
    expect(() => fromHex('abc')).toThrow(CodecError);
    expect(() => fromHex('0g')).toThrow(CodecError);
    expect(() => fromHex(' 0')).toThrow(CodecError);
    expect(() => fromHex('-1')).toThrow(CodecError);
  });

  it('64-bit little-endian registers', () => {
    expect(u64ToHexLe(0x80200000n)).toBe('0000208000000000');
    expect(u64ToHexLe(0xffffffff80201234n)).toBe('34122080ffffffff');
    expect(u64ToHexLe(-1n)).toBe('ffffffffffffffff');
    expect(u64FromHexLe('34122080ffffffff')).toBe(0xffffffff80201234n);
    for (const v of [0n, 1n, 0x0123456789abcdefn, (1n << 64n) - 1n]) expect(u64FromHexLe(u64ToHexLe(v))).toBe(v);
    expect(() => u64FromHexLe('00')).toThrow(CodecError);
    expect(() => u64FromHexLe('xx00000000000000')).toThrow(CodecError);
  });

  it('encodePacket refuses text beyond one byte per character', () => {
    expect(() => encodePacket('\u20ac')).toThrow(CodecError);
  });
});
