import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';

/** Where `npm run build` writes the pre-built workflow bundles production workers load: with tracing off, and on. */
const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
const TRACED_WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle-traced.js');

export const workflowBundlePath = (traced: boolean): string =>
  traced ? TRACED_WORKFLOW_BUNDLE_PATH : WORKFLOW_BUNDLE_PATH;

/** Compiled beside this module (dist/), or the sources when they are there (development, tests). */
function projectModule(relativePath: string): string {
  const source = path.join(PROJECT_ROOT, `${relativePath}.ts`);
  return existsSync(source) ? source : path.join(PROJECT_ROOT, 'dist', `${relativePath}.js`);
}

/** The bundle's entry: every workflow type the worker runs (worker/workflows.ts: workflows/ and operations/). */
export const workflowEntry = (): string => projectModule('worker/workflows');

/**
 * The workflow interceptors of a bundle. Every bundle names the payment reference in workflow log
 * lines and reports lifecycle state changes to the worker's metrics (`lifecycleMetrics` sink,
 * operations/lifecycle-metrics.ts). A traced bundle adds the project's trace context and
 * OpenTelemetry's spans of workflows and their calls (@temporalio/interceptors-opentelemetry, the
 * `exporter` sink, worker/telemetry.ts). Traced is a bundle of its own because each cached workflow
 * evaluates every module of its bundle: OpenTelemetry's add about 1.5 MB to every cached lifecycle
 * (docs/capacity.md#worker-memory), a cost only a worker that exports traces should pay.
 */
export function workflowInterceptorModules(options: { traced: boolean }): string[] {
  return [
    ...(options.traced
      ? [
          projectModule('workflows/trace-context-interceptors'),
          require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
        ]
      : []),
    projectModule('workflows/log-context-interceptors'),
    projectModule('operations/lifecycle-metrics'),
  ];
}

/**
 * Production (NODE_ENV=production) loads the bundle built once by `npm run build`; development
 * bundles the workflow sources at start-up (with `workflowInterceptorModules`), so edits need no
 * separate build step.
 */
export function workflowSource(config: Pick<Config, 'NODE_ENV'>, traced: boolean) {
  if (config.NODE_ENV === 'production') {
    const codePath = workflowBundlePath(traced);
    if (!existsSync(codePath)) {
      throw new Error(`NODE_ENV=production but ${codePath} is missing; run 'npm run build' first`);
    }
    return { workflowBundle: { codePath } };
  }
  return { workflowsPath: workflowEntry() };
}
