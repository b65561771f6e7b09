import { type BANK_ACCOUNT_TYPES, bankAccountSchema } from './connectpsp/cash-out';
import { formatBrl, MAX_AMOUNT_CENTS } from './money';
import { parseDocument } from './pix/document';
import { inferPixKeyType, normalisePixKey, PIX_KEY_TYPES, type PixKeyType } from './pix/pix-key';

export interface ValidationProblem {
  field: string;
  rule: string;
}

/** Every problem of one input, so a caller can report them all at once. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[]) {
    super(`invalid input: ${problems.map((p) => `${p.field}: ${p.rule}`).join('; ')}`);
    this.problems = problems;
  }
}

/** A validation's verdict as data: the normalised input, or INVALID_INPUT with every field and rule. */
export type Validated<T> =
  | { valid: T }
  | { invalid: { code: 'INVALID_INPUT'; message: string; problems: ValidationProblem[] } };

/** Runs a validation and returns its verdict; anything but a ValidationError is a bug and is rethrown. */
export function validationVerdict<T>(validate: () => T): Validated<T> {
  try {
    return { valid: validate() };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { invalid: { code: 'INVALID_INPUT', message: err.message, problems: [...err.problems] } };
  }
}

/** References and user ids become part of Temporal workflow ids, hence the restricted alphabet. */
export const ID_CHARACTERS = /^[A-Za-z0-9._:-]+$/;
export const MAX_REFERENCE_LENGTH = 100;
export const MAX_USER_ID_LENGTH = 64;
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 140;
/**
 * 30 days. A waiting cash-in's history grows with every reconciliation; with the back-off of
 * workflows/lifecycle.ts a 30-day wait stays far below Temporal's history limit.
 */
export const MAX_EXPIRY_MINUTES = 43_200;

export interface CashInInput {
  reference: string;
  userId: string;
  amountCents: number;
  payer: { name: string; document: string };
  expiresInMinutes?: number;
  /** The OpenFinance flow: where the payer returns after paying in their bank; the charge then carries `paymentUrl`. */
  openFinanceRedirectUrl?: string;
}

export interface BankAccountInput {
  ispb: string;
  branch: string;
  account: string;
  accountType: (typeof BANK_ACCOUNT_TYPES)[number];
}

export interface CashOutInput {
  reference: string;
  userId: string;
  amountCents: number;
  payee: {
    name: string;
    document: string;
    pixKey?: string;
    pixKeyType?: PixKeyType;
    bankAccount?: BankAccountInput;
  };
  description?: string;
}

/** A validated cash-out: exactly one destination, the PIX key canonical with its type. */
export type ValidCashOutInput = Omit<CashOutInput, 'payee'> & {
  payee: { name: string; document: string } & (
    | { pixKey: string; pixKeyType: PixKeyType; bankAccount?: undefined }
    | { bankAccount: BankAccountInput; pixKey?: undefined; pixKeyType?: undefined }
  );
};

/**
 * Checks a cash-in request before anything is sent; returns a normalised copy or throws
 * ValidationError. `maxExpiryMinutes` exists for lifecycles started when the cap was higher.
 */
export function validateCashInInput(
  input: CashInInput,
  { maxExpiryMinutes = MAX_EXPIRY_MINUTES }: { maxExpiryMinutes?: number } = {},
): CashInInput {
  const problems: ValidationProblem[] = [];
  const check = checker(problems);
  checkIdentity(input, check);
  const name = checkName('payer.name', input.payer?.name, check);
  const document = checkDocument('payer.document', input.payer?.document, check);
  if (input.expiresInMinutes !== undefined) {
    const minutes = input.expiresInMinutes;
    check('expiresInMinutes', Number.isInteger(minutes), 'must be an integer number of minutes') &&
      check(
        'expiresInMinutes',
        minutes >= 1 && minutes <= maxExpiryMinutes,
        `must be 1..${maxExpiryMinutes}`,
      );
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { ...input, payer: { name, document } };
}

export const MAX_REDIRECT_URL_LENGTH = 2048;
const REDIRECT_URL_RULE =
  'must be an absolute http:// or https:// URL, e.g. https://shop.example.com/pix/return';

/**
 * A cash-in request as callers send it (library, CLI): the checks of validateCashInInput plus the
 * OpenFinance redirect URL. The URL is checked here, not in validateCashInInput, which running
 * cash-in workflows call too: a new rule there would change how their histories replay.
 */
export function validateCashInRequest(input: CashInInput): CashInInput {
  const problems: ValidationProblem[] = [];
  let valid: CashInInput | undefined;
  try {
    valid = validateCashInInput(input);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    problems.push(...err.problems);
  }
  if (input.openFinanceRedirectUrl !== undefined) {
    const rule = redirectUrlProblem(input.openFinanceRedirectUrl);
    if (rule) problems.push({ field: 'openFinanceRedirectUrl', rule });
  }
  if (problems.length > 0 || !valid) throw new ValidationError(problems);
  return valid;
}

/** What is wrong with a redirect URL the payer's browser will be sent to (never javascript: or data:). */
function redirectUrlProblem(text: string): string | undefined {
  if (text.length > MAX_REDIRECT_URL_LENGTH) return `must be at most ${MAX_REDIRECT_URL_LENGTH} characters`;
  if (!URL.canParse(text) || /\s/.test(text)) return REDIRECT_URL_RULE;
  const { protocol, hostname } = new URL(text);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '' ? undefined : REDIRECT_URL_RULE;
}

/** Checks a cash-out request before anything is sent; returns a normalised copy or throws ValidationError. */
export function validateCashOutInput(input: CashOutInput): ValidCashOutInput {
  const problems: ValidationProblem[] = [];
  const check = checker(problems);
  checkIdentity(input, check);
  const payee = input.payee ?? ({} as Partial<CashOutInput['payee']>);
  const name = checkName('payee.name', payee.name, check);
  const document = checkDocument('payee.document', payee.document, check);
  if (input.description !== undefined) {
    check(
      'description',
      typeof input.description === 'string' && input.description.length <= MAX_DESCRIPTION_LENGTH,
      `must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  const hasPixKey = payee.pixKey !== undefined;
  const hasBankAccount = payee.bankAccount !== undefined;
  check('payee', hasPixKey !== hasBankAccount, 'must have exactly one of pixKey or bankAccount');
  check('payee.pixKeyType', hasPixKey || payee.pixKeyType === undefined, 'only allowed with pixKey');

  let destination: { pixKey: string; pixKeyType: PixKeyType } | { bankAccount: BankAccountInput } | undefined;
  if (hasPixKey) destination = checkPixKey(payee.pixKey, payee.pixKeyType, check);
  if (hasBankAccount) destination = checkBankAccount(payee.bankAccount, check);

  if (problems.length > 0 || destination === undefined) throw new ValidationError(problems);
  return { ...input, payee: { name, document, ...destination } };
}

/**
 * The fields in which a request made again for the same reference differs from the first one,
 * compared in normalised form (a CPF with or without punctuation is the same CPF). Empty: it is
 * the same request. Throws ValidationError when `again` is not a valid request at all.
 */
export function cashOutRequestDifferences(first: CashOutInput, again: CashOutInput): string[] {
  const pick = (input: ValidCashOutInput) => ({
    userId: input.userId,
    amountCents: input.amountCents,
    payee: input.payee,
    description: input.description,
  });
  return differingFields(pick(validateCashOutInput(first)), pick(validateCashOutInput(again)));
}

/** The same for cash-in: user, amount and payer. */
export function cashInRequestDifferences(first: CashInInput, again: CashInInput): string[] {
  const pick = (input: CashInInput) => ({
    userId: input.userId,
    amountCents: input.amountCents,
    payer: input.payer,
  });
  const normalise = (input: CashInInput) => validateCashInInput({ ...input, expiresInMinutes: undefined });
  return differingFields(pick(normalise(first)), pick(normalise(again)));
}

function differingFields(a: object, b: object): string[] {
  const flat = (value: unknown, prefix: string, into: Map<string, string>) => {
    if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) flat(inner, prefix ? `${prefix}.${key}` : key, into);
    } else if (value !== undefined) {
      into.set(prefix, JSON.stringify(value));
    }
    return into;
  };
  const left = flat(a, '', new Map());
  const right = flat(b, '', new Map());
  const fields = new Set([...left.keys(), ...right.keys()]);
  return [...fields].filter((field) => left.get(field) !== right.get(field)).sort();
}

type Check = (field: string, ok: boolean, rule: string) => boolean;

function checker(problems: ValidationProblem[]): Check {
  return (field, ok, rule) => {
    if (!ok) problems.push({ field, rule });
    return ok;
  };
}

function checkIdentity(
  input: { reference: string; userId: string; amountCents: number },
  check: Check,
): void {
  checkId('reference', input.reference, MAX_REFERENCE_LENGTH, check);
  checkId('userId', input.userId, MAX_USER_ID_LENGTH, check);
  const cents = input.amountCents;
  check('amountCents', Number.isSafeInteger(cents), 'must be an integer number of centavos') &&
    check('amountCents', cents > 0, 'must be greater than zero') &&
    check('amountCents', cents <= MAX_AMOUNT_CENTS, `must be at most ${formatBrl(MAX_AMOUNT_CENTS)}`);
}

function checkId(field: string, value: unknown, maxLength: number, check: Check): void {
  check(field, typeof value === 'string' && value.length >= 1, 'must not be empty') &&
    check(field, (value as string).length <= maxLength, `must be at most ${maxLength} characters`) &&
    check(field, ID_CHARACTERS.test(value as string), 'must contain only letters, digits and . _ : -');
}

function checkName(field: string, value: unknown, check: Check): string {
  const name = typeof value === 'string' ? value.trim() : '';
  check(field, name.length >= 1, 'must not be blank') &&
    check(field, name.length <= MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`);
  return name;
}

function checkDocument(field: string, value: unknown, check: Check): string {
  if (!check(field, typeof value === 'string', 'must be a CPF or CNPJ')) return '';
  const parsed = parseDocument(value as string);
  if (parsed.ok) return parsed.value;
  check(field, false, parsed.rule);
  return '';
}

function checkPixKey(
  raw: unknown,
  type: unknown,
  check: Check,
): { pixKey: string; pixKeyType: PixKeyType } | undefined {
  if (!check('payee.pixKey', typeof raw === 'string', 'must be a string')) return undefined;
  if (type !== undefined && !PIX_KEY_TYPES.includes(type as PixKeyType)) {
    check('payee.pixKeyType', false, `must be one of ${PIX_KEY_TYPES.join(', ')}`);
    return undefined;
  }
  const result =
    type === undefined ? inferPixKeyType(raw as string) : normalisePixKey(type as PixKeyType, raw as string);
  if (!result.ok) {
    check('payee.pixKey', false, result.rule);
    return undefined;
  }
  return { pixKey: result.key, pixKeyType: result.type };
}

function checkBankAccount(raw: unknown, check: Check): { bankAccount: BankAccountInput } | undefined {
  const parsed = bankAccountSchema.safeParse(raw);
  if (parsed.success) return { bankAccount: parsed.data };
  for (const issue of parsed.error.issues) {
    check(['payee', 'bankAccount', ...issue.path.map(String)].join('.'), false, issue.message);
  }
  return undefined;
}
