import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config';
import { PROJECT_ROOT } from '../runtime/project-root';

/** Where `npm run build` writes the pre-built workflow bundle that production workers load. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

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
  const sourceEntry = path.join(PROJECT_ROOT, 'workflows', 'index.ts');
  return {
    workflowsPath: existsSync(sourceEntry)
      ? sourceEntry
      : path.join(PROJECT_ROOT, 'dist', 'workflows', 'index.js'),
  };
}
