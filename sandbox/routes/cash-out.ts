import { Router } from 'express';
import { createCashOutRequestSchema } from '../../domain/connectpsp';
import { requireAuth, requireSignature } from '../auth';
import { createCashOut, findCashOut } from '../cash-outs';
import type { SandboxContext } from '../context';
import { endpoint } from '../endpoint';
import { checkCashOutRules } from '../request-rules';
import { parseBody } from '../validation';
import { cashOutView } from '../views';

export function cashOutRoutes(ctx: SandboxContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  router.post(
    '/cash-out',
    auth,
    requireSignature(ctx),
    endpoint(
      ctx,
      (req) => ({
        status: 202,
        body: createCashOut(ctx, checkCashOutRules(parseBody(createCashOutRequestSchema, req.body))),
      }),
      { idempotent: true },
    ),
  );

  router.get(
    '/cash-out/:id',
    auth,
    endpoint(ctx, (req) => ({ status: 200, body: cashOutView(findCashOut(ctx, String(req.params.id))) }), {
      idempotent: false,
    }),
  );
  return router;
}
