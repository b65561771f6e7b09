import { Router } from 'express';
import { z } from 'zod';
import { ispb, wireAmount, wireBalance } from '../domain/connectpsp';
import { reaisToCents } from '../domain/money';
import { allCashIns, cancelCashIn, expireCashIn, findCashIn, medReversal, payCashIn } from './cash-ins';
import {
  cancelCashOut,
  completeCashOut,
  DEFAULT_FAILURE,
  failCashOut,
  findCashOut,
  returnCashOut,
} from './cash-outs';
import type { SandboxContext } from './context';
import { faultSpecSchema } from './faults';
import { ProblemError } from './problem';
import { parseBody } from './validation';
import { cashInView, cashOutView } from './views';

const paySchema = z.object({ amount: wireAmount.optional(), withoutEndToEndId: z.boolean().optional() });
const failSchema = z.object({ code: z.string().min(1).optional(), message: z.string().min(1).optional() });
const delayMs = z.number().int().min(0).max(2_147_483_647).nullable().optional();
const behaviourSchema = z.object({
  autoPayCashInAfterMs: delayMs,
  autoCompleteCashOutAfterMs: delayMs,
  failureRules: z
    .array(
      z.object({
        pixKeySuffix: z.string().min(1),
        code: z.string().min(1),
        message: z.string().min(1).optional(),
      }),
    )
    .optional(),
});
const walletSchema = z.object({
  banks: z.array(z.object({ ispb, transactional: wireBalance, proprietary: wireBalance })).min(1),
});

/** The sandbox's own API under /_sandbox: drive lifecycles, inject faults, inspect what happened. */
export function controlRoutes(ctx: SandboxContext): Router {
  const router = Router();
  const ref = (params: Record<string, string | string[] | undefined>) => String(params.ref);

  router.post('/cash-in/:ref/pay', (req, res) => {
    const { amount, withoutEndToEndId } = parseBody(paySchema, req.body);
    const record = findCashIn(ctx, ref(req.params), true);
    payCashIn(ctx, record, {
      ...(amount !== undefined ? { amountCents: reaisToCents(amount) } : {}),
      ...(withoutEndToEndId !== undefined ? { withoutEndToEndId } : {}),
    });
    res.json(cashInView(record));
  });
  router.post('/cash-in/:ref/expire', (req, res) => {
    const record = findCashIn(ctx, ref(req.params), true);
    expireCashIn(ctx, record);
    res.json(cashInView(record));
  });
  router.post('/cash-in/:ref/cancel', (req, res) => {
    const record = findCashIn(ctx, ref(req.params), true);
    cancelCashIn(ctx, record);
    res.json(cashInView(record));
  });
  router.post('/cash-in/:ref/med-reversal', (req, res) => {
    const record = findCashIn(ctx, ref(req.params), true);
    medReversal(ctx, record);
    res.json(cashInView(record));
  });

  router.post('/cash-out/:ref/complete', (req, res) => {
    const record = findCashOut(ctx, ref(req.params), true);
    completeCashOut(ctx, record);
    res.json(cashOutView(record));
  });
  router.post('/cash-out/:ref/fail', (req, res) => {
    const body = parseBody(failSchema, req.body);
    const record = findCashOut(ctx, ref(req.params), true);
    const code = body.code ?? DEFAULT_FAILURE.code;
    const message = body.message ?? (body.code ? `Cash-out failed: ${code}` : DEFAULT_FAILURE.message);
    failCashOut(ctx, record, code, message);
    res.json(cashOutView(record));
  });
  router.post('/cash-out/:ref/return', (req, res) => {
    const record = findCashOut(ctx, ref(req.params), true);
    returnCashOut(ctx, record);
    res.json(cashOutView(record));
  });
  router.post('/cash-out/:ref/cancel', (req, res) => {
    const record = findCashOut(ctx, ref(req.params), true);
    cancelCashOut(ctx, record);
    res.json(cashOutView(record));
  });

  router.get('/behaviour', (_req, res) => {
    res.json(ctx.state.behaviour);
  });
  router.put('/behaviour', (req, res) => {
    const update = parseBody(behaviourSchema, req.body);
    const behaviour = ctx.state.behaviour;
    if (update.autoPayCashInAfterMs !== undefined)
      behaviour.autoPayCashInAfterMs = update.autoPayCashInAfterMs;
    if (update.autoCompleteCashOutAfterMs !== undefined) {
      behaviour.autoCompleteCashOutAfterMs = update.autoCompleteCashOutAfterMs;
    }
    if (update.failureRules !== undefined) behaviour.failureRules = update.failureRules;
    ctx.state.persist({ behaviour: true });
    res.json(behaviour);
  });

  router.post('/faults', (req, res) => {
    res.status(201).json({ id: ctx.faults.add(parseBody(faultSpecSchema, req.body)) });
  });
  router.delete('/faults', (_req, res) => {
    ctx.faults.clear();
    res.status(204).end();
  });

  router.post('/webhooks/release', (_req, res) => {
    res.json({ released: ctx.webhooks.release() });
  });
  router.get('/webhooks', (_req, res) => {
    res.json({ deliveries: ctx.webhooks.deliveries() });
  });

  router.put('/wallet', (req, res) => {
    const { banks } = parseBody(walletSchema, req.body);
    const unknown = banks.filter((b) => !ctx.state.banks.some((known) => known.ispb === b.ispb));
    if (unknown.length > 0) {
      throw new ProblemError(
        400,
        'INVALID_REQUEST',
        'Unknown partner bank',
        unknown.map((b) => ({ field: 'banks.ispb', message: `${b.ispb} is not a partner bank` })),
      );
    }
    for (const { ispb: bankIspb, transactional, proprietary } of banks) {
      const bank = ctx.wallet.bank(bankIspb);
      bank.transactional.cents = reaisToCents(transactional);
      bank.proprietary.cents = reaisToCents(proprietary);
    }
    ctx.state.persist({ banks: true });
    res.json(ctx.wallet.view(Date.now()));
  });

  router.get('/transactions', (_req, res) => {
    res.json({
      cashIns: allCashIns(ctx).map(cashInView),
      cashOuts: ctx.state.cashOuts.all().map(cashOutView),
    });
  });
  router.get('/requests', (_req, res) => {
    res.json({ requests: ctx.requestLog.list() });
  });

  router.post('/reset', (_req, res) => {
    ctx.timers.clearAll();
    ctx.webhooks.reset();
    ctx.faults.clear();
    ctx.idempotency.reset();
    ctx.requestLog.clear();
    ctx.state.reset();
    res.status(204).end();
  });
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  /** Where an OpenFinance paymentUrl leads: the payer "authorises" at once and returns to the merchant. */
  router.get('/open-finance/:ref', (req, res) => {
    const record = findCashIn(ctx, ref(req.params));
    if (record.status === 'AWAITING_PAYMENT') payCashIn(ctx, record, {});
    res.redirect(302, record.openFinanceRedirectUrl ?? '/');
  });
  return router;
}
