/**
 * The worker's small HTTP listener (WORKER_HTTP_HOST:WORKER_HTTP_PORT): `/metrics` (Prometheus),
 * `/healthz` (the process answers) and `/readyz` (it can do its work: Temporal sees it polling its
 * task queue, and the wallet answers). Nothing here changes state.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import { withinTime } from '../runtime/time-limit';

export interface ReadinessSources {
  /** The worker's state (Worker.getState()), or undefined before it exists. */
  workerState(): string | undefined;
  /** This worker's identity, as it polls. */
  identity: string;
  client: Client;
  taskQueue: string;
  /** Any cheap read of the wallet (the ledger's database, or the platform's wallet service). */
  walletAnswers(): Promise<unknown>;
}

export interface Readiness {
  ok: boolean;
  worker: string;
  /** Temporal answered and lists this worker among the task queue's pollers. */
  polling: boolean;
  wallet: boolean;
  problems: string[];
}

/** Each probe's own budget; the whole answer stays below a Kubernetes or compose probe timeout. */
const PROBE_TIMEOUT_MS = 2_000;
/** Temporal lists a poller for a while after its last poll; a live one polls within a minute. */
const POLLER_FRESH_MS = 120_000;

export async function readiness(sources: ReadinessSources): Promise<Readiness> {
  const worker = sources.workerState() ?? 'STARTING';
  const probe = <T>(work: Promise<T>) =>
    withTimeout(work).then(
      (value) => ({ value, failure: null }),
      (err: unknown) => ({ value: undefined, failure: (err as Error).message }),
    );
  const [temporal, wallet] = await Promise.all([probe(isPolling(sources)), probe(sources.walletAnswers())]);
  const polling = temporal.value === true;
  // Always in this order, whichever probe answered first.
  const problems: string[] = [];
  if (worker !== 'RUNNING') problems.push(`worker is ${worker}`);
  if (temporal.failure) problems.push(`Temporal: ${temporal.failure}`);
  else if (!polling) {
    problems.push(`Temporal does not list this worker (${sources.identity}) as polling ${sources.taskQueue}`);
  }
  if (wallet.failure) problems.push(`wallet: ${wallet.failure}`);
  return { ok: problems.length === 0, worker, polling, wallet: wallet.failure === null, problems };
}

async function isPolling(sources: ReadinessSources): Promise<boolean> {
  const { pollers } = await sources.client.workflowService.describeTaskQueue({
    namespace: sources.client.options.namespace,
    taskQueue: { name: sources.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  const now = Date.now();
  return pollers.some((poller) => {
    const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
    return poller.identity === sources.identity && now - seconds * 1000 < POLLER_FRESH_MS;
  });
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return withinTime(promise, PROBE_TIMEOUT_MS, () => new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`));
}

export interface WorkerHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerHttpServer(options: {
  host: string;
  port: number;
  registry: Registry;
  /** Brings buffered metrics (the SDK's) up to date before a scrape. */
  beforeScrape?: () => void;
  readiness: () => Promise<Readiness>;
}): Promise<WorkerHttpServer> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (status: number, body: unknown) =>
      send(status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(405, { error: 'only GET' });
    if (path === '/healthz') return json(200, { ok: true });
    if (path === '/readyz') {
      options.readiness().then(
        (ready) => json(ready.ok ? 200 : 503, ready),
        (err: unknown) => json(503, { ok: false, problems: [(err as Error).message] }),
      );
      return;
    }
    if (path === '/metrics') {
      options.beforeScrape?.();
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: unknown) =>
          send(500, 'text/plain; charset=utf-8', `metrics failed: ${(err as Error).message}\n`),
      );
      return;
    }
    return json(404, { error: `nothing at ${path}; try /metrics, /healthz or /readyz` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
