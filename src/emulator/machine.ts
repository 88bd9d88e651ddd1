// The machine: harts, bus and the devices of QEMU's `virt` board, and the scheduler that runs the
// harts in turns on one thread. It is a pure function of its inputs: every input from outside comes
// through a port (ports.ts) or through consoleInput(), at instruction boundaries the machine chooses.

import { Breakpoints } from './breakpoints';
import { Bus, MAX_RAM, PAGE_SIZE } from './bus';
import { CONSOLE_INPUT_CAPACITY, ConsoleInputQueue } from './console-input';
import { Clint } from './devices/clint';
import { Plic } from './devices/plic';
import { SifiveTest } from './devices/sifive-test';
import { Uart16550 } from './devices/uart16550';
import { VirtioMmio } from './devices/virtio/mmio';
import { VirtioBlock } from './devices/virtio/blk';
import { VirtioRng } from './devices/virtio/rng';
import { Device, DeviceState } from './devices/device';
import { checkHartState, Hart, HartState } from './hart/hart';
import { run as runHart } from './hart/interpreter';
import { Access, translate } from './hart/mmu';
import { Cause, Irq } from './hart/trap';
import { BlockPort, ClockPort, ConsolePort, EntropyPort } from './ports';
import { Sbi } from './sbi';
import * as C from './state-check';
import * as Map from './virt-map';

export interface MachineConfig {
  harts: number;
  /** RAM size in bytes. */
  memSize: number;
  clock: ClockPort;
  console: ConsolePort;
  entropy?: EntropyPort;
  drive?: BlockPort;
  /** Provide the SBI in the emulator (S-mode kernels with no firmware). */
  builtinSbi: boolean;
  /** Instructions each hart runs before the next takes its turn (default 10000 for one hart, else 1000). */
  quantum?: number;
  /** The buffer for RAM: RAM first, then the parallel recorder's pools (default: RAM alone). */
  ramBuffer?: SharedArrayBuffer;
  /**
   * Make the RAM buffer with a copy-on-write pool for each hart after RAM (Machine.pool), so that the
   * harts can run on the parallel engine's workers (parallel/engine.ts).
   */
  parallel?: boolean;
}

/** Pages of each hart's copy-on-write pool (parallel/chunk-bus.ts): 2 MiB. */
export const POOL_PAGES = 512;

/** Why Machine.run() returned. */
export const enum RunResult {
  /** The step budget was used up. */
  Budget = 0,
  /** Every running hart waits for an interrupt: time must pass (or input arrive) for anything to happen. */
  Idle = 1,
  /** The guest powered off or reset, or a fatal condition stopped the machine: see Machine.finished. */
  Finished = 2,
}

export interface MachineState {
  readonly harts: readonly HartState[];
  readonly devices: readonly (readonly [string, DeviceState])[];
  readonly sbiTimer: readonly number[];
  readonly steps: number;
  readonly input: readonly number[];
  readonly lastRan: number;
}

export type Finish =
  | { kind: 'poweroff'; code: number }
  | { kind: 'reset' }
  | { kind: 'fatal'; message: string };

export class Machine {
  readonly bus: Bus;
  readonly harts: Hart[] = [];
  readonly clint: Clint;
  /** The harts' copy-on-write pools in the RAM buffer, after RAM (MachineConfig.parallel). */
  readonly pool?: { readonly firstPage: number; readonly pagesPerHart: number };
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly test: SifiveTest;
  readonly virtio: VirtioMmio[] = [];
  readonly sbi?: Sbi;
  /** Debugger breakpoints (src/rr's timeline sets them). */
  readonly breakpoints: Breakpoints;
  /** Steps taken by all harts in completed turns (see `position`). */
  steps = 0;
  /** Set when the machine must stop (power-off, reset, fatal error); run() returns Finished. */
  finished?: Finish;
  /** Read by the harts after stores that reach devices. */
  stopRequested = false;
  /** Set by a debugger's watch or event hook: the running hart stops after its current step. */
  debugStop = false;
  /** Told of every trap any hart takes (for statistics and recordings). */
  onTrap?: (hart: Hart, cause: number, interrupt: boolean) => void;
  private readonly input = new ConsoleInputQueue();
  private readonly quantum: number;
  private readonly clock: ClockPort;
  private readonly consolePort: ConsolePort;
  /** The hart whose turn it is, and its step count when the turn began. */
  private current: Hart | undefined;
  private turnStart = 0;
  private lastRan: Hart | undefined;

  constructor(readonly config: MachineConfig) {
    const n = config.harts;
    if (!Number.isInteger(n) || n < 1 || n > Map.MAX_HARTS) throw new RangeError(`harts must be 1..${Map.MAX_HARTS} (got ${n})`);
    this.clock = config.clock;
    this.consolePort = config.console;
    this.quantum = config.quantum ?? (n === 1 ? 10000 : 1000);
    if (config.parallel) {
      if (config.ramBuffer) throw new Error('a machine takes a RAM buffer or makes one with pools (parallel), not both');
      if (config.memSize + n * POOL_PAGES * PAGE_SIZE > MAX_RAM) {
        throw new RangeError(`RAM of ${config.memSize} bytes leaves no room for ${n} harts' copy-on-write pools below ${MAX_RAM} bytes`);
      }
      this.pool = { firstPage: config.memSize / PAGE_SIZE, pagesPerHart: POOL_PAGES };
    }
    const buffer = config.ramBuffer ?? (this.pool && new SharedArrayBuffer(config.memSize + n * POOL_PAGES * PAGE_SIZE));
    this.bus = new Bus(config.memSize, buffer);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const machine = this;
    const host = {
      bus: this.bus,
      mtime: () => this.clint.guestMtime(this.mtime()),
      machineTrap: config.builtinSbi ? (h: Hart, cause: number) => this.machineTrap(h, cause) : undefined,
      get stopRequested() { return machine.stopRequested || machine.debugStop; },
      onTrap: (h: Hart, cause: number, interrupt: boolean) => machine.onTrap?.(h, cause, interrupt),
      get breakpoints() { return machine.breakpoints; },
    };
    for (let i = 0; i < n; i++) this.harts.push(new Hart(i, host));
    this.breakpoints = new Breakpoints(this.bus, () => this.harts.forEach((h) => h.flushTlb()));

    this.clint = new Clint(n, () => this.mtime(), () => this.harts.forEach((h) => this.updateInterrupts(h)));
    this.plic = new Plic(n, (context, asserted) => {
      const h = this.harts[context >> 1];
      h.setMipHw(context & 1 ? Irq.SEIP : Irq.MEIP, asserted);
    });
    this.uart = new Uart16550(this.plic.line(Map.UART0_IRQ), (byte) => this.consolePort.write(Uint8Array.of(byte)));
    this.test = new SifiveTest((event) => this.finish(event));
    this.bus.map(Map.TEST_BASE, Map.TEST_SIZE, this.test);
    this.bus.map(Map.CLINT_BASE, Map.CLINT_SIZE, this.clint);
    this.bus.map(Map.PLIC_BASE, Map.plicSize(2 * n), this.plic);
    this.bus.map(Map.UART0_BASE, Map.UART0_SIZE, this.uart);
    // virtio-mmio slots, filled from the last as QEMU does (its device tree lists the slots from the
    // top, so Linux names the first device virtio0): block device (if a drive is given), then entropy.
    const backends = [];
    if (config.drive) backends.push(new VirtioBlock(config.drive));
    if (config.entropy) backends.push(new VirtioRng(config.entropy));
    for (let i = 0; i < Map.VIRTIO_COUNT; i++) {
      const dev = new VirtioMmio(backends[Map.VIRTIO_COUNT - 1 - i] ?? null, this.bus, this.plic.line(Map.VIRTIO_IRQ + i));
      this.virtio.push(dev);
      this.bus.map(Map.VIRTIO_BASE + i * Map.VIRTIO_SIZE, Map.VIRTIO_SIZE, dev);
    }
    if (config.builtinSbi) {
      this.sbi = new Sbi({
        harts: this.harts,
        consoleWrite: (bytes) => this.consolePort.write(bytes),
        consoleRead: () => this.input.shift(),
        readPhys: (pa, buf) => this.bus.readPhys(pa, buf),
        writePhys: (pa, data) => this.bus.writePhys(pa, data),
        readVirt64: (h, addr) => this.readVirt64(h, addr),
        finish: (event) => this.finish(event),
      });
    }
  }

  /**
   * The machine's position: steps taken by all harts (instructions retired plus exceptions raised).
   * Exact at every instruction boundary, including in the middle of a hart's turn.
   */
  get position(): number {
    const h = this.current;
    return this.steps + (h ? h.steps - this.turnStart : 0);
  }

  /**
   * Steps by which the turn in progress reads time late: a turn the parallel recorder ran on a worker
   * from the state committed `timeLag` steps before its place in the recording (EventKind.TimeLag).
   * Zero between turns and in every turn run in place.
   */
  timeLag = 0;

  /** Virtual time in instructions of one hart: the position shared out among the harts. */
  get virtualTime(): number {
    return (this.position - this.timeLag) / this.harts.length;
  }

  /** The current mtime of the machine's clock (the CLINT's time base). */
  mtime(): number {
    return this.clock.mtime(this.virtualTime);
  }

  finish(event: Finish): void {
    if (!this.finished) this.finished = event;
    this.stopRequested = true;
  }

  /**
   * Bytes typed on the console, entering the machine now: as many as the UART's FIFO takes go in at
   * once, the rest at the start of later turns (or to SBI getchar), in order. At most `consoleRoom`
   * bytes: more is a RangeError, and nothing enters.
   */
  consoleInput(bytes: Uint8Array | readonly number[]): void {
    this.input.push(bytes);
    this.feedUart();
  }

  /**
   * As much of `bytes` as fits, entering as consoleInput(): in parts of the room there is, which the
   * UART makes as it takes a byte. Returns how many entered, from the start.
   */
  consoleInputAsFits(bytes: Uint8Array): number {
    let at = 0;
    for (let room = this.consoleRoom; at < bytes.length && room > 0; room = this.consoleRoom) {
      const part = bytes.subarray(at, at + room);
      this.consoleInput(part);
      at += part.length;
    }
    return at;
  }

  /** Console input waiting for the guest, in bytes. */
  get pendingInput(): number {
    return this.input.length;
  }

  /** The console input the machine can take now (its queue holds CONSOLE_INPUT_CAPACITY bytes). */
  get consoleRoom(): number {
    return this.input.room;
  }

  /**
   * Run the harts in turns until `budget` steps have been taken, every hart is idle, or the machine
   * finishes. Each hart's turn lasts up to the quantum; `onTurn` hears of every turn that ran.
   */
  run(budget: number, onTurn?: (hart: Hart, steps: number) => void): RunResult {
    const limit = this.steps + budget;
    while (this.steps < limit) {
      if (this.stopRequested) return RunResult.Finished;
      let ran = false;
      for (const h of this.harts) {
        if (this.steps >= limit) break;
        if (!this.beginTurn(h)) continue;
        const n = this.continueTurn(h, Math.min(this.quantum, limit - this.steps));
        this.endTurn();
        onTurn?.(h, n);
        if (n > 0) ran = true;
        if (this.stopRequested) return RunResult.Finished;
      }
      if (!ran) {
        if (this.harts.every((h) => h.stopped)) {
          this.finish({ kind: 'fatal', message: 'every hart is stopped (SBI hart_stop) and none can be started' });
          return RunResult.Finished;
        }
        return RunResult.Idle;
      }
    }
    return RunResult.Budget;
  }

  /**
   * Start hart h's turn: update its interrupt lines and, if it can run (started, and not waiting in
   * WFI with nothing pending), feed waiting console input, drop a reservation that another hart's
   * turn may have broken, and take a pending interrupt. Returns false if the hart cannot run now;
   * then nothing has changed. A replay calls this at the start of every recorded turn.
   */
  beginTurn(h: Hart): boolean {
    if (h.stopped) return false;
    this.updateInterrupts(h);
    if (h.wfi && !h.interruptWaiting) return false;
    h.wfi = false;
    this.current = h;
    this.turnStart = h.steps;
    this.feedUart();
    // A reservation does not survive another hart's turn: that hart may have written the address.
    if (this.lastRan !== h) h.reservation = -1;
    this.lastRan = h;
    h.checkInterrupts();
    return true;
  }

  /** Run the current turn's hart for up to `max` more steps; returns the steps taken. */
  continueTurn(h: Hart, max: number): number {
    const before = h.steps;
    runHart(h, max);
    return h.steps - before;
  }

  /** End the current turn. */
  endTurn(): void {
    const h = this.current;
    if (!h) return;
    this.steps += h.steps - this.turnStart;
    this.current = undefined;
    this.timeLag = 0;
  }

  /**
   * The machine's whole state except RAM (harts, devices, SBI, scheduler), structured-clonable.
   * Caches (TLBs, decoded code) are never part of it.
   */
  snapshotState(midTurn = false): MachineState {
    if (this.current && !midTurn) throw new Error('cannot snapshot in the middle of a turn');
    return {
      harts: this.harts.map((h) => h.snapshot()),
      devices: this.devices().map(([name, d]) => [name, d.snapshot()] as const),
      sbiTimer: this.sbi ? [...this.sbi.timer] : [],
      steps: this.position,
      input: this.input.toArray(),
      lastRan: this.lastRan?.id ?? -1,
    };
  }

  /**
   * Check a state from outside (a recording's snapshot) against this machine before restoreState()
   * trusts it: its harts (as many as the machine's), every device of the machine once and no other,
   * the SBI timers, the position, the waiting input and the last hart to run. Throws StateError
   * naming the field. Our own checkpoints are not checked: restoreState() stays as fast as it was.
   */
  checkState(v: unknown): asserts v is MachineState {
    const s = C.fields(v, 'machine', ['harts', 'devices', 'sbiTimer', 'steps', 'input', 'lastRan']);
    const n = this.harts.length;
    if (!Array.isArray(s.harts)) C.fail('machine.harts', 'an array', s.harts);
    if (s.harts.length !== n) C.fail('machine.harts', `${n} harts, as the machine has`, s.harts.length);
    s.harts.forEach((h, i) => checkHartState(h, `machine.harts[${i}]`));
    const devices = new globalThis.Map(this.devices());
    const seen = new Set<string>();
    C.array(s.devices, 'machine.devices', { max: devices.size }).forEach((entry, i) => {
      const pair = C.array(entry, `machine.devices[${i}]`, 2);
      const name = pair[0];
      const d = typeof name === 'string' ? devices.get(name) : undefined;
      if (!d) C.fail(`machine.devices[${i}]`, `a device of this machine (${[...devices.keys()].join(', ')})`, name);
      if (seen.has(name as string)) C.fail(`machine.devices[${i}]`, 'each device once', name);
      seen.add(name as string);
      d.checkState(pair[1], `machine.devices.${name as string}`);
    });
    for (const name of devices.keys()) if (!seen.has(name)) throw new C.StateError(`machine.devices.${name}: missing`);
    // A deadline in mtime ticks below 2^53, or Infinity for none (sbi.ts set_timer).
    const timers = C.array(s.sbiTimer, 'machine.sbiTimer', this.sbi ? n : 0);
    C.every(timers, 'machine.sbiTimer', 'an integer >= 0 or Infinity', (t) => t === Infinity || (Number.isSafeInteger(t) && (t as number) >= 0));
    C.integer(s.steps, 'machine.steps', 0, Number.MAX_SAFE_INTEGER);
    C.every(C.array(s.input, 'machine.input', { max: CONSOLE_INPUT_CAPACITY }), 'machine.input', 'a byte', C.isByte);
    C.integer(s.lastRan, 'machine.lastRan', -1, n - 1);
  }

  restoreState(s: MachineState): void {
    if (s.harts.length !== this.harts.length) throw new Error(`snapshot has ${s.harts.length} harts, the machine ${this.harts.length}`);
    this.harts.forEach((h, i) => h.restore(s.harts[i]));
    const devices = new globalThis.Map(this.devices());
    for (const [name, state] of s.devices) {
      const d = devices.get(name);
      if (!d) throw new Error(`snapshot has a device '${name}' this machine lacks`);
      d.restore(state);
    }
    if (this.sbi) s.sbiTimer.forEach((t, i) => { this.sbi!.timer[i] = t; });
    this.steps = s.steps;
    this.input.clear();
    this.input.push(s.input);
    this.lastRan = s.lastRan >= 0 ? this.harts[s.lastRan] : undefined;
    this.current = undefined;
    this.timeLag = 0;
    this.finished = undefined;
    this.stopRequested = false;
    this.bus.invalidateAllCode();
  }

  /** Every device with state, by a stable name. */
  private devices(): [string, Device][] {
    return [
      ['clint', this.clint], ['plic', this.plic], ['uart', this.uart], ['test', this.test],
      ...this.virtio.map((v, i) => [`virtio${i}`, v] as [string, Device]),
    ];
  }

  /** The earliest mtime at which a timer will raise an interrupt on some hart, or Infinity. */
  nextTimerDeadline(): number {
    let t = Infinity;
    for (const h of this.harts) {
      if (h.stopped) continue;
      t = Math.min(t, this.clint.nextDeadline(h.id));
      if (this.sbi) t = Math.min(t, this.sbi.timer[h.id]);
    }
    return t;
  }

  /** The hart whose turn ran last (beginning another hart's turn drops this one's reservation). */
  get lastTurnHart(): Hart | undefined {
    return this.lastRan;
  }

  /**
   * Set hart h's interrupt lines that depend on time and on the CLINT, as beginning its turn now
   * would (the parallel engine samples them for a chunk, and undoes it).
   */
  sampleInterrupts(h: Hart): void {
    this.updateInterrupts(h);
  }

  /** Set the level-triggered interrupt lines that depend on time and on the CLINT. */
  private updateInterrupts(h: Hart): void {
    const now = this.mtime();
    h.setMipHw(Irq.MTIP, this.clint.timerPending(h.id, now));
    h.setMipHw(Irq.MSIP, this.clint.msip(h.id));
    if (this.sbi) h.setMipHw(Irq.STIP, now >= this.sbi.timer[h.id]);
  }

  private feedUart(): void {
    while (this.input.length > 0 && this.uart.canReceive() > 0) this.uart.receive(this.input.shift());
  }

  /** A trap that reached M-mode while the machine provides the SBI. */
  private machineTrap(h: Hart, cause: number): boolean {
    if (cause === Cause.EcallFromS) {
      this.sbi!.call(h);
      return true;
    }
    this.finish({
      kind: 'fatal',
      message: `hart ${h.id}: unexpected trap to M-mode (cause ${cause}) at pc 0x${BigInt.asUintN(64, BigInt(h.pc)).toString(16)} with no M-mode firmware (--bios builtin)`,
    });
    return true;
  }

  private readVirt64(h: Hart, addr: bigint): bigint | undefined {
    const buf = this.readVirtual(h, addr, 8);
    return buf && new DataView(buf.buffer).getBigUint64(0, true);
  }

  /** The physical address of a virtual one through hart h's current translation (for loads), or undefined. */
  virtualToPhysical(h: Hart, addr: bigint, access: Access = Access.Load): number | undefined {
    const lo = Number(addr & 0xffffffffn) | 0;
    const hi = Number((addr >> 32n) & 0xffffffffn) | 0;
    const pa = translate(h, lo, hi, access, true);
    return pa < 0 ? undefined : pa;
  }

  /**
   * Read guest memory as hart h sees it now, for a debugger: page by page through its translation,
   * changing nothing (no A/D bits, no device side effects: only RAM is read). Undefined if any byte
   * is unmapped or not RAM.
   */
  readVirtual(h: Hart, addr: bigint, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const va = BigInt.asUintN(64, addr + BigInt(done));
      const pa = this.virtualToPhysical(h, va);
      const n = Math.min(length - done, 4096 - Number(va & 0xfffn));
      if (pa === undefined || !this.bus.readPhys(pa, out.subarray(done, done + n))) return undefined;
      done += n;
    }
    return out;
  }
}
