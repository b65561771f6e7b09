import net from 'node:net';

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Every port variable of the local stack (`npm start`): its processes' listeners. */
export const STACK_PORT_VARIABLES = [
  'TEMPORAL_PORT',
  'TEMPORAL_UI_PORT',
  'LEDGER_PG_PORT',
  'SANDBOX_PORT',
  'RELAY_PORT',
  'CODEC_PORT',
  'WALLET_SERVICE_PORT',
  'WORKER_HTTP_PORT',
] as const;

/** A free port for each of the stack's listeners, so a stack can start beside another (tests, benchmarks). */
export async function freeStackPorts(): Promise<Record<(typeof STACK_PORT_VARIABLES)[number], string>> {
  const ports: Partial<Record<(typeof STACK_PORT_VARIABLES)[number], string>> = {};
  for (const name of STACK_PORT_VARIABLES) ports[name] = String(await freePort());
  return ports as Record<(typeof STACK_PORT_VARIABLES)[number], string>;
}

/** True when nothing listens on the port (checked by binding to it, as the process would). */
export function isPortFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
