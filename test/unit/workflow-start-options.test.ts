import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/search-attributes';
import { maskName, paymentStartOptions } from '../../workflows/start-options';
import { cashInWorkflowId, cashOutWorkflowId, workflowIdForPspEvent } from '../../workflows/workflow-ids';

describe('payment start options', () => {
  it('keys the workflow on the business reference and never starts a second lifecycle', () => {
    const options = paymentStartOptions({
      kind: 'CASH_OUT',
      reference: 'order-42',
      userId: 'u-7',
      amountCents: 1_234_56,
      counterpartyName: 'Bruno de Souza Lima',
      taskQueue: 'payments',
    });
    expect(options).toMatchObject({
      workflowId: 'cash-out:order-42',
      taskQueue: 'payments',
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: 'Cash-out R$ 1.234,56 · Bruno L***',
    });
    expect(options.typedSearchAttributes).toEqual([
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentKind, value: 'CASH_OUT' },
      { key: SEARCH_ATTRIBUTE_KEYS.PaymentReference, value: 'order-42' },
      { key: SEARCH_ATTRIBUTE_KEYS.UserId, value: 'u-7' },
      { key: SEARCH_ATTRIBUTE_KEYS.AmountCents, value: 1_234_56 },
    ]);
    expect(JSON.stringify(options)).not.toContain('Souza');
  });

  it('masks names down to the first name and the last initial', () => {
    expect(maskName('  ana   maria souza ')).toBe('ana S***');
    expect(maskName('Ana')).toBe('Ana');
    expect(maskName('   ')).toBe('***');
  });

  it('routes PSP events to the lifecycle of their reference', () => {
    const data = { transactionId: 't', externalReference: 'ref-9' };
    expect(workflowIdForPspEvent({ eventType: 'CASHIN_PAID', data })).toBe(cashInWorkflowId('ref-9'));
    expect(workflowIdForPspEvent({ eventType: 'CASHOUT_REFUNDED', data })).toBe(cashOutWorkflowId('ref-9'));
    expect(workflowIdForPspEvent({ eventType: 'SOMETHING_NEW', data })).toBeNull();
    expect(workflowIdForPspEvent({ eventType: 'CASHIN_PAID', data: { transactionId: 't' } })).toBeNull();
  });
});
