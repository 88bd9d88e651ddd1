// `samsara dap`: the Debug Adapter Protocol over standard input and output (as VS Code starts a
// debug adapter), or, with --port, over TCP connections to 127.0.0.1 (one session per connection).

import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { SamsaraSession } from '../debug-adapter/session';
import { UsageError } from './main';
import { exposureWarning } from './listen';

export const DAP_HELP = `usage: samsara dap [--port N] [--host ADDR]

Speak the Debug Adapter Protocol on standard input and output, for VS Code or any DAP client. The
client's "launch" request names the recording ("recording") and the kernel ELF ("program").

  --port N      listen for DAP connections on this TCP port instead (one session each)
  --host ADDR   address to listen on with --port (default 127.0.0.1)
`;

export async function dapCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } } });
  if (values.port === undefined) {
    const session = new SamsaraSession();
    session.start(process.stdin, process.stdout);
    await new Promise<void>((resolve) => process.stdin.on('end', resolve));
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${values.port})`);
  const host = values.host ?? '127.0.0.1';
  const warning = exposureWarning('dap', host, 'open files this user can read');
  if (warning) process.stderr.write(warning);
  const server = net.createServer((socket) => {
    const session = new SamsaraSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(`cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, resolve);
  });
  const a = server.address() as net.AddressInfo;
  process.stderr.write(`samsara dap: listening on ${a.address}:${a.port}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  return 0;
}
