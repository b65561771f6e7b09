/**
 * Input validation as local activities: the workflow records the verdict in its history (a
 * local-activity marker), so a rule tightened after a lifecycle started never changes, on replay,
 * what that lifecycle decided. The rules themselves are domain/validation.ts.
 */
import {
  type CashInInput,
  type CashOutInput,
  type Validated,
  type ValidCashOutInput,
  validateCashInInput,
  validateCashOutInput,
  validationVerdict,
} from '../domain/validation';

export function createValidationActivities() {
  return {
    async validateCashInRequest(input: CashInInput): Promise<Validated<CashInInput>> {
      return validationVerdict(() => validateCashInInput(input));
    },
    async validateCashOutRequest(input: CashOutInput): Promise<Validated<ValidCashOutInput>> {
      return validationVerdict(() => validateCashOutInput(input));
    },
  };
}

export type ValidationActivities = ReturnType<typeof createValidationActivities>;
