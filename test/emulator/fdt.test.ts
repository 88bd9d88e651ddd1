/**
 * The FDT writer checked against dtc (Debian's device-tree-compiler) as the oracle: a tiny tree
 * using every kind of property is built with the API and written as DTS source; `dtc -I dts -O dtb`
 * of the source must be byte-for-byte the writer's blob (same layout, alignment, string sharing and
 * phandle allocation), and dtc must decompile the blob without a warning.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  FDT_MAGIC,
  FdtNode,
  FdtTree,
  findParsed,
  parseFdt,
  propCells,
  propStrings,
  readFdtHeader,
  ref,
} from '../../src/emulator/fdt';

function dtc(args: string[], input: Uint8Array | string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('dtc', [...args, '-'], { input });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const TINY_DTS = `/dts-v1/;
/memreserve/ 0x80000000 0x200000;
/memreserve/ 0x123456789000 0x1000;

/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "acme,board", "acme,generic";
	model = "tiny";

	chosen {
		bootargs = "console=ttyS0 quiet";
	};

	intc: interrupt-controller {
		#address-cells = <0>;
		#interrupt-cells = <1>;
		interrupt-controller;
		compatible = "acme,intc";
	};

	dev@1000 {
		compatible = "acme,dev";
		reg = <0x0 0x1000 0x0 0x100>;
		interrupts-extended = <&intc 5 &other 7>;
		big = /bits/ 64 <0x123456789abcdef0 0x1>;
		blob = [01 02 03 04 05];
		after = <0xffffffff>;
		empty;
		cells = "cells";
	};

	other: other {
		#address-cells = <0>;
		#interrupt-cells = <1>;
		interrupt-controller;
		compatible = "acme,intc";
	};
};
`;

function tinyTree(): FdtTree {
  const t = new FdtTree();
  t.reserve(0x8000_0000, 0x20_0000).reserve(0x1234_5678_9000n, 0x1000);
  t.root.u32('#address-cells', 2).u32('#size-cells', 2).strings('compatible', 'acme,board', 'acme,generic').string('model', 'tiny');
  t.root.child('chosen').string('bootargs', 'console=ttyS0 quiet');
  const intc = t.root.child('interrupt-controller');
  intc.u32('#address-cells', 0).u32('#interrupt-cells', 1).empty('interrupt-controller').string('compatible', 'acme,intc');
  const dev = t.root.child('dev@1000');
  const other = new FdtNode('other');
  dev
    .string('compatible', 'acme,dev')
    .u64('reg', 0x1000, 0x100)
    .cells('interrupts-extended', ref(intc), 5, ref(other), 7)
    .u64('big', 0x1234_5678_9abc_def0n, 1)
    .bytes('blob', new Uint8Array([1, 2, 3, 4, 5]))
    .u32('after', 0xffff_ffff)
    .empty('empty')
    .string('cells', 'cells');
  t.root.addChild(other);
  other.u32('#address-cells', 0).u32('#interrupt-cells', 1).empty('interrupt-controller').string('compatible', 'acme,intc');
  return t;
}

describe('fdt writer', () => {
  it('writes exactly the blob dtc compiles from the same source', () => {
    const ref = dtc(['-I', 'dts', '-O', 'dtb', '-o', '-'], TINY_DTS);
    expect(ref.stderr).toBe('');
    expect(ref.status).toBe(0);
    const ours = tinyTree().toBlob();
    expect(Buffer.from(ours).toString('hex')).toBe(ref.stdout.toString('hex'));
  });

  it('decompiles cleanly with dtc and round-trips through dtc unchanged', () => {
    const ours = tinyTree().toBlob();
    const dts = dtc(['-I', 'dtb', '-O', 'dts', '-o', '-'], ours);
    expect(dts.stderr).toBe('');
    expect(dts.status).toBe(0);
    const text = dts.stdout.toString();
    expect(text).toContain('/memreserve/\t0x0000000080000000 0x0000000000200000;');
    expect(text).toContain('/memreserve/\t0x0000123456789000 0x0000000000001000;');
    expect(text).toContain('interrupts-extended = <0x01 0x05 0x02 0x07>;');
    expect(text).toContain('big = <0x12345678 0x9abcdef0 0x00 0x01>;');
    expect(text).toContain('blob = [01 02 03 04 05];');
    expect(text).toContain('empty;');
    const again = dtc(['-I', 'dtb', '-O', 'dtb', '-o', '-'], ours);
    expect(again.status).toBe(0);
    expect(Buffer.from(ours).equals(again.stdout)).toBe(true);
  });

  it('lays out the header, reservation block, structure and strings', () => {
    const blob = tinyTree().toBlob();
    const h = readFdtHeader(blob);
    expect(h.magic).toBe(FDT_MAGIC);
    expect(h.totalsize).toBe(blob.length);
    expect(h.version).toBe(17);
    expect(h.lastCompVersion).toBe(16);
    expect(h.bootCpuidPhys).toBe(0);
    expect(h.offMemRsvmap).toBe(40);
    expect(h.offMemRsvmap % 8).toBe(0);
    expect(h.offDtStruct).toBe(40 + 3 * 16); // two entries and the terminator
    expect(h.offDtStruct % 4).toBe(0);
    expect(h.offDtStrings).toBe(h.offDtStruct + h.sizeDtStruct);
    expect(h.offDtStrings + h.sizeDtStrings).toBe(blob.length);
    // Strings are shared: "compatible" once, and "cells" is the tail of "#address-cells".
    const strings = Buffer.from(blob.subarray(h.offDtStrings)).toString('latin1');
    expect(strings.split('\0').filter((s) => s === 'compatible')).toHaveLength(1);
    expect(strings.split('\0')).not.toContain('cells');

    const parsed = parseFdt(blob);
    expect(parsed.reservations).toEqual([
      { address: 0x8000_0000n, size: 0x20_0000n },
      { address: 0x1234_5678_9000n, size: 0x1000n },
    ]);
    const dev = findParsed(parsed.root, '/dev@1000')!;
    expect(propCells(dev.properties.get('reg')!)).toEqual([0, 0x1000, 0, 0x100]);
    expect(propCells(dev.properties.get('interrupts-extended')!)).toEqual([1, 5, 2, 7]);
    expect(dev.properties.get('empty')!.length).toBe(0);
    expect(propStrings(parsed.root.properties.get('compatible')!)).toEqual(['acme,board', 'acme,generic']);
    expect(propCells(findParsed(parsed.root, '/other')!.properties.get('phandle')!)).toEqual([2]);
  });

  it('writes an empty reservation block as the terminator alone', () => {
    const t = new FdtTree();
    t.root.u32('#address-cells', 1).u32('#size-cells', 1);
    const blob = t.toBlob();
    const h = readFdtHeader(blob);
    expect(h.offMemRsvmap).toBe(40);
    expect(h.offDtStruct).toBe(56);
    expect(Buffer.from(blob).equals(dtc(['-I', 'dts', '-O', 'dtb', '-o', '-'], '/dts-v1/;\n/ {\n#address-cells = <1>;\n#size-cells = <1>;\n};\n').stdout)).toBe(true);
  });

  it('allocates explicit phandles in call order and references before serialisation', () => {
    const t = new FdtTree();
    const a = t.root.child('a');
    const b = t.root.child('b');
    const c = t.root.child('c');
    expect(t.phandle(c)).toBe(1);
    expect(t.phandle(a)).toBe(2);
    expect(t.phandle(c)).toBe(1);
    t.root.cells('refs', ref(b), ref(c), ref(a));
    const parsed = parseFdt(t.toBlob());
    expect(propCells(parsed.root.properties.get('refs')!)).toEqual([3, 1, 2]);
    expect(propCells(findParsed(parsed.root, '/b')!.properties.get('phandle')!)).toEqual([3]);
  });

  it('rejects malformed input', () => {
    const t = new FdtTree();
    expect(() => t.root.child('bad name')).toThrow();
    expect(() => t.root.child('x'.repeat(32))).toThrow();
    expect(() => t.root.u32('bad name', 1)).toThrow();
    expect(() => t.root.u32('n', -1)).toThrow(RangeError);
    expect(() => t.root.u32('n', 2 ** 32)).toThrow(RangeError);
    expect(() => t.root.u32('n', 1.5)).toThrow(RangeError);
    expect(() => t.root.u64('n', -1)).toThrow(RangeError);
    expect(() => t.root.u64('n', 1n << 64n)).toThrow(RangeError);
    expect(() => t.root.string('n', 'a\0b')).toThrow();
    expect(() => t.root.u32('phandle', 1)).toThrow();
    t.root.u32('dup', 1);
    expect(() => t.root.u32('dup', 2)).toThrow();
    t.root.child('kid');
    expect(() => t.root.child('kid')).toThrow();
    t.root.cells('dangling', ref(new FdtNode('elsewhere')));
    expect(() => t.toBlob()).toThrow(/outside the tree/);
    expect(() => parseFdt(new Uint8Array(40))).toThrow(/magic/);
  });
});
