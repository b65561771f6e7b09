/**
 * The workflow interceptor every bundle carries, tracing on or off (worker/workflow-source.ts): every
 * workflow log line names its payment reference. Not a workflow: it changes no command.
 */
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';

/** The reference of a payment lifecycle's workflow id (`cash-in:<reference>`, `cash-out:<reference>`). */
export function paymentReferenceOf(workflowId: string): string | undefined {
  return /^cash-(?:in|out):(.+)$/.exec(workflowId)?.[1];
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes(input, next) {
        const paymentReference = paymentReferenceOf(workflowInfo().workflowId);
        return next(paymentReference === undefined ? input : { paymentReference, ...input });
      },
    },
  ],
});
