import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { tracingOff } from '../../runtime/tracing';
import { workerTelemetry } from '../../worker/telemetry';

/** A task queue no other test shares, so workers of parallel test files never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A client of the run's Temporal server; close its connection in afterAll. */
export async function connectTestClient(options: { dataConverter?: DataConverter } = {}): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({
    connection,
    namespace: inject('temporalNamespace'),
    dataConverter: options.dataConverter,
  });
}

let runtimeInstalled = false;
/** Workers log at WARN in tests; set TEST_TEMPORAL_LOG_LEVEL=INFO to see their state changes. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = process.env.TEST_TEMPORAL_LOG_LEVEL === 'INFO' ? 'INFO' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(level) });
}

/** The lifecycle metrics sink of every bundle, for workers whose metrics nobody reads (tests, replay). */
export const IGNORED_LIFECYCLE_METRICS = {
  lifecycleMetrics: { started: { fn: () => undefined }, entered: { fn: () => undefined } },
};

/** A worker on the run's server that loads the workflow bundle built once by the global setup. */
export async function createTestWorker(
  options: Pick<WorkerOptions, 'taskQueue'> & Partial<Omit<WorkerOptions, 'connection' | 'workflowBundle'>>,
): Promise<Worker> {
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  // As the worker process: the bundle's workflow interceptors send spans and state changes to these sinks.
  const telemetry = workerTelemetry(tracingOff());
  return Worker.create({
    namespace: inject('temporalNamespace'),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    sinks: { ...telemetry.sinks, ...IGNORED_LIFECYCLE_METRICS },
    interceptors: { activity: telemetry.activityInterceptors },
    ...options,
    connection,
  });
}
