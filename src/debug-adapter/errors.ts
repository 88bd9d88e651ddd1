// The debug adapter's one error type and its codes. A handler throws an AdapterError; the
// dispatcher (session.ts) turns it into the request's error response, so that every request gets
// exactly one response and a user sees a sentence that names the problem.

import { FormatError } from '../rr/codec';
import { DivergenceError } from '../rr/replayer';

export const enum ErrorCode {
  /** The launch configuration is missing something or has a wrong value. */
  BadLaunchArguments = 1001,
  /** The recording or the symbol file cannot be read. */
  BadInput = 1002,
  /** A request's arguments do not make sense (no such thread, frame, reference...). */
  BadRequest = 1003,
  /** The request needs a stopped debuggee, or a launched one. */
  NotStopped = 1004,
  /** The recording cannot be changed (writes to registers or memory). */
  ReadOnly = 1005,
  /** An expression that cannot be evaluated. */
  BadExpression = 1006,
  /** A request this adapter does not implement. */
  Unsupported = 1007,
  /** Anything else: a bug in the adapter, reported with its message. */
  Internal = 1099,
}

export class AdapterError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly showUser = true) {
    super(message);
    this.name = 'AdapterError';
  }
}

/**
 * The error a request answers with: a recording found bad or diverging as the request replays it is
 * the input's fault and says so in one sentence; anything else is a bug in the adapter, answered
 * with its message only (the stack goes to stderr, never to the user).
 */
export function adapterError(e: unknown, command: string): AdapterError {
  if (e instanceof AdapterError) return e;
  if (e instanceof FormatError || e instanceof DivergenceError) return new AdapterError(ErrorCode.BadInput, e.message);
  // Damaged ELF or DWARF in the program, found where a request first needs it (its line table, its CFI).
  if (e instanceof Error && (e.name === 'DwarfError' || e.name === 'ElfError')) {
    return new AdapterError(ErrorCode.BadInput, `the program's ${e.name === 'ElfError' ? 'ELF' : 'DWARF'} is damaged: ${e.message}`);
  }
  process.stderr.write(`samsara dap: internal error in ${command}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  return new AdapterError(ErrorCode.Internal, `internal error in ${command}: ${e instanceof Error ? e.message : String(e)}`);
}
