import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../runtime/data-converter';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { freePort } from '../../scripts/ports';
import { startDevServer, temporalCliPath, waitUntilTemporalReady } from '../../scripts/temporal-dev-server';
import { workflowInterceptorModules } from '../../worker/workflow-source';
import type { TestProject } from './test-project';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    /** The bundles `npm run build` writes for production workers (no test workflows): tracing off, and on. */
    productionBundlePath: string;
    tracedProductionBundlePath: string;
  }
}

/**
 * One Temporal dev server (headless, in memory, free ports) for the whole run, or the server
 * named by TEMPORAL_ADDRESS; one workflow bundle (with the traced bundle's workflow interceptors),
 * built once, that every test worker loads; and the
 * production bundles, built by the same function as `npm run build`, that recorded histories replay on.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'pix-test-'));
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const [server, bundle, productionBundle, tracedProductionBundle] = await Promise.all([
    process.env.TEMPORAL_ADDRESS
      ? waitUntilTemporalReady(process.env.TEMPORAL_ADDRESS, namespace, 30_000).then(() => undefined)
      : startTestServer(workDir),
    bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../workflows/index.ts'),
      workflowInterceptorModules: workflowInterceptorModules({ traced: true }),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('WARN'),
    }),
    buildWorkflowBundle({ traced: false }),
    buildWorkflowBundle({ traced: true }),
  ]);
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const productionBundlePath = path.join(workDir, 'production-workflow-bundle.js');
  writeFileSync(productionBundlePath, productionBundle);
  const tracedProductionBundlePath = path.join(workDir, 'production-workflow-bundle-traced.js');
  writeFileSync(tracedProductionBundlePath, tracedProductionBundle);

  project.provide('temporalAddress', server?.address ?? (process.env.TEMPORAL_ADDRESS as string));
  project.provide('temporalNamespace', namespace);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('productionBundlePath', productionBundlePath);
  project.provide('tracedProductionBundlePath', tracedProductionBundlePath);

  return async () => {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
}

async function startTestServer(workDir: string) {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  return startDevServer({
    cliPath: temporalCliPath(),
    port,
    httpPort,
    metricsPort,
    logFile: path.join(workDir, 'temporal.log'),
  });
}
