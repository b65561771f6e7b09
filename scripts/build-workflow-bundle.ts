import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../runtime/data-converter';
import { PROJECT_ROOT } from '../runtime/project-root';
import { WORKFLOW_BUNDLE_PATH, workerInterceptorModules, workflowEntry } from '../worker/workflow-source';

/**
 * The workflow bundle production workers load: every workflow of worker/workflows.ts, nothing
 * else, with the workflow interceptors (traces, log context, lifecycle metrics) and the failure
 * converter that keeps failure messages out of clear text (a prebuilt bundle takes neither from
 * the worker's options).
 */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowEntry(),
    workflowInterceptorModules: workerInterceptorModules(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  return code;
}

/** `npm run build`: bundles the workflows once, so production workers start without webpack. */
async function main(): Promise<void> {
  const started = Date.now();
  const code = await buildWorkflowBundle();
  mkdirSync(path.dirname(WORKFLOW_BUNDLE_PATH), { recursive: true });
  writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  const kib = Math.round(code.length / 1024);
  process.stdout.write(
    `workflow bundle: ${path.relative(PROJECT_ROOT, WORKFLOW_BUNDLE_PATH)} (${kib} KiB, ${Date.now() - started} ms)\n`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
