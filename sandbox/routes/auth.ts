import { Router } from 'express';
import { tokenRequestSchema } from '../../domain/connectpsp';
import { issueToken } from '../auth';
import type { SandboxContext } from '../context';
import { endpoint } from '../endpoint';
import { parseBody } from '../validation';

export function authRoutes(ctx: SandboxContext): Router {
  const router = Router();
  router.post(
    '/auth/token',
    endpoint(
      ctx,
      async (req) => ({ status: 200, body: await issueToken(ctx, parseBody(tokenRequestSchema, req.body)) }),
      {
        idempotent: false,
      },
    ),
  );
  return router;
}
