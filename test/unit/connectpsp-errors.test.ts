import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../activities/connectpsp';
import { ConnectPspError, isRetryableFailure, parseRetryAfter } from '../../connectpsp/errors';

describe('isRetryableFailure', () => {
  it.each([
    [undefined, 'NETWORK_ERROR', true],
    [undefined, 'CONNECT_FAILED', true],
    [undefined, 'TIMEOUT', true],
    [undefined, 'INVALID_REQUEST', false],
    [500, 'INTERNAL_ERROR', true],
    [502, 'INTERNAL_ERROR', true],
    [503, 'SERVICE_UNAVAILABLE', true],
    [429, 'RATE_LIMITED', true],
    [408, 'REQUEST_TIMEOUT', true],
    [401, 'TOKEN_EXPIRED', true],
    [409, 'IDEMPOTENCY_KEY_IN_USE', true],
    [400, 'INVALID_REQUEST', false],
    [401, 'INVALID_CREDENTIALS', false],
    [401, 'INVALID_APPLICATION_TOKEN', false],
    [404, 'NOT_FOUND', false],
    [409, 'DUPLICATE_EXTERNAL_REFERENCE', false],
    [422, 'INSUFFICIENT_FUNDS', false],
    [422, 'INVALID_SIGNATURE', false],
    [422, 'CASH_IN_NOT_PAID', false],
    [422, 'IDEMPOTENCY_KEY_REUSED', false],
    [200, 'CONTRACT_VIOLATION', false],
  ] as const)('status %s code %s → retryable %s', (status, code, expected) => {
    expect(isRetryableFailure(status, code)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Tue, 10 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
  });

  it('clamps a date in the past to zero', () => {
    expect(parseRetryAfter('Tue, 10 Mar 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unparseable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('toActivityFailure', () => {
  it('makes business errors non-retryable failures typed with the PSP code', () => {
    const failure = toActivityFailure(
      new ConnectPspError(
        'ConnectPSP POST /cash-out → 422 INSUFFICIENT_FUNDS: requested 10.00, available 5.00',
        {
          status: 422,
          code: 'INSUFFICIENT_FUNDS',
          detail: 'requested 10.00, available 5.00',
          retryable: false,
        },
      ),
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const app = failure as ApplicationFailure;
    expect(app.type).toBe('INSUFFICIENT_FUNDS');
    expect(app.nonRetryable).toBe(true);
    expect(app.nextRetryDelay).toBeUndefined();
    expect(app.details).toEqual([
      {
        status: 422,
        code: 'INSUFFICIENT_FUNDS',
        detail: 'requested 10.00, available 5.00',
        fieldProblems: [],
      },
    ]);
  });

  it('keeps retryable errors retryable with Retry-After as nextRetryDelay', () => {
    const app = toActivityFailure(
      new ConnectPspError('ConnectPSP GET /account/balance → 429 RATE_LIMITED', {
        status: 429,
        code: 'RATE_LIMITED',
        retryable: true,
        retryAfterMs: 2000,
      }),
    ) as ApplicationFailure;
    expect(app.type).toBe('RATE_LIMITED');
    expect(app.nonRetryable).toBe(false);
    expect(app.nextRetryDelay).toBe(2000);
  });

  it('leaves a network error to the retry policy when there is no Retry-After', () => {
    const app = toActivityFailure(
      new ConnectPspError('ConnectPSP GET /account/balance: network error', {
        code: 'NETWORK_ERROR',
        retryable: true,
      }),
    ) as ApplicationFailure;
    expect(app.nonRetryable).toBe(false);
    expect(app.nextRetryDelay).toBeUndefined();
  });

  it('passes other errors (e.g. cancellation) through unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(toActivityFailure(abort)).toBe(abort);
  });
});
