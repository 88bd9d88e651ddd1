// The Debug Adapter Protocol session: one routing table from request to handler, one dispatcher
// that sends exactly one response per request, and one error path (a handler throws AdapterError).
// Threads are harts (thread id = hart + 1). Motions answer at once and report their end with a
// `stopped` event, so that a pause request is heard while they run.

import * as path from 'node:path';
import { DebugSession, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import { DebugProtocol } from '@vscode/debugprotocol';
import { seekPosition } from '../rr/commands';
import { describeHart } from '../rr/debug-target';
import { overview, Overview } from '../rr/overview';
import { UserBreakpoint } from './breakpoints';
import { Debuggee, Direction, Stop } from './debuggee';
import { disassembleAround } from './disassembly';
import { AdapterError, adapterError, ErrorCode } from './errors';
import { Launch, LaunchArguments, openLaunch, validateLaunch } from './launch';
import { backtrace, StackEntry } from './stack';
import { hex } from './variables';
import { FrameRef } from './data-views';

type Handler = (args: any) => Promise<unknown> | unknown;

export interface SessionOptions {
  /** Where relative paths in launch arguments are resolved (the adapter's working folder). */
  cwd?: string;
}

export class SamsaraSession extends DebugSession {
  private launched?: Omit<Launch, 'target' | 'recording'> & { args: LaunchArguments; overview?: { buckets: number; overview: Overview } };
  private running = false;
  /** A launch is opening its recording (in slices: other requests are heard meanwhile). */
  private launching = false;
  private terminated = false;
  /** The hart the last stop was about: memory, disassembly and expressions without a frame use it. */
  private stopHart = 0;
  private columnsStartAt1 = true;
  private linesStartAt1 = true;
  /** Frame and variables references, valid until the next motion. */
  private frames: FrameRef[] = [];
  /** Each hart's stack at the current position, with its frame ids, unwound once per stop. */
  private stacks = new Map<number, { entry: StackEntry; id: number }[]>();
  private readonly cwd: string;

  /** The routing table: a Map, so that only these names are requests (never `constructor`, `__proto__`...). */
  private readonly handlers: ReadonlyMap<string, Handler> = new Map<string, Handler>([
    ['initialize', (a: DebugProtocol.InitializeRequestArguments) => this.initialize(a)],
    ['launch', (a: unknown) => this.launch(a)],
    ['configurationDone', () => this.configurationDone()],
    ['setBreakpoints', (a: DebugProtocol.SetBreakpointsArguments) => this.setSourceBreakpoints(a)],
    ['setFunctionBreakpoints', (a: DebugProtocol.SetFunctionBreakpointsArguments) => this.setFunctionBreakpoints(a)],
    ['setInstructionBreakpoints', (a: DebugProtocol.SetInstructionBreakpointsArguments) => this.setInstructionBreakpoints(a)],
    ['setExceptionBreakpoints', () => ({})],
    ['dataBreakpointInfo', (a: DebugProtocol.DataBreakpointInfoArguments) => this.dataBreakpointInfo(a)],
    ['setDataBreakpoints', (a: DebugProtocol.SetDataBreakpointsArguments) => this.setDataBreakpoints(a)],
    ['threads', () => this.threads()],
    ['stackTrace', (a: DebugProtocol.StackTraceArguments) => this.stackTrace(a)],
    ['scopes', (a: DebugProtocol.ScopesArguments) => this.scopes(a)],
    ['variables', (a: DebugProtocol.VariablesArguments) => this.variables(a)],
    ['evaluate', (a: DebugProtocol.EvaluateArguments) => this.evaluate(a)],
    ['readMemory', (a: DebugProtocol.ReadMemoryArguments) => this.readMemory(a)],
    ['disassemble', (a: DebugProtocol.DisassembleArguments) => this.disassemble(a)],
    ['continue', () => this.move('forward', (d) => d.continue('forward'), { allThreadsContinued: true })],
    ['reverseContinue', () => this.move('backward', (d) => d.continue('backward'))],
    ['next', (a: DebugProtocol.NextArguments) => this.step(a, 'forward', true)],
    ['stepIn', (a: DebugProtocol.StepInArguments) => this.step(a, 'forward', false)],
    ['stepBack', (a: DebugProtocol.StepBackArguments) => this.step(a, 'backward', true)],
    ['stepOut', (a: DebugProtocol.StepOutArguments) => this.stepOut(a.threadId, 'forward')],
    ['samsara/reverseStepOut', (a: { threadId?: number }) => this.stepOut(a.threadId ?? this.stopHart + 1, 'backward')],
    ['samsara/seek', (a: { position: number }) => this.seek(a)],
    ['samsara/position', () => this.position()],
    ['samsara/timeline', (a: { buckets?: number }) => this.timelineOverview(a)],
    ['pause', () => this.pause()],
    ['setVariable', () => this.readOnly()],
    ['setExpression', () => this.readOnly()],
    ['writeMemory', () => this.readOnly()],
    ['disconnect', () => this.disconnect()],
    ['terminate', () => this.terminate()],
  ]);

  constructor(options: SessionOptions = {}) {
    super();
    this.cwd = options.cwd ?? process.cwd();
  }

  /** The one dispatcher: each request gets exactly one response, an error one if the handler throws. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response: DebugProtocol.Response = { seq: 0, type: 'response', request_seq: request.seq, command: request.command, success: true };
    const handler = this.handlers.get(request.command);
    const run = async (): Promise<void> => {
      try {
        if (!handler) throw new AdapterError(ErrorCode.Unsupported, `the ${request.command} request is not supported`, false);
        const body = await handler(request.arguments ?? {});
        if (body !== undefined) response.body = body;
        this.sendResponse(response);
      } catch (e) {
        const err = adapterError(e, request.command);
        // The message goes in as a variable: a format string would take {...} in paths for one.
        this.sendErrorResponse(response, { id: err.code, format: '{_message}', variables: { _message: err.message }, showUser: err.showUser });
      }
    };
    void run();
  }

  private initialize(a: DebugProtocol.InitializeRequestArguments): DebugProtocol.Capabilities {
    this.linesStartAt1 = a.linesStartAt1 ?? true;
    this.columnsStartAt1 = a.columnsStartAt1 ?? true;
    return {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsFunctionBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsReadMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportsConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsSteppingGranularity: true,
      supportsSetVariable: false,
      supportsClipboardContext: true,
      supportsWriteMemoryRequest: false,
    };
  }

  private async launch(raw: unknown): Promise<void> {
    // One recording per session: a second launch would leave the first one's motion running and
    // report its stop against the new recording.
    if (this.launched || this.launching) throw new AdapterError(ErrorCode.BadRequest, 'a recording is already open in this session (one launch per session: start another session to open another recording)');
    const args = validateLaunch(raw, this.cwd);
    this.launching = true;
    let opened;
    try {
      opened = await openLaunch(args, this.cwd, (text, category) => this.output(text, category), () => this.terminated);
    } finally {
      this.launching = false;
    }
    if (!opened || this.terminated) throw new AdapterError(ErrorCode.BadRequest, 'the session ended while the recording was being opened', false);
    const { target, recording, debuggee, symbols, sources, values, views, breakpoints } = opened;
    this.launched = { args, debuggee, symbols, sources, values, views, breakpoints };
    this.output(`samsara: ${args.recording}: ${recording.header.machine.harts} hart(s), positions ${target.start}..${target.end}${symbols ? `, symbols from ${args.program}` : ', no symbols (set "program")'}\n`);
    this.sendEvent(new InitializedEvent());
  }

  private configurationDone(): void {
    const { args } = this.session();
    if (args.stopOnEntry) setImmediate(() => this.stopped({ kind: 'step', hart: 0 }, 'entry'));
    else this.move('forward', (d) => d.continue('forward'));
  }

  private session() {
    if (!this.launched) throw new AdapterError(ErrorCode.NotStopped, 'no recording is open (launch first)');
    return this.launched;
  }

  private stoppedSession() {
    const s = this.session();
    if (this.running) throw new AdapterError(ErrorCode.NotStopped, 'the debuggee is running: pause it first', false);
    return s;
  }

  private hartOf(threadId: number): number {
    const h = threadId - 1;
    if (!Number.isInteger(h) || h < 0 || h >= this.session().debuggee.hartCount) throw new AdapterError(ErrorCode.BadRequest, `no thread ${threadId}`);
    return h;
  }

  // --- Breakpoints ------------------------------------------------------------------------------------

  private setSourceBreakpoints(a: DebugProtocol.SetBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    const { symbols, sources, breakpoints } = this.session();
    const file = a.source.path;
    if (!file) throw new AdapterError(ErrorCode.BadRequest, 'setBreakpoints: the source has no path');
    const out: DebugProtocol.Breakpoint[] = [];
    const list: UserBreakpoint[] = [];
    const requested: DebugProtocol.SourceBreakpoint[] = a.breakpoints ?? (a.lines ?? []).map((line) => ({ line }));
    for (const b of requested) {
      const id = breakpoints.newId();
      const line = this.linesStartAt1 ? b.line : b.line + 1;
      let found: { line: number; addresses: bigint[] } | undefined;
      for (const name of sources.toDwarf(file)) if ((found = symbols?.lineAddresses(name, line))) break;
      if (!found) {
        out.push({ id, verified: false, line: b.line, message: symbols ? `no code for line ${line} of ${path.basename(file)} in ${path.basename(this.session().args.program!)}` : 'no symbols: set "program" in the launch configuration' });
        continue;
      }
      list.push({ id, addresses: found.addresses, condition: b.condition || undefined, logMessage: b.logMessage || undefined, source: { path: file, line: found.line } });
      out.push({ id, verified: true, line: this.linesStartAt1 ? found.line : found.line - 1, source: a.source, instructionReference: hex(found.addresses[0]) });
    }
    breakpoints.setSource(file, list);
    this.applyBreakpoints();
    return { breakpoints: out };
  }

  private setFunctionBreakpoints(a: DebugProtocol.SetFunctionBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    const { symbols, breakpoints } = this.session();
    const list: UserBreakpoint[] = [];
    const out = a.breakpoints.map((b): DebugProtocol.Breakpoint => {
      const id = breakpoints.newId();
      const symbol = symbols?.resolve(b.name);
      if (symbol === undefined) return { id, verified: false, message: symbols ? `no function '${b.name}'` : 'no symbols: set "program" in the launch configuration' };
      const address = symbols!.functionEntry(symbol);
      list.push({ id, addresses: [address], condition: b.condition || undefined });
      const line = symbols?.stopLine(address);
      return { id, verified: true, instructionReference: hex(address), ...(line && { line: line.line, source: this.source(line.file) }) };
    });
    breakpoints.setGroup('function', list);
    this.applyBreakpoints();
    return { breakpoints: out };
  }

  private setInstructionBreakpoints(a: DebugProtocol.SetInstructionBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    const { breakpoints } = this.session();
    const list: UserBreakpoint[] = [];
    const out = a.breakpoints.map((b): DebugProtocol.Breakpoint => {
      const id = breakpoints.newId();
      const address = parseAddress(b.instructionReference, b.offset);
      if (address === undefined) return { id, verified: false, message: `not an address: ${b.instructionReference}` };
      list.push({ id, addresses: [address], condition: b.condition || undefined });
      return { id, verified: true, instructionReference: hex(address) };
    });
    breakpoints.setGroup('instruction', list);
    this.applyBreakpoints();
    return { breakpoints: out };
  }

  private applyBreakpoints(): void {
    const { debuggee, breakpoints } = this.session();
    debuggee.setBreakpoints(breakpoints.addresses());
  }

  /** Data breakpoints on a variable, a watch expression's lvalue, or an address expression. */
  private dataBreakpointInfo(a: DebugProtocol.DataBreakpointInfoArguments): DebugProtocol.DataBreakpointInfoResponse['body'] {
    const { views } = this.stoppedSession();
    const frame = a.frameId !== undefined ? this.frame(a.frameId) : this.stack(this.stopHart)[0] && this.frame(this.stack(this.stopHart)[0].id);
    return views.dataBreakpointInfo(a, frame, frame?.hart ?? this.stopHart);
  }

  private setDataBreakpoints(a: DebugProtocol.SetDataBreakpointsArguments): { breakpoints: DebugProtocol.Breakpoint[] } {
    // VS Code sends this while running too (when one is removed): the addresses are translated
    // through the stopped hart's page tables as they are now.
    const { debuggee } = this.session();
    const parsed = a.breakpoints.map((b) => {
      const m = /^(0x[0-9a-f]+)\/(\d+)$/i.exec(b.dataId);
      if (!m) throw new AdapterError(ErrorCode.BadRequest, `setDataBreakpoints: bad dataId ${JSON.stringify(b.dataId)}`);
      const kind = b.accessType === 'read' ? 'read' : b.accessType === 'readWrite' ? 'access' : 'write';
      return { address: BigInt(m[1]), length: Number(m[2]), kind } as const;
    });
    const { unmapped } = debuggee.setDataBreakpoints(this.stopHart, parsed);
    const { breakpoints } = this.session();
    return {
      breakpoints: parsed.map((p) => (unmapped.includes(p)
        ? { id: breakpoints.newId(), verified: false, message: `${hex(p.address)} is not mapped for this hart now` }
        : { id: breakpoints.newId(), verified: true })),
    };
  }

  // --- State --------------------------------------------------------------------------------------------

  private threads(): { threads: DebugProtocol.Thread[] } {
    if (!this.launched) return { threads: [] };
    const { debuggee } = this.launched;
    const threads = [];
    for (let h = 0; h < debuggee.hartCount; h++) threads.push({ id: h + 1, name: `hart ${h} (${describeHart(debuggee.hart(h))})` });
    return { threads };
  }

  private stackTrace(a: DebugProtocol.StackTraceArguments): DebugProtocol.StackTraceResponse['body'] {
    const h = this.hartOf(a.threadId);
    const stack = this.stack(h);
    // Stopped where a source breakpoint is, frame 0 shows the breakpoint's line: several lines'
    // statements may start at one address (an inlined call's first line beside its call's), and the
    // user asked for this one.
    const asked = (pc: bigint) => this.session().breakpoints.sourceAt(pc);
    const frames = stack.map(({ entry: e, id }, i): DebugProtocol.StackFrame => {
      const at = i === 0 ? asked(e.pc) : undefined;
      const line = at?.line ?? e.line;
      return {
        id,
        name: `${e.function ?? hex(e.pc)}${e.inlined ? ' [inlined]' : ''}${e.trap ? ` [${e.trap}]` : ''}`,
        line: line !== undefined ? (this.linesStartAt1 ? line : line - 1) : 0,
        column: this.columnsStartAt1 ? 1 : 0,
        source: at ? { name: path.basename(at.path), path: at.path } : e.file ? this.source(e.file) : undefined,
        instructionPointerReference: hex(e.pc),
        presentationHint: e.file ? 'normal' : 'subtle',
        ...(i === stack.length - 1 && e.stopped && { name: `${e.function ?? hex(e.pc)} (unwinding stops: ${e.stopped})` }),
      };
    });
    const start = a.startFrame ?? 0;
    return { stackFrames: frames.slice(start, a.levels ? start + a.levels : undefined), totalFrames: frames.length };
  }

  /** Hart h's stack now, unwound on first use after each stop. */
  private stack(h: number): { entry: StackEntry; id: number }[] {
    const { debuggee } = this.stoppedSession();
    let stack = this.stacks.get(h);
    if (!stack) {
      const entries = backtrace(debuggee, h);
      stack = entries.map((entry, index) => ({ entry, id: this.frames.push({ hart: h, entry, at: { hart: h, stack: entries, index } }) }));
      this.stacks.set(h, stack);
    }
    return stack;
  }

  private source(dwarfPath: string): DebugProtocol.Source {
    const p = this.session().sources.toClient(dwarfPath);
    return { name: path.basename(p), path: p };
  }

  private frame(id: number): FrameRef {
    const f = this.frames[id - 1];
    // Not shown to the user: VS Code asks for the last stop's frames after the next motion began.
    if (!f) throw new AdapterError(ErrorCode.BadRequest, `no frame ${id} (frames are valid until the next step)`, false);
    return f;
  }

  private scopes(a: DebugProtocol.ScopesArguments): { scopes: DebugProtocol.Scope[] } {
    return { scopes: this.session().views.scopes(this.frame(a.frameId)) };
  }

  private variables(a: DebugProtocol.VariablesArguments): { variables: DebugProtocol.Variable[] } {
    return { variables: this.stoppedSession().views.variables(a) };
  }

  private async evaluate(a: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']> {
    const { debuggee, views } = this.stoppedSession();
    const frame = a.frameId !== undefined ? this.frame(a.frameId) : undefined;
    const h = frame?.hart ?? this.stopHart;
    // The time-travel commands, worded as gdb's `monitor` has them (a far seek in slices first).
    const far = a.context === 'repl' ? seekPosition(a.expression) : undefined;
    if (far !== undefined && !(await this.approach(debuggee, far))) {
      if (!this.terminated) this.afterSeek();
      return { result: `paused at position ${debuggee.target.position}`, variablesReference: 0 };
    }
    const command = a.context === 'repl' ? debuggee.target.command(a.expression) : undefined;
    if (command) {
      if (!command.ok) throw new AdapterError(ErrorCode.BadExpression, command.text, false);
      if (command.moved) this.afterSeek();
      return { result: command.text, variablesReference: 0 };
    }
    // Without a frame (the debug console before a stack is shown), the stopped hart's innermost frame.
    const top = frame ?? (this.stack(h)[0] && this.frame(this.stack(h)[0].id));
    return views.evaluate(top, h, a.expression, a.context);
  }

  private readMemory(a: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
    const { debuggee } = this.stoppedSession();
    const address = parseAddress(a.memoryReference, a.offset);
    if (address === undefined) throw new AdapterError(ErrorCode.BadRequest, `readMemory: not an address: ${a.memoryReference}`);
    if (!Number.isInteger(a.count) || a.count < 0) throw new AdapterError(ErrorCode.BadRequest, `readMemory: count must be a whole number (got ${JSON.stringify(a.count)})`);
    const count = Math.min(a.count, 1 << 20);
    const h = this.stopHart;
    // Readable bytes up to the first unmapped page (a page at a time).
    const chunks: Uint8Array[] = [];
    let done = 0;
    while (done < count) {
      const n = Math.min(count - done, 4096 - Number((address + BigInt(done)) & 0xfffn));
      const b = debuggee.readMemory(h, address + BigInt(done), n);
      if (!b) break;
      chunks.push(b);
      done += n;
    }
    return { address: hex(address), data: Buffer.concat(chunks).toString('base64'), unreadableBytes: count - done };
  }

  private disassemble(a: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembleResponse['body'] {
    const { debuggee } = this.stoppedSession();
    const address = parseAddress(a.memoryReference, a.offset);
    if (address === undefined) throw new AdapterError(ErrorCode.BadRequest, `disassemble: not an address: ${a.memoryReference}`);
    const offset = a.instructionOffset ?? 0;
    if (!Number.isInteger(offset) || Math.abs(offset) > 4096 || !Number.isInteger(a.instructionCount)) {
      throw new AdapterError(ErrorCode.BadRequest, `disassemble: instructionOffset must be -4096 to 4096 and instructionCount a whole number`);
    }
    return { instructions: disassembleAround(debuggee, this.stopHart, address, offset, a.instructionCount, (p) => this.source(p)) };
  }

  /** The recording at a glance for the timeline view, with where the debugger is and its checkpoints. */
  private timelineOverview(a: { buckets?: number }): Overview & { position: number; checkpoints: number[] } {
    const s = this.session();
    const buckets = a.buckets ?? 512;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 8192) throw new AdapterError(ErrorCode.BadRequest, `samsara/timeline: buckets must be 1 to 8192 (got ${JSON.stringify(a.buckets)})`);
    const { timeline } = s.debuggee.target;
    if (s.overview?.buckets !== buckets) s.overview = { buckets, overview: overview(timeline.recording, buckets, s.args.recording) };
    return { ...s.overview.overview, position: timeline.position, checkpoints: timeline.checkpointPositions() };
  }

  private position(): { position: number; start: number; end: number } {
    const { target } = this.session().debuggee;
    return { position: target.position, start: target.start, end: target.end };
  }

  // --- Motions ------------------------------------------------------------------------------------------

  private step(a: DebugProtocol.StepBackArguments, direction: Direction, over: boolean): void {
    const h = this.hartOf(a.threadId);
    const instruction = a.granularity === 'instruction';
    this.move(direction, (d) => (instruction ? d.stepInstruction(h, direction) : d.stepLine(h, direction, over)));
  }

  private stepOut(threadId: number, direction: Direction): void {
    const h = this.hartOf(threadId);
    // The caller is the first frame after the current function's own (and its inlined ones).
    const stack = this.stack(h);
    if (stack[0]?.entry.inlined) {
      this.move(direction, (d) => d.stepOutInline(h, direction));
      return;
    }
    const own = stack.findIndex((f) => !f.entry.inlined);
    const callee = stack[own]?.entry;
    const caller = stack[own + 1]?.entry;
    if (!caller || callee?.cfa === undefined) throw new AdapterError(ErrorCode.BadRequest, `cannot step out: no caller frame${callee?.stopped ? ` (${callee.stopped})` : ''}`);
    this.move(direction, (d) => d.stepOut(h, direction, { pc: caller.pc, sp: callee.cfa! }));
  }

  private async seek(a: { position: number }): Promise<{ position: number }> {
    if (!Number.isSafeInteger(a.position)) throw new AdapterError(ErrorCode.BadRequest, `samsara/seek: position must be an integer (got ${JSON.stringify(a.position)})`);
    const { debuggee } = this.stoppedSession();
    const whole = await this.approach(debuggee, a.position);
    if (this.terminated) return { position: debuggee.target.position };
    const stop = debuggee.seek(whole ? a.position : debuggee.target.position);
    this.afterSeek(stop);
    return { position: debuggee.target.position };
  }

  /**
   * A seek's far part, replayed in slices: the session is running meanwhile (motions wait, a pause
   * stops it). Whether it went the whole way.
   */
  private async approach(debuggee: Debuggee, position: number): Promise<boolean> {
    this.running = true;
    try {
      return await debuggee.approach(position, () => this.terminated);
    } finally {
      this.running = false;
    }
  }

  /**
   * After a seek: the client learns the new state from a `stopped` event (reason goto; a seek that
   * found replay diverging says so), after the response.
   */
  private afterSeek(stop: Stop = { kind: 'step', hart: this.session().debuggee.currentHart() }): void {
    this.invalidate();
    setImmediate(() => this.stopped(stop, stop.kind === 'diverged' ? undefined : 'goto'));
  }

  /** Start a motion; the response goes at once, a `stopped` event when it ends. */
  private move(direction: Direction, motion: (d: Debuggee) => Promise<Stop>, body?: object): object | undefined {
    const { debuggee, breakpoints } = this.stoppedSession();
    if (direction === 'forward') debuggee.refuseForwardAtDivergence();
    this.running = true;
    this.invalidate();
    // After the response: setImmediate runs once the dispatcher has sent it.
    setImmediate(async () => {
      let stop: Stop;
      if (direction === 'backward') breakpoints.beginBackward();
      try {
        stop = await motion(debuggee);
      } catch (e) {
        // The user reads what went wrong in one line (a divergence, a damaged block); only our own
        // bugs send their stack, to the adapter's stderr (adapterError).
        this.output(`samsara: the ${direction} motion failed: ${adapterError(e, direction === 'backward' ? 'reverseContinue' : 'continue').message}\n`, 'important');
        stop = { kind: 'interrupted', hart: debuggee.currentHart() };
      } finally {
        this.running = false;
        if (direction === 'backward') breakpoints.endBackward(debuggee.target.position);
      }
      // After a disconnect the client is gone: a motion that was running ends silently.
      if (!this.terminated) this.stopped(stop);
    });
    return body;
  }

  private pause(): void {
    if (this.running) this.session().debuggee.pause();
  }

  /** DAP's stop reasons for the debug target's stops. */
  private static readonly REASONS: Record<Stop['kind'], string> = {
    breakpoint: 'breakpoint', watchpoint: 'data breakpoint', trap: 'exception', step: 'step', interrupted: 'pause', start: 'step', end: 'step', diverged: 'exception',
  };

  private stopped(stop: Stop, reason?: string): void {
    // After terminate or disconnect the client expects no more stops (a seek's or the entry's, sent
    // after their response, included).
    if (this.terminated) return;
    const { debuggee, breakpoints } = this.session();
    this.invalidate();
    const hart = stop.hart;
    this.stopHart = hart;
    const e = new StoppedEvent(reason ?? SamsaraSession.REASONS[stop.kind], hart + 1) as DebugProtocol.StoppedEvent;
    e.body.allThreadsStopped = true;
    const at = `position ${debuggee.target.position}`;
    // VS Code shows `description` in capitals in the Call Stack view, and `text` as its tooltip:
    // addresses and details go in `text` (and the Debug Console), where their case is kept.
    if (stop.kind === 'breakpoint') e.body.hitBreakpointIds = breakpoints.hitIds(hart, stop.pc);
    if (stop.kind === 'watchpoint') {
      e.body.description = 'Paused on data breakpoint';
      e.body.text = `${stop.access} of ${hex(stop.address)} by hart ${hart} (${at})`;
      this.output(`samsara: ${e.body.text}\n`);
    }
    if (stop.kind === 'start' || stop.kind === 'end') {
      e.body.description = `${stop.kind === 'start' ? 'Start' : 'End'} of the recording (${at})`;
      e.body.text = stop.kind === 'start' ? 'start of the recording' : 'end of the recording';
      this.output(`samsara: ${e.body.description}\n`);
    }
    if (stop.kind === 'diverged') {
      e.body.description = 'Paused where the recording diverges';
      e.body.text = stop.message;
      this.output(`samsara: ${stop.message}\n`, 'important');
    }
    this.sendEvent(e);
  }

  private invalidate(): void {
    this.frames = [];
    this.stacks.clear();
    this.launched?.views.reset();
  }

  private readOnly(): never {
    throw new AdapterError(ErrorCode.ReadOnly, 'a recording is read-only: registers and memory cannot be changed');
  }

  /**
   * `terminate` asks the debuggee to end: the adapter says so with a `terminated` event and waits for
   * the client's `disconnect`. `disconnect` ends the session after its response has gone.
   */
  private terminate(): void {
    this.launched?.debuggee.pause();
    if (this.terminated) return;
    this.terminated = true;
    setImmediate(() => this.sendEvent(new TerminatedEvent()));
  }

  private disconnect(): void {
    this.launched?.debuggee.pause();
    const first = !this.terminated;
    this.terminated = true;
    setImmediate(() => {
      if (first) this.sendEvent(new TerminatedEvent());
      this.shutdown();
    });
  }

  /**
   * The adapter stops (a signal, or the end of the client's input): a running motion is paused and
   * the client hears `terminated`, once. (Not `exited`: that reports the debuggee's exit code, and a
   * recording does not exit because its debugger stops.)
   */
  end(): void {
    this.launched?.debuggee.pause();
    if (this.terminated) return;
    this.terminated = true;
    this.sendEvent(new TerminatedEvent());
  }

  /** DebugSession's shutdown (after `disconnect`) exits the process: here it says 'shutdown', and the transport closes. */
  override shutdown(): void {
    this.emit('shutdown');
  }

  private output(text: string, category: 'console' | 'stderr' | 'important' = 'console'): void {
    this.sendEvent(new OutputEvent(text, category));
  }
}

/** "0xADDR" (or a decimal number) plus a byte offset. */
function parseAddress(reference: string, offset = 0): bigint | undefined {
  if (typeof reference !== 'string' || !Number.isInteger(offset) || !/^(0x[0-9a-f]+|\d+)$/i.test(reference.trim())) return undefined;
  return BigInt.asUintN(64, BigInt(reference.trim()) + BigInt(offset));
}
