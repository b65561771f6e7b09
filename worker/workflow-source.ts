import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';

/** Where `npm run build` writes the pre-built workflow bundle that production workers load. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/** Compiled beside this module (dist/), or the sources when they are there (development, tests). */
function projectModule(relativePath: string): string {
  const source = path.join(PROJECT_ROOT, `${relativePath}.ts`);
  return existsSync(source) ? source : path.join(PROJECT_ROOT, 'dist', `${relativePath}.js`);
}

/** The bundle's entry: every workflow type the worker runs (worker/workflows.ts: workflows/ and operations/). */
export const workflowEntry = (): string => projectModule('worker/workflows');

/**
 * The workflow interceptors every bundle carries (production's, development's, the tests'): the
 * project's trace and log context first, then OpenTelemetry's spans of workflows and the calls
 * they make (@temporalio/interceptors-opentelemetry). They send their spans to the `exporter` sink,
 * which every worker registers (worker/telemetry.ts), tracing on or off.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  projectModule('workflows/telemetry-interceptors'),
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/**
 * The payment worker's bundle adds the lifecycle metrics interceptor (operations/lifecycle-metrics.ts),
 * which reports state changes to the worker's metrics through the `lifecycleMetrics` sink.
 */
export const workerInterceptorModules = (): string[] => [
  ...WORKFLOW_INTERCEPTOR_MODULES,
  projectModule('operations/lifecycle-metrics'),
];

/**
 * Production (NODE_ENV=production) loads the bundle built once by `npm run build`; development
 * bundles the workflow sources at start-up (with `workerInterceptorModules()`), so edits need no
 * separate build step.
 */
export function workflowSource(config: Pick<Config, 'NODE_ENV'>) {
  if (config.NODE_ENV === 'production') {
    if (!existsSync(WORKFLOW_BUNDLE_PATH)) {
      throw new Error(
        `NODE_ENV=production but ${WORKFLOW_BUNDLE_PATH} is missing; run 'npm run build' first`,
      );
    }
    return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  }
  return { workflowsPath: workflowEntry() };
}
