// The launch configuration of the `samsara` debug type: the one description of its attributes.
// package.json's `debuggers[].configurationAttributes.launch` is checked against LAUNCH_ATTRIBUTES
// by a test, and `validateLaunch` reads a request's arguments with the same table. `openLaunch`
// opens what they name: the recording, the program's symbols, and the views the session serves.

import * as path from 'node:path';
import { InputFileError, readInputFile, RECORDING_LIMIT } from '../files/input-file';
import { FormatError, parseRecording, ParsedRecording } from '../rr/format';
import { DebugTarget } from '../rr/debug-target';
import { KernelSymbols } from '../symbols';
import { BreakpointRegistry } from './breakpoints';
import { DataViews, FrameRef } from './data-views';
import { Debuggee } from './debuggee';
import { AdapterError, ErrorCode } from './errors';
import { defaultSourceRoot, SourceMap } from './sources';
import { StackEntry } from './stack';
import { HartValues } from './variables';

export interface LaunchArguments {
  /** The recording to debug (made by `samsara record`). */
  recording: string;
  /** The kernel ELF with symbols and DWARF (vmlinux, or the demo's demo.elf). */
  program?: string;
  /** Stop at the first position of the recording (default true). */
  stopOnEntry: boolean;
  /** Where relative source paths in the DWARF are resolved (default: the folder of `program`'s workspace). */
  sourceRoot?: string;
  /** Source path prefixes as the compiler saw them, mapped to where they are here. */
  sourceMap: Record<string, string>;
  /** Memory for checkpoints, in MiB (default 1024). */
  checkpointMemory?: number;
}

interface Attribute {
  type: 'string' | 'boolean' | 'number' | 'object';
  description: string;
  default?: unknown;
  required?: boolean;
}

export const LAUNCH_ATTRIBUTES: Record<keyof LaunchArguments, Attribute> = {
  recording: { type: 'string', required: true, description: 'The recording to debug, made by `samsara record`.' },
  program: { type: 'string', description: 'The kernel ELF with symbols and DWARF: vmlinux, or guests/demo/demo.elf. Without it only addresses and registers are shown.' },
  stopOnEntry: { type: 'boolean', default: true, description: 'Stop at the start of the recording. When false, run forward to the first breakpoint.' },
  sourceRoot: { type: 'string', description: 'The folder that relative source paths in the DWARF are resolved against (default: the workspace folder).' },
  sourceMap: { type: 'object', default: {}, description: 'Source path prefixes as the compiler saw them, mapped to where they are on this machine, e.g. {"/build/linux": "${workspaceFolder}"}.' },
  checkpointMemory: { type: 'number', default: 1024, description: 'Memory for checkpoints, in MiB: more checkpoints make stepping back faster.' },
};

/** Read a launch request's arguments, or name what is wrong with them. */
export function validateLaunch(raw: unknown, cwd: string): LaunchArguments {
  if (typeof raw !== 'object' || raw === null) throw bad('the launch arguments must be an object');
  const args = raw as Record<string, unknown>;
  for (const [name, a] of Object.entries(LAUNCH_ATTRIBUTES)) {
    const v = args[name];
    if (v === undefined) {
      if (a.required) throw bad(`"${name}" is required: ${a.description}`);
      continue;
    }
    const ok = a.type === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === a.type;
    if (!ok) throw bad(`"${name}" must be a ${a.type} (got ${JSON.stringify(v)})`);
  }
  const map = (args.sourceMap ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') throw bad(`"sourceMap" values must be strings (the value for ${JSON.stringify(k)} is ${JSON.stringify(v)})`);
  const memory = args.checkpointMemory as number | undefined;
  if (memory !== undefined && !(memory >= 16 && memory <= 65536)) throw bad(`"checkpointMemory" must be 16 to 65536 MiB (got ${memory})`);
  const abs = (p: unknown): string | undefined => (typeof p === 'string' ? path.resolve(cwd, p) : undefined);
  return {
    recording: abs(args.recording)!,
    program: abs(args.program),
    stopOnEntry: (args.stopOnEntry as boolean | undefined) ?? true,
    sourceRoot: abs(args.sourceRoot),
    sourceMap: map as Record<string, string>,
    checkpointMemory: memory,
  };
}

const bad = (message: string): AdapterError => new AdapterError(ErrorCode.BadLaunchArguments, `launch: ${message}`);

/** What a launch opens: the recording and its debug target, the symbols, and the session's views. */
export interface Launch {
  target: DebugTarget;
  recording: ParsedRecording;
  debuggee: Debuggee;
  symbols?: KernelSymbols;
  sources: SourceMap;
  values: HartValues;
  views: DataViews;
  breakpoints: BreakpointRegistry;
}

/**
 * Open a launch's recording and program; a file that cannot be used is one AdapterError (BadInput).
 * The recording is indexed in slices, so that the session's end (`ended`: a signal, a disconnect)
 * is heard while a large one opens; undefined then.
 */
export async function openLaunch(args: LaunchArguments, cwd: string, output: (text: string, category: 'console' | 'stderr' | 'important') => void, ended: () => boolean): Promise<Launch | undefined> {
  // Both files through src/files: a regular file within its limit, or one sentence at once
  // naming "recording" or "program" (a device or a FIFO is never read).
  let recording;
  try {
    recording = parseRecording(readInputFile(args.recording, { option: 'recording', limit: RECORDING_LIMIT }), args.recording);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = e instanceof FormatError ? err.message : e instanceof InputFileError ? `${e.path}: ${e.problem}` : `${args.recording}: ${err.message}`;
    throw new AdapterError(ErrorCode.BadInput, `cannot open the recording: ${why}`);
  }
  let symbols: KernelSymbols | undefined;
  if (args.program) {
    try {
      symbols = KernelSymbols.open(args.program, 'program');
    } catch (e) {
      const why = e instanceof InputFileError ? `${e.path}: ${e.problem}` : (e as Error).message;
      throw new AdapterError(ErrorCode.BadInput, `cannot read the program's symbols: ${why}`);
    }
  }
  if (recording.truncated) output(`${args.recording} was cut off at byte ${recording.truncated.size}: it replays up to its last complete block\n`, 'important');
  const target = await DebugTarget.openInSlices(recording, args.recording, { checkpointBudget: args.checkpointMemory === undefined ? undefined : args.checkpointMemory * 2 ** 20 }, ended);
  if (!target) return undefined;
  const debuggee = new Debuggee(target, symbols);
  const values = new HartValues(debuggee, symbols);
  const views = new DataViews(debuggee, values, symbols);
  // Conditions and log messages are C in the frame of the hit (frame 0 of the hart that hit).
  const hitFrame = (h: number): FrameRef => {
    const pc = debuggee.pc(h);
    const registers = new Map<number, bigint>();
    for (let r = 0; r < 32; r++) registers.set(r, debuggee.reg(h, r));
    const entry: StackEntry = { pc, lookupPc: pc, registers, inlined: false };
    return { hart: h, entry, at: { hart: h, stack: [entry], index: 0 } };
  };
  const evaluator = {
    condition: (h: number, text: string) => views.condition(hitFrame(h), h, text),
    interpolate: (h: number, message: string) => views.interpolate(hitFrame(h), h, message),
  };
  const breakpoints = new BreakpointRegistry(evaluator, (text, category) => output(text, category));
  debuggee.breakpointFilter = (hart, address, position) => breakpoints.shouldStop(hart, address, position);
  const sources = new SourceMap(args.sourceRoot ?? defaultSourceRoot(symbols, args.program, cwd), args.sourceMap);
  if (symbols && !debuggee.programMatches()) {
    const kernel = recording.header.images.find((i) => i.role === 'kernel')?.name ?? 'its kernel';
    output(`samsara: ${args.program} does not look like the kernel this recording ran (${kernel}): its first loaded bytes are not in the machine's memory at the start; symbols and lines may be wrong\n`, 'important');
  }
  if (symbols?.debugInfoError) output(`samsara: ${args.program}: its DWARF cannot be read (${symbols.debugInfoError.message}): lines and symbols still work, variables do not\n`, 'important');
  return { target, recording, debuggee, symbols, sources, values, views, breakpoints };
}
