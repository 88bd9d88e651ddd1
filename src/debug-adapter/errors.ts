// The debug adapter's one error type and its codes. A handler throws an AdapterError; the
// dispatcher (session.ts) turns it into the request's error response, so that every request gets
// exactly one response and a user sees a sentence that names the problem.

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
