import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes of every payment workflow, name → type. The one list: workflows
 * set them, the local stack and docker-compose register them (a test compares compose with it).
 */
export const SEARCH_ATTRIBUTES = {
  PaymentKind: 'KEYWORD',
  PaymentStatus: 'KEYWORD',
  PaymentReference: 'KEYWORD',
  PspTransactionId: 'KEYWORD',
  UserId: 'KEYWORD',
  AmountCents: 'INT',
} as const satisfies Record<string, SearchAttributeType>;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** Typed keys for `upsertSearchAttributes` / `typedSearchAttributes`, e.g. `SEARCH_ATTRIBUTE_KEYS.PaymentStatus`. */
export const SEARCH_ATTRIBUTE_KEYS = Object.fromEntries(
  Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, defineSearchAttributeKey(name, type)]),
) as {
  readonly [N in SearchAttributeName]: ReturnType<
    typeof defineSearchAttributeKey<(typeof SEARCH_ATTRIBUTES)[N]>
  >;
};

/** How the temporal CLI spells each type (`--search-attribute Name=Keyword`, `--type Int`). */
export const CLI_SEARCH_ATTRIBUTE_TYPES = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
} as const satisfies Record<SearchAttributeType, string>;
