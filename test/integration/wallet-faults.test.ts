/**
 * Money safety when the platform's wallet service misbehaves: each fault the reference service can
 * play hits one lifecycle step once, and the lifecycle still ends with every wallet movement
 * applied exactly once (nothing lost, nothing doubled) and the wallet agreeing with the PSP.
 */
import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WALLET_PATHS } from '../../domain/platform-wallet/wire';
import { executeRebalance } from '../../runtime/rebalance-door';
import { type CashInStatus, type CashOutStatus, resolveReviewUpdate } from '../../workflows/messages';
import { useLifecycleEnv } from '../helpers/lifecycle-env';
import { TEST_WALLET_TIMEOUT_MS } from '../helpers/test-wallet';

describe('lifecycles against a misbehaving platform wallet (reference service faults)', () => {
  const env = useLifecycleEnv({ walletBackend: 'http' });
  beforeAll(async () => {
    await env.setPspWallet({ transactional: 100_000, proprietary: 100_000 });
  });
  afterEach(async () => {
    await env.wallet.faults().clear();
  });

  const payments = async (userId: string) =>
    (await env.wallet.transferIds(userId)).filter((id) => !id.startsWith('fund-'));
  const firedOn = async () => (await env.wallet.faults().fired()).map((f) => `${f.kind} ${f.firedOn}`);

  it('credits a cash-in once when the wallet commits the credit but the answer never comes (timeout)', async () => {
    await env.wallet.faults().add({
      kind: 'commitThenTimeout',
      path: WALLET_PATHS.credits,
      delayMs: TEST_WALLET_TIMEOUT_MS + 3_000,
    });
    const input = env.cashInInput({ amountCents: 33_00 });
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED', 30_000);
    expect(settled.ledger.credited).toBe(true);
    expect(await firedOn()).toContain(`commitThenTimeout POST ${WALLET_PATHS.credits}`);
    expect(await payments(input.userId)).toEqual([`cash-in:${input.reference}:credit`]);
    expect((await env.wallet.balance(input.userId)).postedCents).toBe(33_00);
  });

  it('a paid cash-in whose credit the wallet refuses (unknown user) waits in NEEDS_REVIEW until the operator fixed the wallet', async () => {
    await env.wallet.faults().add({ kind: 'unknownUser', path: WALLET_PATHS.credits });
    const input = env.cashInInput({ amountCents: 12_00 });
    const { handle, charge } = await env.startCashIn(input);
    await env.psp.control('POST', `/cash-in/${charge.transactionId}/pay`);
    const review = await env.waitForState<CashInStatus>(handle, 'NEEDS_REVIEW', 30_000);
    expect(review.review).toMatchObject({
      step: 'WALLET',
      reason: 'the wallet refused to credit the payment: WALLET_UNKNOWN_USER',
    });
    expect(await payments(input.userId)).toEqual([]);

    // NOT_SENT cannot apply: the PSP has the money; SENT applies the credit again, now that the wallet knows the user.
    const refused = await handle
      .executeUpdate(resolveReviewUpdate, {
        args: [{ decision: 'NOT_SENT', reason: 'skip it', resolvedBy: 'ops@example.com' }],
      })
      .catch((err: unknown) => err);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('fix the wallet');
    await handle.executeUpdate(resolveReviewUpdate, {
      args: [
        { decision: 'SENT', reason: 'user created in the platform wallet', resolvedBy: 'ops@example.com' },
      ],
    });
    const settled = await env.waitForState<CashInStatus>(handle, 'SETTLED');
    expect(settled.review?.resolution).toMatchObject({ decision: 'SENT', resolvedBy: 'ops@example.com' });
    expect(await payments(input.userId)).toEqual([`cash-in:${input.reference}:credit`]);
  });

  it('holds once when the wallet answers 500 first, and once when the hold’s answer cannot be read', async () => {
    for (const kind of ['error500', 'commitThenGarble'] as const) {
      await env.wallet.faults().add({ kind, path: WALLET_PATHS.holds });
      const input = env.cashOutInput({ amountCents: 20_00 });
      await env.fundUser(input.userId, 20_00);
      const handle = await env.startCashOut(input);
      // Never USER_INSUFFICIENT_FUNDS: a garbled answer is not a refusal, and the retry finds the hold in place.
      const processing = await env.waitForState<CashOutStatus>(handle, 'PROCESSING', 30_000);
      expect(processing.ledger.held).toBe(true);
      await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
      await env.waitForState<CashOutStatus>(handle, 'SETTLED');
      expect(await payments(input.userId)).toEqual([
        `cash-out:${input.reference}:hold`,
        `cash-out:${input.reference}:post`,
      ]);
      expect(await env.wallet.balance(input.userId)).toMatchObject({ postedCents: 0, pendingDebitCents: 0 });
    }
    expect(await firedOn()).toEqual([
      `error500 POST ${WALLET_PATHS.holds}`,
      `commitThenGarble POST ${WALLET_PATHS.holds}`,
    ]);
  });

  it('voids a hold once when the void is delivered twice, and posts once through a 429', async () => {
    await env.wallet.faults().add({ kind: 'duplicate', path: '/v1/holds/', method: 'POST' });
    const failed = env.cashOutInput({ amountCents: 15_00 });
    await env.fundUser(failed.userId, 15_00);
    const failedHandle = await env.startCashOut(failed);
    // The duplicate fault waits for the first POST under /v1/holds/: the void.
    const sent = await env.waitForState<CashOutStatus>(failedHandle, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${sent.psp.transactionId}/fail`, { code: 'PIX_KEY_NOT_FOUND' });
    await env.waitForState<CashOutStatus>(failedHandle, 'REFUNDED');
    expect(await payments(failed.userId)).toEqual([
      `cash-out:${failed.reference}:hold`,
      `cash-out:${failed.reference}:void`,
    ]);
    expect(await env.wallet.balance(failed.userId)).toMatchObject({
      postedCents: 15_00,
      pendingDebitCents: 0,
    });

    await env.wallet.faults().add({ kind: 'rate429', path: '/v1/holds/', retryAfterSeconds: 1 });
    const settled = env.cashOutInput({ amountCents: 5_00 });
    await env.fundUser(settled.userId, 5_00);
    const settledHandle = await env.startCashOut(settled);
    const processing = await env.waitForState<CashOutStatus>(settledHandle, 'PROCESSING');
    await env.psp.control('POST', `/cash-out/${processing.psp.transactionId}/complete`);
    await env.waitForState<CashOutStatus>(settledHandle, 'SETTLED', 30_000);
    expect(await payments(settled.userId)).toEqual([
      `cash-out:${settled.reference}:hold`,
      `cash-out:${settled.reference}:post`,
    ]);
    expect(await firedOn()).toEqual([
      `duplicate POST /v1/holds/${encodeURIComponent(`cash-out:${failed.reference}:hold`)}/void`,
      `rate429 POST /v1/holds/${encodeURIComponent(`cash-out:${settled.reference}:hold`)}/post`,
    ]);
  });

  it('rebalances to the exposure the wallet reports, through a 500 on the exposure read', async () => {
    await env.fundUser(env.unique('user'), 70_00);
    await env.wallet.faults().add({ kind: 'error500', path: WALLET_PATHS.exposure });
    const run = await executeRebalance(env.client, {
      taskQueue: env.taskQueue,
      trigger: { source: 'MANUAL', thresholdCents: 0, requestedBy: 'test' },
    });
    expect(await firedOn()).toEqual([`error500 GET ${WALLET_PATHS.exposure}`]);
    expect(run).toMatchObject({
      outcome: 'REBALANCED',
      exposureCents: await env.wallet.port.exposureCents(),
    });
  });
});
