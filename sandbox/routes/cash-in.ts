import { Router } from 'express';
import { createCashInRequestSchema, refundCashInRequestSchema } from '../../domain/connectpsp';
import { requireAuth, requireSignature } from '../auth';
import { createCashIn, findCashIn, refundCashIn } from '../cash-ins';
import type { SandboxContext } from '../context';
import { endpoint } from '../endpoint';
import { checkCashInRules } from '../request-rules';
import { parseBody } from '../validation';
import { cashInView } from '../views';

export function cashInRoutes(ctx: SandboxContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  router.post(
    '/cash-in',
    auth,
    endpoint(
      ctx,
      async (req) => {
        const request = checkCashInRules(parseBody(createCashInRequestSchema, req.body));
        const publicBaseUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
        return { status: 201, body: await createCashIn(ctx, request, publicBaseUrl) };
      },
      { idempotent: true },
    ),
  );

  router.get(
    '/cash-in/:id',
    auth,
    endpoint(ctx, (req) => ({ status: 200, body: cashInView(findCashIn(ctx, String(req.params.id))) }), {
      idempotent: false,
    }),
  );

  router.post(
    '/cash-in/:id/refund',
    auth,
    requireSignature(ctx),
    endpoint(
      ctx,
      (req) => {
        parseBody(refundCashInRequestSchema, req.body);
        return { status: 202, body: refundCashIn(ctx, findCashIn(ctx, String(req.params.id))) };
      },
      { idempotent: true },
    ),
  );
  return router;
}
