import type { CreateCashInRequest } from '../domain/connectpsp/cash-in';
import type { CreateCashOutRequest } from '../domain/connectpsp/cash-out';
import { formatBrl, MAX_AMOUNT_CENTS } from '../domain/money';
import { parseDocument } from '../domain/pix/document';
import { normalisePixKey } from '../domain/pix/pix-key';
import { type FieldError, ProblemError } from './problem';

/**
 * What a PSP checks beyond the wire shapes (which the client shares to read answers, and so keeps
 * lenient): real documents (check digits), PIX keys in the canonical form of their type, amounts
 * within the maximum. A failure is 400 INVALID_REQUEST naming each field; nothing is created.
 */
export function checkCashInRules(request: CreateCashInRequest): CreateCashInRequest {
  return orThrow(request, [
    ...amountErrors(request.amount),
    ...documentErrors('payer.document', request.payer.document),
  ]);
}

export function checkCashOutRules(request: CreateCashOutRequest): CreateCashOutRequest {
  const errors = [
    ...amountErrors(request.amount),
    ...documentErrors('payee.document', request.payee.document),
  ];
  const destination = request.payee.destination;
  if (destination.type === 'PIX') {
    const key = normalisePixKey(destination.pixKeyType, destination.pixKey);
    if (!key.ok) errors.push({ field: 'payee.destination.pixKey', message: key.rule });
    else if (key.key !== destination.pixKey) {
      errors.push({
        field: 'payee.destination.pixKey',
        message: `must be in canonical ${destination.pixKeyType} form`,
      });
    }
  }
  return orThrow(request, errors);
}

function amountErrors(reais: number): FieldError[] {
  return reais * 100 > MAX_AMOUNT_CENTS
    ? [{ field: 'amount', message: `must be at most ${formatBrl(MAX_AMOUNT_CENTS)}` }]
    : [];
}

function documentErrors(field: string, document: string): FieldError[] {
  const parsed = parseDocument(document);
  return parsed.ok ? [] : [{ field, message: parsed.rule }];
}

function orThrow<T>(request: T, errors: FieldError[]): T {
  if (errors.length > 0)
    throw new ProblemError(400, 'INVALID_REQUEST', 'The request body is invalid', errors);
  return request;
}
