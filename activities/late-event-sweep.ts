/**
 * The late-event sweep's activity: one page of payments whose lifecycles closed SETTLED, each
 * checked with the PSP (GET, paced), and every one the PSP now shows REFUNDED (a MED reversal, a
 * platform refund, a returned cash-out) whose webhook never arrived is handed to its late-event
 * run, which confirms it with its own GET before any money moves. Temporal access comes injected
 * (runtime/late-event-door.ts), so this module holds no client.
 */
import { Context } from '@temporalio/activity';
import type { PspEventEnvelope } from '../workflows/messages';
import type { ConnectPspApi } from './connectpsp';

export type PaymentKind = 'CASH_IN' | 'CASH_OUT';

/** Lifecycles that completed SETTLED within [from, to) (ISO-8601). */
export interface SweepWindow {
  from: string;
  to: string;
}

export interface SettledPayment {
  kind: PaymentKind;
  reference: string;
  /** The PSP's id (search attribute PspTransactionId); null when the lifecycle never learnt one. */
  transactionId: string | null;
}

export interface LateEventDoor {
  settledPage(
    window: SweepWindow,
    pageToken: string | null,
    pageSize: number,
  ): Promise<{ payments: SettledPayment[]; nextPageToken: string | null }>;
  /** Whether the payment's newest late-event run already shows it REFUNDED. */
  alreadyRefunded(kind: PaymentKind, reference: string): Promise<boolean>;
  /** Signal-with-start of the payment's late-event run. */
  wake(kind: PaymentKind, reference: string, envelope: PspEventEnvelope): Promise<void>;
}

export interface SweepPageInput {
  window: SweepWindow;
  pageToken: string | null;
  pageSize: number;
  requestsPerSecond: number;
}

export interface SweepPageResult {
  checked: number;
  /** Payments handed to their late-event run. */
  woken: number;
  /** GETs the PSP did not answer: asked again by the next sweep. */
  unanswered: number;
  nextPageToken: string | null;
}

export function createLateEventSweepActivities(deps: { psp: ConnectPspApi; lateEvents: LateEventDoor }) {
  return {
    async sweepSettledPage(input: SweepPageInput): Promise<SweepPageResult> {
      const page = await deps.lateEvents.settledPage(input.window, input.pageToken, input.pageSize);
      const pace = pacer(input.requestsPerSecond);
      const result: SweepPageResult = {
        checked: 0,
        woken: 0,
        unanswered: 0,
        nextPageToken: page.nextPageToken,
      };
      for (const payment of page.payments) {
        Context.current().heartbeat(result.checked);
        if (!payment.transactionId) continue;
        await pace();
        const status = await pspStatus(deps.psp, payment.kind, payment.transactionId).catch(() => null);
        result.checked += 1;
        if (status === null) {
          result.unanswered += 1;
          continue;
        }
        if (
          status !== 'REFUNDED' ||
          (await deps.lateEvents.alreadyRefunded(payment.kind, payment.reference))
        ) {
          continue;
        }
        await deps.lateEvents.wake(payment.kind, payment.reference, wakeUp(payment, payment.transactionId));
        result.woken += 1;
      }
      return result;
    },
  };
}

export type LateEventSweepActivities = ReturnType<typeof createLateEventSweepActivities>;

async function pspStatus(psp: ConnectPspApi, kind: PaymentKind, id: string): Promise<string> {
  const record = kind === 'CASH_IN' ? await psp.getCashIn(id) : await psp.getCashOut(id);
  return record.status;
}

/** What the late-event run is woken with: a claim like a webhook's, confirmed by its own GET. */
function wakeUp(payment: SettledPayment, transactionId: string): PspEventEnvelope {
  return {
    eventType: payment.kind === 'CASH_IN' ? 'CASHIN_REFUNDED' : 'CASHOUT_REFUNDED',
    eventAt: new Date().toISOString(),
    data: { transactionId, externalReference: payment.reference, status: 'REFUNDED' },
  } as PspEventEnvelope;
}

/** At most `perSecond` calls a second: each call waits for its slot. */
function pacer(perSecond: number): () => Promise<void> {
  const gapMs = 1000 / perSecond;
  let nextAt = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, nextAt);
    nextAt = at + gapMs;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  };
}
