// gdb's side of the differential test of the adapter's variables: one gdb-multiarch run over a
// recording (gdb-stops.py loops over the stops), connected to `samsara gdbserver`, and its output
// parsed into stops with their variables.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGdb } from '../gdbstub/gdb-batch';
import { startGdbServer } from '../gdbstub/server-process';
import { Named, parseInfoVariables, parsePrinted, parseWhen } from './gdb-values';

/** A `break` spec (a function, inlined ones too, or FILE:LINE) and how many times it may stop. */
export interface Breakpoint {
  spec: string;
  hits: number;
}

/** A stop of gdb at a breakpoint, and what it printed there. */
export interface Stop {
  /** The breakpoints (specs) that stopped it. */
  breakpoints: string[];
  /** Instructions and exceptions of all harts since the start (`monitor when`). */
  position: number;
  hart: number;
  /** The function of gdb's selected frame (an inlined function's own name in its inlined frame). */
  function: string;
  pc: bigint;
  inlined: boolean;
  args: Named[];
  locals: Named[];
  /** `p *NAME` for the first argument that points to a struct or union, when it has one. */
  deref?: { name: string; value: string };
}

export interface GdbRun {
  stops: Stop[];
  /** Per breakpoint spec: stops made, and hits (gdb's hit count, ignored ones included). */
  counts: Map<string, { stops: number; hits: number }>;
  /** Specs gdb could not set (no such function or line). */
  unset: string[];
  /** What gdb printed. */
  output: string;
  ms: number;
}

const SCRIPT = path.join(__dirname, 'gdb-stops.py');

/** Run gdb once over `recording` with `elf` and these breakpoints; at most `maxStops` stops. */
export async function gdbStops(recording: string, elf: string, breakpoints: Breakpoint[], maxStops: number): Promise<GdbRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-gdb-stops-'));
  const config = path.join(dir, 'config.json');
  const output = path.join(dir, 'stops.jsonl');
  fs.writeFileSync(config, JSON.stringify({ breakpoints, max_stops: maxStops, output }));
  const server = await startGdbServer(recording);
  const t0 = Date.now();
  let out: string;
  try {
    // A continue over much of the recording outlasts gdb's default 2 s wait for a reply.
    out = runGdb(['set remotetimeout 120', `python STOPS_CONFIG = ${JSON.stringify(config)}`, `source ${SCRIPT}`], elf, server.port, { timeoutMs: 600_000 });
  }
  finally {
    server.process.kill();
  }
  const ms = Date.now() - t0;
  const stops = fs.readFileSync(output, 'utf8').split('\n').filter((l) => l !== '').map(parseStop);
  fs.rmSync(dir, { recursive: true, force: true });
  const counts = new Map<string, { stops: number; hits: number }>();
  for (const m of out.matchAll(/^SAMSARA-BREAKPOINT (\S+) stops=(\d+) hits=(\d+)$/gm)) counts.set(m[1], { stops: Number(m[2]), hits: Number(m[3]) });
  const unset = [...out.matchAll(/^SAMSARA-NO-BREAKPOINT (\S+):/gm)].map((m) => m[1]);
  if (!/^SAMSARA-STOPS \d+$/m.test(out)) throw new Error(`gdb-stops.py did not finish:\n${out.slice(-4000)}`);
  return { stops, counts, unset, output: out, ms };
}

/** A line of gdb-stops.py's output; throws when gdb's text does not parse. */
function parseStop(line: string): Stop {
  const r = JSON.parse(line) as {
    breakpoints: string[]; when: string; thread: number; function: string; pc: number | string; inlined: boolean;
    args: string; locals: string; labels?: string[]; pointer: string | null; deref: string | null;
  };
  const info = (what: string, text: string): Named[] => {
    if (text.startsWith('SAMSARA-ERROR')) throw new Error(`gdb failed ${what} in ${r.function}: ${text}`);
    return parseInfoVariables(text);
  };
  return {
    breakpoints: r.breakpoints,
    position: parseWhen(r.when),
    hart: r.thread - 1,
    function: r.function,
    pc: BigInt(r.pc),
    inlined: r.inlined,
    args: info('info args', r.args),
    // gdb's `info locals` lists C labels too (gdb-stops.py names them): not variables, left out.
    locals: info('info locals', r.locals).filter((v) => !(r.labels ?? []).includes(v.name)),
    // gdb's own error for `p *ptr` (a null or unmapped pointer) is what the adapter must say too:
    // kept as the value.
    deref: r.pointer && r.deref !== null
      ? { name: r.pointer, value: r.deref.startsWith('SAMSARA-ERROR ') ? `<error: ${r.deref.slice('SAMSARA-ERROR '.length)}>` : parsePrinted(r.deref) }
      : undefined,
  };
}
