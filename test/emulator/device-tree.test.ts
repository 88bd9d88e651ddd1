/**
 * The virt board's device tree, checked four ways:
 *  - dtc decompiles it without a warning, and the DTS text has every node and property we mean to
 *    write, for 1, 2, 4 and 8 harts, with and without bootargs and an initrd;
 *  - the blob's header and phandle references are sound (our own reader, src/emulator/fdt.ts);
 *  - against QEMU's own tree (`qemu-system-riscv64 -M virt,dumpdtb=...`): the same nodes in the same
 *    order once QEMU_ONLY_NODES are set aside, the same properties with the same values once the
 *    differences listed in PROPERTY_DIFFERENCES are set aside, and phandle references that resolve
 *    to the same nodes;
 *  - QEMU's bundled OpenSBI, booted on our blob with -dtb, finds the harts, CLINT, UART and test device.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../cli/helpers';
import { buildDeviceTree, DeviceTreeConfig } from '../../src/emulator/device-tree';
import { FDT_MAGIC, ParsedNode, findParsed, parseFdt, propCells, propStrings, readFdtHeader } from '../../src/emulator/fdt';
import {
  CLINT_BASE,
  DRAM_BASE,
  PLIC_BASE,
  PLIC_SOURCES,
  TEST_BASE,
  TIMEBASE_HZ,
  UART0_BASE,
  UART0_IRQ,
  VIRTIO_BASE,
  VIRTIO_COUNT,
  VIRTIO_IRQ,
  VIRTIO_SIZE,
  plicSize,
} from '../../src/emulator/virt-map';

const MiB = 1024 * 1024;
const hex = (n: number): string => n.toString(16);

function decompile(blob: Uint8Array): { status: number | null; text: string; stderr: string } {
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-o', '-', '-'], { input: blob });
  if (r.error) throw r.error;
  return { status: r.status, text: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Node path -> its property lines, from dtc's DTS output (one property or node per line). */
function dtsNodes(text: string): Map<string, string[]> {
  const nodes = new Map<string, string[]>();
  const stack: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '/dts-v1/;' || line.startsWith('/memreserve/')) continue;
    const open = /^(\S+) \{$/.exec(line);
    if (open) {
      const name = open[1];
      const path = name === '/' ? '/' : stack.length === 1 ? `/${name}` : `${stack[stack.length - 1]}/${name}`;
      stack.push(path);
      nodes.set(path, []);
    } else if (line === '};') {
      stack.pop();
    } else {
      nodes.get(stack[stack.length - 1])!.push(line);
    }
  }
  return nodes;
}

const cells = (...c: number[]): string => `<${c.map((x) => '0x' + x.toString(16).padStart(2, '0')).join(' ')}>`;
const reg64 = (base: number, size: number): string => cells(Math.floor(base / 2 ** 32), base >>> 0, Math.floor(size / 2 ** 32), size >>> 0);

/** Every node and property line we expect dtc to print for cfg (QEMU's phandle order). */
function expectedDts(cfg: DeviceTreeConfig): Map<string, string[]> {
  const n = cfg.harts;
  const cpuPh = (h: number): number => 2 * (n - h) - 1;
  const intcPh = (h: number): number => 2 * (n - h);
  const plicPh = 2 * n + 1;
  const testPh = 2 * n + 2;
  const slots = cfg.virtioSlots ?? VIRTIO_COUNT;
  const e = new Map<string, string[]>();
  e.set('/', ['#address-cells = <0x02>;', '#size-cells = <0x02>;', 'compatible = "riscv-virtio";', 'model = "riscv-virtio,qemu";']);
  e.set('/aliases', ['serial0 = "/soc/serial@10000000";']);
  const chosen: string[] = [];
  if (cfg.bootargs !== '') chosen.push(`bootargs = "${cfg.bootargs}";`);
  chosen.push('stdout-path = "/soc/serial@10000000";');
  if (cfg.initrd) {
    chosen.push(`linux,initrd-start = ${cells(0, cfg.initrd.start)};`, `linux,initrd-end = ${cells(0, cfg.initrd.end)};`);
  }
  e.set('/chosen', chosen);
  e.set('/poweroff', ['compatible = "syscon-poweroff";', `regmap = ${cells(testPh)};`, 'offset = <0x00>;', 'value = <0x5555>;']);
  e.set('/reboot', ['compatible = "syscon-reboot";', `regmap = ${cells(testPh)};`, 'offset = <0x00>;', 'value = <0x7777>;']);
  e.set(`/memory@${hex(cfg.memBase)}`, ['device_type = "memory";', `reg = ${reg64(cfg.memBase, cfg.memSize)};`]);
  e.set('/cpus', ['#address-cells = <0x01>;', '#size-cells = <0x00>;', `timebase-frequency = ${cells(TIMEBASE_HZ)};`]);
  for (let h = 0; h < n; h++) {
    e.set(`/cpus/cpu@${h}`, [
      'device_type = "cpu";',
      `reg = ${cells(h)};`,
      'status = "okay";',
      'compatible = "riscv";',
      `riscv,isa = "${cfg.isa ?? 'rv64imafdc_zicsr_zifencei_zicntr'}";`,
      `mmu-type = "${cfg.mmuType ?? 'riscv,sv48'}";`,
      `phandle = ${cells(cpuPh(h))};`,
    ]);
    e.set(`/cpus/cpu@${h}/interrupt-controller`, [
      '#address-cells = <0x00>;',
      '#interrupt-cells = <0x01>;',
      'interrupt-controller;',
      'compatible = "riscv,cpu-intc";',
      `phandle = ${cells(intcPh(h))};`,
    ]);
  }
  e.set('/cpus/cpu-map', []);
  e.set('/cpus/cpu-map/cluster0', []);
  for (let h = 0; h < n; h++) e.set(`/cpus/cpu-map/cluster0/core${h}`, [`cpu = ${cells(cpuPh(h))};`]);
  e.set('/soc', ['#address-cells = <0x02>;', '#size-cells = <0x02>;', 'compatible = "simple-bus";', 'ranges;']);
  e.set('/soc/serial@10000000', [
    'compatible = "ns16550a";',
    `reg = ${reg64(UART0_BASE, 0x100)};`,
    'clock-frequency = "\\08@";', // 0x00384000: dtc prints these printable bytes as a string
    `interrupt-parent = ${cells(plicPh)};`,
    `interrupts = ${cells(UART0_IRQ)};`,
  ]);
  e.set('/soc/test@100000', ['compatible = "sifive,test1\\0sifive,test0\\0syscon";', `reg = ${reg64(TEST_BASE, 0x1000)};`, `phandle = ${cells(testPh)};`]);
  for (let s = slots - 1; s >= 0; s--) {
    const base = VIRTIO_BASE + s * VIRTIO_SIZE;
    e.set(`/soc/virtio_mmio@${hex(base)}`, [
      'compatible = "virtio,mmio";',
      `reg = ${reg64(base, VIRTIO_SIZE)};`,
      `interrupt-parent = ${cells(plicPh)};`,
      `interrupts = ${cells(VIRTIO_IRQ + s)};`,
    ]);
  }
  const plicCtx: number[] = [];
  const clintCtx: number[] = [];
  for (let h = 0; h < n; h++) {
    plicCtx.push(intcPh(h), 11, intcPh(h), 9);
    clintCtx.push(intcPh(h), 3, intcPh(h), 7);
  }
  e.set('/soc/plic@c000000', [
    '#address-cells = <0x00>;',
    '#interrupt-cells = <0x01>;',
    'interrupt-controller;',
    'compatible = "sifive,plic-1.0.0\\0riscv,plic0";',
    `reg = ${reg64(PLIC_BASE, plicSize(2 * n))};`,
    `interrupts-extended = ${cells(...plicCtx)};`,
    `riscv,ndev = ${cells(PLIC_SOURCES - 1)};`,
    `phandle = ${cells(plicPh)};`,
  ]);
  e.set('/soc/clint@2000000', ['compatible = "sifive,clint0\\0riscv,clint0";', `reg = ${reg64(CLINT_BASE, 0x10000)};`, `interrupts-extended = ${cells(...clintCtx)};`]);
  return e;
}

const CONFIGS: [string, DeviceTreeConfig][] = [
  ['1 hart, no initrd', { harts: 1, memBase: DRAM_BASE, memSize: 128 * MiB, bootargs: 'console=ttyS0' }],
  [
    '4 harts with initrd',
    {
      harts: 4,
      memBase: DRAM_BASE,
      memSize: 512 * MiB,
      bootargs: 'console=ttyS0 earlycon=sbi root=/dev/vda rw',
      initrd: { start: DRAM_BASE + 0x800_0000, end: DRAM_BASE + 0x800_0000 + 0x12345 },
    },
  ],
  ['2 harts, no bootargs', { harts: 2, memBase: DRAM_BASE, memSize: 256 * MiB, bootargs: '' }],
  ['8 harts, 3 virtio slots, sv39', { harts: 8, memBase: DRAM_BASE, memSize: 2048 * MiB, bootargs: 'quiet', virtioSlots: 3, mmuType: 'riscv,sv39', isa: 'rv64imac_zicsr' }],
];

/** Every node, parents first, in blob order. */
function flatten(node: ParsedNode, out: ParsedNode[] = []): ParsedNode[] {
  out.push(node);
  for (const c of node.children) flatten(c, out);
  return out;
}

function phandleMap(root: ParsedNode): Map<number, string> {
  const m = new Map<number, string>();
  for (const n of flatten(root)) {
    const p = n.properties.get('phandle');
    if (!p) continue;
    const [h] = propCells(p);
    expect(m.has(h), `phandle ${h} defined twice`).toBe(false);
    m.set(h, n.path);
  }
  return m;
}

/** interrupts-extended as [target path, irq] pairs (every target has #interrupt-cells = 1). */
function interruptsExtended(root: ParsedNode, node: ParsedNode): [string, number][] {
  const ph = phandleMap(root);
  const c = propCells(node.properties.get('interrupts-extended')!);
  const out: [string, number][] = [];
  for (let i = 0; i < c.length; ) {
    const target = ph.get(c[i])!;
    expect(target, `${node.path}: interrupts-extended cell ${i} is not a phandle`).toBeDefined();
    const icells = propCells(findParsed(root, target)!.properties.get('#interrupt-cells')!)[0];
    out.push([target, c[i + 1]]);
    i += 1 + icells;
  }
  return out;
}

describe('device tree: dtc decompiles it cleanly with everything expected', () => {
  for (const [label, cfg] of CONFIGS) {
    it(label, () => {
      const blob = buildDeviceTree(cfg);
      const { status, text, stderr } = decompile(blob);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      const got = dtsNodes(text);
      const want = expectedDts(cfg);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [path, lines] of want) expect(got.get(path), path).toEqual(lines);
      // and in QEMU's node order
      expect([...got.keys()].filter((p) => p.startsWith('/soc/'))).toEqual([
        '/soc/serial@10000000',
        '/soc/test@100000',
        ...[...Array(cfg.virtioSlots ?? VIRTIO_COUNT).keys()].reverse().map((s) => `/soc/virtio_mmio@${hex(VIRTIO_BASE + s * VIRTIO_SIZE)}`),
        '/soc/plic@c000000',
        '/soc/clint@2000000',
      ]);
    });
  }
});

describe('device tree: blob structure', () => {
  it('has a sound header', () => {
    for (const [, cfg] of CONFIGS) {
      const blob = buildDeviceTree(cfg);
      const h = readFdtHeader(blob);
      expect(h.magic).toBe(FDT_MAGIC);
      expect(h.totalsize).toBe(blob.length);
      expect(h.version).toBe(17);
      expect(h.lastCompVersion).toBe(16);
      expect(h.bootCpuidPhys).toBe(0);
      expect(h.offMemRsvmap).toBe(40);
      expect(h.offDtStruct).toBe(56); // empty reservation block: the terminator only
      expect(h.offDtStrings).toBe(h.offDtStruct + h.sizeDtStruct);
      expect(h.offDtStrings + h.sizeDtStrings).toBe(h.totalsize);
      const parsed = parseFdt(blob);
      expect(parsed.reservations).toEqual([]);
      // dtc rewrites it to the same bytes
      const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dtb', '-o', '-', '-'], { input: blob });
      expect(r.status).toBe(0);
      expect(Buffer.from(blob).equals(r.stdout)).toBe(true);
    }
  });

  it('resolves every phandle reference to the right kind of node', () => {
    for (const [, cfg] of CONFIGS) {
      const { root } = parseFdt(buildDeviceTree(cfg));
      const ph = phandleMap(root);
      const nodes = flatten(root);
      let refs = 0;
      for (const n of nodes) {
        for (const prop of ['interrupt-parent', 'regmap', 'cpu']) {
          const v = n.properties.get(prop);
          if (!v) continue;
          const target = ph.get(propCells(v)[0]);
          expect(target, `${n.path} ${prop}`).toBeDefined();
          const want = { 'interrupt-parent': `/soc/plic@${hex(PLIC_BASE)}`, regmap: `/soc/test@${hex(TEST_BASE)}`, cpu: `/cpus/cpu@${n.name.slice(4)}` }[prop];
          expect(target).toBe(want);
          refs++;
        }
        if (n.properties.has('interrupts-extended')) {
          const pairs = interruptsExtended(root, n);
          const perHart = n.name.startsWith('plic') ? [11, 9] : [3, 7];
          expect(pairs).toEqual(
            [...Array(cfg.harts).keys()].flatMap((h) => perHart.map((irq): [string, number] => [`/cpus/cpu@${h}/interrupt-controller`, irq])),
          );
          refs += pairs.length;
        }
      }
      const slots = cfg.virtioSlots ?? VIRTIO_COUNT;
      expect(refs).toBe(1 + slots + 2 + cfg.harts + 4 * cfg.harts);
    }
  });

  it('rejects configurations it cannot describe', () => {
    const ok: DeviceTreeConfig = { harts: 1, memBase: DRAM_BASE, memSize: 64 * MiB, bootargs: '' };
    expect(() => buildDeviceTree({ ...ok, harts: 0 })).toThrow(RangeError);
    expect(() => buildDeviceTree({ ...ok, harts: 9 })).toThrow(RangeError);
    expect(() => buildDeviceTree({ ...ok, memSize: 0 })).toThrow(RangeError);
    expect(() => buildDeviceTree({ ...ok, virtioSlots: VIRTIO_COUNT + 1 })).toThrow(RangeError);
    expect(() => buildDeviceTree({ ...ok, initrd: { start: DRAM_BASE + 64 * MiB, end: DRAM_BASE + 65 * MiB } })).toThrow(RangeError);
    expect(() => buildDeviceTree({ ...ok, initrd: { start: DRAM_BASE + 2 * MiB, end: DRAM_BASE + MiB } })).toThrow(RangeError);
    expect(buildDeviceTree({ ...ok, virtioSlots: 0 })).toBeInstanceOf(Uint8Array);
  });

  it('writes RAM above 4 GiB and a 64-bit initrd address in two cells', () => {
    const base = 0x1_0000_0000;
    const { root } = parseFdt(
      buildDeviceTree({ harts: 1, memBase: base, memSize: 0x1_4000_0000, bootargs: '', initrd: { start: base + 0x1_2000_0000, end: base + 0x1_2000_1000 } }),
    );
    expect(propCells(findParsed(root, '/memory@100000000')!.properties.get('reg')!)).toEqual([1, 0, 1, 0x4000_0000]);
    expect(propCells(findParsed(root, '/chosen')!.properties.get('linux,initrd-start')!)).toEqual([2, 0x2000_0000]);
  });
});

// ---- Comparison with QEMU ----------------------------------------------------------------------

/** Nodes QEMU's virt board has that we leave out, because we do not emulate them. */
const QEMU_ONLY_NODES = new Set([
  '/pmu', // SBI PMU event map for OpenSBI: no PMU counters beyond cycle/time/instret
  '/fw-cfg@10100000', // fw_cfg
  '/flash@20000000', // CFI flash
  '/platform-bus@4000000', // dynamic sysbus devices
  '/soc/rtc@101000', // goldfish RTC
  '/soc/pci@30000000', // PCIe host
]);
/** Nodes we write that QEMU 7.2 does not (later QEMUs write /aliases too). */
const OUR_ONLY_NODES = new Set(['/aliases']);

/**
 * Property differences in nodes both trees have, keyed "path-pattern property". `qemuOnly`/`ourOnly`
 * say the property is in one tree only; otherwise both have it and check() says whether the values
 * are acceptable. Everything else must be byte-equal (phandles included).
 */
interface Difference {
  why: string;
  qemuOnly?: boolean;
  ourOnly?: boolean;
  check?: (qemu: Uint8Array, ours: Uint8Array, harts: number) => void;
}
const PROPERTY_DIFFERENCES: [RegExp, string, Difference][] = [
  [/^\/chosen$/, 'rng-seed', { qemuOnly: true, why: 'random per boot; a replayed machine must be deterministic' }],
  [
    /^\/cpus\/cpu@\d+\/interrupt-controller$/,
    '#address-cells',
    { ourOnly: true, why: 'dtc warns "Missing #address-cells in interrupt provider" without it' },
  ],
  [
    /^\/cpus\/cpu@\d+$/,
    'riscv,isa',
    {
      why: 'we describe the extensions we implement, QEMU its default CPU (rv64gch + zba/zbb/zbc/zbs, sstc, ...)',
      check: (q, o) => {
        expect(propStrings(q)[0]).toMatch(/^rv64imafdc/);
        expect(propStrings(o)[0]).toBe('rv64imafdc_zicsr_zifencei_zicntr');
      },
    },
  ],
  [
    /^\/soc\/plic@c000000$/,
    'reg',
    {
      why: 'QEMU writes its whole fixed window VIRT_PLIC_SIZE(VIRT_CPUS_MAX * 2); we cover the contexts that exist',
      check: (q, o, harts) => {
        expect(propCells(q).slice(0, 2)).toEqual(propCells(o).slice(0, 2));
        expect(propCells(q)[3]).toBeGreaterThanOrEqual(plicSize(2 * harts));
        expect(propCells(o)).toEqual([0, PLIC_BASE, 0, plicSize(2 * harts)]);
      },
    },
  ],
  [
    /^\/soc\/plic@c000000$/,
    'riscv,ndev',
    {
      why: 'QEMU 7.2 writes VIRT_IRQCHIP_NUM_SOURCES (96); later QEMUs and we write the highest source id, 95',
      check: (q, o) => {
        expect([PLIC_SOURCES, PLIC_SOURCES - 1]).toContain(propCells(q)[0]);
        expect(propCells(o)).toEqual([PLIC_SOURCES - 1]);
      },
    },
  ],
];

function differenceFor(path: string, prop: string): Difference | undefined {
  return PROPERTY_DIFFERENCES.find(([re, p]) => re.test(path) && p === prop)?.[2];
}

const haveQemu = !requireTool('qemu-system-riscv64', 'the device tree tests compare with the dtb of QEMU\'s virt board and boot OpenSBI on QEMU; scripts/setup-debian installs it (qemu-system-misc)');
const tmp = mkdtempSync(join(tmpdir(), 'samsara-dtb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function qemuDtb(harts: number, memMiB: number): Uint8Array {
  const file = join(tmp, `virt-${harts}.dtb`);
  const r = spawnSync(
    'qemu-system-riscv64',
    ['-M', `virt,dumpdtb=${file}`, '-smp', String(harts), '-m', `${memMiB}M`, '-nographic', '-bios', 'none'],
    { timeout: 60_000 },
  );
  expect(r.status, r.stderr?.toString()).toBe(0);
  return readFileSync(file);
}

describe.skipIf(!haveQemu)("device tree: compared with QEMU's virt board", () => {
  for (const harts of [2, 1, 4]) {
    it(`-smp ${harts} -m 256M`, () => {
      const qemu = parseFdt(qemuDtb(harts, 256)).root;
      const ours = parseFdt(buildDeviceTree({ harts, memBase: DRAM_BASE, memSize: 256 * MiB, bootargs: '' })).root;
      const qemuNodes = flatten(qemu).map((n) => n.path);
      const ourNodes = flatten(ours).map((n) => n.path);

      // Nodes: QEMU's, minus what we leave out (and their children), in QEMU's order.
      const omitted = (p: string): boolean => [...QEMU_ONLY_NODES].some((o) => p === o || p.startsWith(o + '/'));
      expect(new Set(qemuNodes.filter(omitted).filter((p) => QEMU_ONLY_NODES.has(p)))).toEqual(QEMU_ONLY_NODES);
      const qemuKept = qemuNodes.filter((p) => !omitted(p));
      const ourKept = ourNodes.filter((p) => !OUR_ONLY_NODES.has(p) || qemuNodes.includes(p));
      expect(ourKept).toEqual(qemuKept);

      // Properties of every common node: same names and bytes, but for the listed differences.
      const seenDifferences = new Set<string>();
      for (const path of qemuKept) {
        const q = findParsed(qemu, path)!;
        const o = findParsed(ours, path)!;
        const names = new Set([...q.properties.keys(), ...o.properties.keys()]);
        for (const name of names) {
          const qv = q.properties.get(name);
          const ov = o.properties.get(name);
          const diff = differenceFor(path, name);
          if (diff) seenDifferences.add(`${path} ${name}`);
          const where = `${path} ${name}`;
          if (diff?.qemuOnly) {
            expect(ov, where).toBeUndefined();
          } else if (diff?.ourOnly) {
            expect(qv, where).toBeUndefined();
            expect(ov, where).toBeDefined();
          } else {
            expect(qv, `${where}: missing from QEMU's tree`).toBeDefined();
            expect(ov, `${where}: missing from ours`).toBeDefined();
            if (diff?.check) diff.check(qv!, ov!, harts);
            else expect(Buffer.from(ov!).toString('hex'), where).toBe(Buffer.from(qv!).toString('hex'));
          }
        }
      }
      // Every listed difference is real (none is stale).
      for (const [re, prop] of PROPERTY_DIFFERENCES) {
        expect([...seenDifferences].some((d) => re.test(d.split(' ')[0]) && d.endsWith(' ' + prop)), `${re} ${prop}`).toBe(true);
      }

      // Phandle references resolve to the same nodes (values are equal above; check the targets).
      const qph = phandleMap(qemu);
      const oph = phandleMap(ours);
      for (const path of qemuKept) {
        const q = findParsed(qemu, path)!;
        const o = findParsed(ours, path)!;
        for (const prop of ['interrupt-parent', 'regmap', 'cpu']) {
          if (!q.properties.has(prop)) continue;
          expect(oph.get(propCells(o.properties.get(prop)!)[0]), `${path} ${prop}`).toBe(qph.get(propCells(q.properties.get(prop)!)[0]));
        }
        if (q.properties.has('interrupts-extended')) {
          expect(interruptsExtended(ours, o), path).toEqual(interruptsExtended(qemu, q));
          expect(interruptsExtended(ours, o)).toHaveLength(2 * harts);
        }
      }

      // The key properties spelled out, so a failure reads plainly.
      const prop = (root: ParsedNode, path: string, name: string): Uint8Array => findParsed(root, path)!.properties.get(name)!;
      for (const root of [qemu, ours]) {
        expect(propStrings(prop(root, `/soc/clint@${hex(CLINT_BASE)}`, 'compatible'))).toEqual(['sifive,clint0', 'riscv,clint0']);
        expect(propStrings(prop(root, `/soc/plic@${hex(PLIC_BASE)}`, 'compatible'))).toEqual(['sifive,plic-1.0.0', 'riscv,plic0']);
        expect(propCells(prop(root, `/soc/serial@${hex(UART0_BASE)}`, 'interrupts'))).toEqual([UART0_IRQ]);
        for (let s = 0; s < VIRTIO_COUNT; s++) {
          const path = `/soc/virtio_mmio@${hex(VIRTIO_BASE + s * VIRTIO_SIZE)}`;
          expect(propCells(prop(root, path, 'interrupts'))).toEqual([VIRTIO_IRQ + s]);
          expect(propCells(prop(root, path, 'reg'))).toEqual([0, VIRTIO_BASE + s * VIRTIO_SIZE, 0, VIRTIO_SIZE]);
        }
        expect(propCells(prop(root, `/memory@${hex(DRAM_BASE)}`, 'reg'))).toEqual([0, DRAM_BASE, 0, 256 * MiB]);
      }
    });
  }
});

/** Boot QEMU's own OpenSBI on our blob (-dtb) and collect its banner until it reports the platform. */
function openSbiBanner(dtb: Uint8Array, harts: number): Promise<string> {
  const file = join(tmp, `ours-${harts}.dtb`);
  writeFileSync(file, dtb);
  return new Promise((resolve, reject) => {
    const qemu = spawn('qemu-system-riscv64', ['-M', 'virt', '-smp', String(harts), '-m', '256M', '-nographic', '-dtb', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      reject(new Error(`QEMU with our device tree: no "Domain0 SysReset" line from OpenSBI in 30 s (killed); output so far:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/Domain0 SysReset/.test(out)) qemu.kill();
    };
    qemu.stdout.on('data', onData);
    qemu.stderr.on('data', onData);
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe.skipIf(!haveQemu)('device tree: OpenSBI (QEMU 7.2 firmware) accepts it', () => {
  it('finds the harts, timer, IPI, console and reset devices', async () => {
    const banner = await openSbiBanner(buildDeviceTree({ harts: 2, memBase: DRAM_BASE, memSize: 256 * MiB, bootargs: 'console=ttyS0' }), 2);
    expect(banner).toMatch(/Platform Name\s+: riscv-virtio,qemu/);
    expect(banner).toMatch(/Platform HART Count\s+: 2/);
    expect(banner).toMatch(/Platform IPI Device\s+: aclint-mswi/);
    expect(banner).toMatch(/Platform Timer Device\s+: aclint-mtimer @ 10000000Hz/);
    expect(banner).toMatch(/Platform Console Device\s+: uart8250/);
    expect(banner).toMatch(/Platform Reboot Device\s+: sifive_test/);
    expect(banner).toMatch(/Platform Shutdown Device\s+: sifive_test/);
  });
});
