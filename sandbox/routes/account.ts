import { Router } from 'express';
import { rebalanceRequestSchema } from '../../domain/connectpsp';
import { reaisToCents } from '../../domain/money';
import { requireAuth, requireSignature } from '../auth';
import type { SandboxContext } from '../context';
import { endpoint } from '../endpoint';
import { ProblemError } from '../problem';
import { parseBody } from '../validation';

export function accountRoutes(ctx: SandboxContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  router.get(
    '/account/balance',
    auth,
    endpoint(
      ctx,
      (req) => {
        if (req.query.date !== undefined) {
          throw new ProblemError(400, 'INVALID_REQUEST', 'Balance by date is not yet available', [
            { field: 'date', message: 'not yet available' },
          ]);
        }
        return { status: 200, body: ctx.wallet.view(Date.now()) };
      },
      { idempotent: false },
    ),
  );

  router.post(
    '/account/rebalance',
    auth,
    requireSignature(ctx),
    endpoint(
      ctx,
      (req) => {
        const { targetAmount } = parseBody(rebalanceRequestSchema, req.body);
        const message = ctx.wallet.rebalance(reaisToCents(targetAmount));
        ctx.state.persist({ banks: true });
        return { status: 200, body: { success: true, message } };
      },
      { idempotent: true },
    ),
  );
  return router;
}
