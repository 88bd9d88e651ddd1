// The launch configuration of the `samsara` debug type: the one description of its attributes.
// package.json's `debuggers[].configurationAttributes.launch` is checked against LAUNCH_ATTRIBUTES
// by a test, and `validateLaunch` reads a request's arguments with the same table.

import * as path from 'node:path';
import { AdapterError, ErrorCode } from './errors';

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
