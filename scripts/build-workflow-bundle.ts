import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../runtime/data-converter';
import { PROJECT_ROOT } from '../runtime/project-root';
import { workflowBundlePath, workflowEntry, workflowInterceptorModules } from '../worker/workflow-source';

/**
 * A workflow bundle production workers load: every workflow of worker/workflows.ts, nothing
 * else, with the workflow interceptors (log context, lifecycle metrics, and traces when `traced`)
 * and the failure converter that keeps failure messages out of clear text (a prebuilt bundle takes
 * neither from the worker's options).
 */
export async function buildWorkflowBundle(options: { traced: boolean }): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowEntry(),
    workflowInterceptorModules: workflowInterceptorModules(options),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  return code;
}

/** `npm run build`: bundles the workflows once, tracing off and on, so production workers start without webpack. */
async function main(): Promise<void> {
  for (const traced of [false, true]) {
    const started = Date.now();
    const code = await buildWorkflowBundle({ traced });
    const bundlePath = workflowBundlePath(traced);
    mkdirSync(path.dirname(bundlePath), { recursive: true });
    writeFileSync(bundlePath, code);
    const kib = Math.round(code.length / 1024);
    process.stdout.write(
      `workflow bundle: ${path.relative(PROJECT_ROOT, bundlePath)} (${kib} KiB, ${Date.now() - started} ms)\n`,
    );
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
