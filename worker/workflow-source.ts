import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';

/** Where `npm run build` writes the pre-built workflow bundle that production workers load. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/** A module's TypeScript source when the sources are there (development), else its build in dist/. */
function sourceOrBuilt(module: string): string {
  const source = path.join(PROJECT_ROOT, `${module}.ts`);
  return existsSync(source) ? source : path.join(PROJECT_ROOT, 'dist', `${module}.js`);
}

/** The bundle's entry: every workflow type the worker runs (worker/workflows.ts). */
export const workflowEntry = (): string => sourceOrBuilt('worker/workflows');

/**
 * Workflow interceptors bundled with the workflows: the lifecycle metrics interceptor
 * (operations/lifecycle-metrics.ts), which reports state changes to the worker through a sink.
 */
export const workflowInterceptorModules = (): string[] => [sourceOrBuilt('operations/lifecycle-metrics')];

/**
 * Production (NODE_ENV=production) loads the bundle built once by `npm run build`; development
 * bundles the workflow sources at start-up, so edits need no separate build step.
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
  return {
    workflowsPath: workflowEntry(),
    interceptors: { workflowModules: workflowInterceptorModules() },
  };
}
