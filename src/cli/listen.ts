// Where the servers listen: 127.0.0.1 unless the user asks otherwise, and a warning when they ask
// for an address beyond this machine (neither protocol has authentication).

export const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** The warning to print for `--host`, or undefined for a loopback address. */
export function exposureWarning(tool: string, host: string, what: string): string | undefined {
  return LOOPBACK.includes(host) ? undefined : `samsara ${tool}: warning: listening on ${host}: anyone who can reach it can ${what} (there is no authentication)\n`;
}
