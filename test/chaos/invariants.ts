/**
 * What must hold after every chaos scenario, whatever the PSP did to it: money where the PSP's
 * record says it is, never two PSP transactions for one payment, the lifecycle's word matching the
 * PSP's, and an operator only ever asked when an answer really was ambiguous.
 */
import type { ScenarioResult } from './run-scenario';
import { hasAmbiguousAttempt } from './scenario';

export function violations(result: ScenarioResult, batch: { workerRestarted: boolean }): string[] {
  const found = [...result.problems];
  const { scenario, final, psp, wallet } = result;
  const expect = (holds: boolean, what: string) => {
    if (!holds) found.push(what);
  };

  // A worker stopped mid-batch can leave a PSP call it had taken without an answer: the call times
  // out, which is as ambiguous to the lifecycle as a dropped answer.
  const timedOutByRestart =
    batch.workerRestarted && final.timeline.some((entry) => entry.note?.includes('TimeoutFailure'));
  const ambiguous = hasAmbiguousAttempt(scenario) || timedOutByRestart;
  const reviewed = final.timeline.some((entry) => entry.state === 'NEEDS_REVIEW');
  expect(!reviewed || ambiguous, 'went to NEEDS_REVIEW though every PSP answer was clear');
  expect(
    result.operatorDecisions.length === 0 || ambiguous,
    'needed an operator though every PSP answer was clear',
  );
  expect(wallet.pendingDebitCents === 0, `${wallet.pendingDebitCents} cents still held`);

  if (scenario.kind === 'cash-out') {
    expect(psp.cashOuts.length <= 1, `${psp.cashOuts.length} PSP cash-outs for one payment`);
    const pspStatus = psp.cashOuts[0]?.status ?? 'NONE';
    const debited = result.fundedCents - wallet.postedCents;
    if (final.state === 'SETTLED') {
      expect(pspStatus === 'COMPLETED', `SETTLED while the PSP says ${pspStatus}`);
      expect(debited === scenario.amountCents, `SETTLED but the wallet was debited ${debited} cents`);
    } else if (final.state === 'REFUNDED' || final.state === 'FAILED') {
      // REFUNDED: the PSP failed the PIX; FAILED: it never had it. Either way the hold is given back.
      const allowed = final.state === 'REFUNDED' ? ['FAILED'] : ['NONE', 'FAILED'];
      expect(allowed.includes(pspStatus), `${final.state} while the PSP says ${pspStatus}`);
      expect(debited === 0, `${final.state} but the wallet was debited ${debited} cents`);
    } else {
      found.push(`ended ${final.state}`);
    }
    if (pspStatus !== 'NONE') {
      const expected = scenario.outcome === 'complete' ? 'COMPLETED' : 'FAILED';
      expect(pspStatus === expected, `the PSP says ${pspStatus}, the scenario had it ${expected}`);
    }
    return found;
  }

  expect(psp.cashIns.length <= 1, `${psp.cashIns.length} PSP charges for one payment`);
  const pspStatus = psp.cashIns[0]?.status ?? 'NONE';
  const credited = wallet.postedCents;
  const expectState = (state: string, pspState: string, creditedCents: number) => {
    expect(final.state === state, `ended ${final.state}, expected ${state}`);
    expect(pspStatus === pspState, `${final.state} while the PSP says ${pspStatus}`);
    expect(credited === creditedCents, `${final.state} with ${credited} cents credited`);
  };
  if (!result.qrHandedOut) {
    // No QR left the platform: nobody could pay, and the lifecycle said so.
    expectState('FAILED', pspStatus === 'AWAITING_PAYMENT' ? 'AWAITING_PAYMENT' : 'NONE', 0);
  } else if (scenario.kind === 'cash-in') {
    if (scenario.outcome === 'pay') expectState('SETTLED', 'PAID', scenario.amountCents);
    else expectState('EXPIRED', 'EXPIRED', 0);
  } else if (result.refundAnswer === 'accepted') {
    expectState('REFUNDED', 'REFUNDED', 0);
  } else {
    expectState('SETTLED', 'PAID', scenario.amountCents);
    expect(result.refundAnswer === 'refused', `the refund request was never answered`);
    expect(
      // A refusal, attempts that all provably did nothing until the retry window closed, or an operator.
      scenario.refund.includes('refuse') ||
        scenario.refund.includes('rate429') ||
        result.operatorDecisions.some((d) => d.decision === 'NOT_SENT'),
      'the refund was refused though the PSP never refused it',
    );
  }
  return found;
}
