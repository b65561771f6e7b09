/**
 * The secret and PII scan: looks for secrets (client secret, tokens, the CryptoToken, JWTs, keys)
 * and personal data (names, documents, PIX keys) in clear wherever the system writes: log files,
 * every event of every workflow history (raw, and decoded with the codec), search attributes and
 * memos, and command outputs. Reusable after any run (the demo, a lifecycle suite, a chaos run):
 *
 *   const sources = [
 *     ...logFileSources(['.data/logs/worker.log', ...]),
 *     ...(await temporalSources(client, `TaskQueue = '${taskQueue}'`, codec)),
 *     ...outputSources({ 'pix list': stdout }),
 *   ];
 *   expect(formatHits(scanForLeaks(sources, [...secretNeedles({...}), ...personNeedles([...])]))).toEqual([]);
 *
 * Each source says which kinds it must never contain: decoded payloads hold personal data by
 * design (that is what encryption protects), but never a secret; command outputs are what an
 * operator sees, where PIX keys they typed may be echoed, but never a document or a name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyPayloads } from './history-payloads';

export type NeedleKind = 'secret' | 'identity' | 'pixKey';
export const EVERY_KIND: readonly NeedleKind[] = ['secret', 'identity', 'pixKey'];

export interface Needle {
  kind: NeedleKind;
  /** What it is, for the report (never the value itself). */
  label: string;
  pattern: string | RegExp;
}

export interface ScanSource {
  name: string;
  text: string;
  /** Kinds this source must not contain; default every kind. */
  forbid?: readonly NeedleKind[];
}

export interface Hit {
  source: string;
  needle: string;
  kind: NeedleKind;
  /** Where it was found, the value itself masked. */
  excerpt: string;
}

/** A JWT: three base64url parts, the first two JSON objects (`{"` encodes as `eyJ`). */
export const JWT_PATTERN = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;

/** Every secret by name, each literal; JWTs by shape. Values shorter than 8 characters are refused (they would match by chance). */
export function secretNeedles(secrets: Record<string, string | undefined>): Needle[] {
  const needles: Needle[] = [{ kind: 'secret', label: 'a JWT', pattern: JWT_PATTERN }];
  for (const [label, value] of Object.entries(secrets)) {
    if (value === undefined) continue;
    if (value.length < 8) throw new Error(`secret ${label} is too short to scan for`);
    needles.push({ kind: 'secret', label, pattern: value });
  }
  return needles;
}

export interface Person {
  name: string;
  /** CPF (11 digits) or CNPJ (14), with or without its mask. */
  document?: string;
  pixKeys?: string[];
}

/**
 * A person's name (any case), document (bare digits and the usual mask: masked forms such as
 * `***.982.247-**` do not match) and PIX keys (as typed and normalised).
 */
export function personNeedles(people: Person[]): Needle[] {
  return people.flatMap((person) => {
    const needles: Needle[] = [
      { kind: 'identity', label: `name of ${initials(person.name)}`, pattern: caseInsensitive(person.name) },
    ];
    const digits = person.document?.replace(/\D/g, '');
    if (digits) {
      needles.push({ kind: 'identity', label: `document of ${initials(person.name)}`, pattern: digits });
      needles.push({
        kind: 'identity',
        label: `formatted document of ${initials(person.name)}`,
        pattern: formattedDocument(digits),
      });
    }
    for (const key of person.pixKeys ?? []) {
      for (const form of new Set([key, ...normalisedPixKey(key)])) {
        needles.push({
          kind: 'pixKey',
          label: `PIX key of ${initials(person.name)}`,
          pattern: caseInsensitive(form),
        });
      }
    }
    return needles;
  });
}

/** Every hit of every needle in every source, excerpts masked. */
export function scanForLeaks(sources: ScanSource[], needles: Needle[]): Hit[] {
  return sources.flatMap((source) => {
    const forbidden = new Set(source.forbid ?? EVERY_KIND);
    return needles
      .filter((needle) => forbidden.has(needle.kind))
      .flatMap((needle) => {
        const at = indexOf(source.text, needle.pattern);
        if (at === undefined) return [];
        return [
          {
            source: source.name,
            needle: needle.label,
            kind: needle.kind,
            excerpt: maskedExcerpt(source.text, at.index, at.length),
          },
        ];
      });
  });
}

/** One line per hit, for an assertion message. */
export function formatHits(hits: Hit[]): string[] {
  return hits.map((hit) => `${hit.kind} "${hit.needle}" in ${hit.source}: …${hit.excerpt}…`);
}

export function logFileSources(files: string[]): ScanSource[] {
  return files.map((file) => ({ name: `log ${path.basename(file)}`, text: readFileSync(file, 'utf8') }));
}

/** Outputs of commands (CLI, demo): an operator sees them, so PIX keys they typed may appear. */
export function outputSources(outputs: Record<string, string>): ScanSource[] {
  return Object.entries(outputs).map(([name, text]) => ({
    name: `output of ${name}`,
    text,
    forbid: ['secret', 'identity'] as const,
  }));
}

/**
 * Every execution the visibility query lists (every run): its raw history (every string, and every
 * byte field read as text), the same history with each payload decoded by `codec`, and its raw
 * search attributes and memo as Temporal stores them. Decoded sources may hold personal data.
 */
export async function temporalSources(
  client: Client,
  query: string,
  codec?: PayloadCodec,
): Promise<ScanSource[]> {
  const sources: ScanSource[] = [];
  const { namespace } = client.options;
  for await (const execution of client.workflow.list({ query })) {
    const id = `${execution.workflowId} (run ${execution.runId.slice(0, 8)})`;
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    sources.push({ name: `history of ${id}, raw`, text: rawText(history) });
    if (codec) {
      const decoded = await Promise.all(
        historyPayloads(history).map(({ payload }) => codec.decode([payload])),
      );
      sources.push({
        name: `history of ${id}, decoded`,
        text: decoded.flat().map(rawText).join('\n'),
        forbid: ['secret'],
      });
    }
    const { workflowExecutionInfo } = await client.workflowService.describeWorkflowExecution({
      namespace,
      execution: { workflowId: execution.workflowId, runId: execution.runId },
    });
    sources.push({
      name: `search attributes of ${id}`,
      text: rawText(workflowExecutionInfo?.searchAttributes ?? {}),
    });
    sources.push({ name: `memo of ${id}, raw`, text: rawText(workflowExecutionInfo?.memo ?? {}) });
  }
  return sources;
}

/**
 * A protobuf object as text: every field name and string as is, every byte field decoded as UTF-8.
 * Walked by hand: JSON.stringify would call protobuf messages' toJSON, which turns bytes into
 * base64 and would hide a payload in clear from the scan.
 */
export function rawText(node: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        parts.push(key);
        walk(child);
      }
    }
  };
  walk(node);
  return parts.join('\n');
}

function indexOf(text: string, pattern: string | RegExp): { index: number; length: number } | undefined {
  if (typeof pattern === 'string') {
    const index = text.indexOf(pattern);
    return index < 0 ? undefined : { index, length: pattern.length };
  }
  const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
  return match ? { index: match.index, length: match[0].length } : undefined;
}

function maskedExcerpt(text: string, index: number, length: number): string {
  const before = text.slice(Math.max(0, index - 40), index);
  const after = text.slice(index + length, index + length + 40);
  return `${before}[${length} characters]${after}`.replace(/\s+/g, ' ');
}

function caseInsensitive(value: string): RegExp {
  return new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}

function formattedDocument(digits: string): string {
  return digits.length === 11
    ? `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}`
    : `${digits.slice(0, 2)}.${digits.slice(2, 5)}.${digits.slice(5, 8)}/${digits.slice(8, 12)}-${digits.slice(12)}`;
}

/** The forms the system stores a key in: e-mails lowercased, Brazilian phones as +55 and digits. */
function normalisedPixKey(key: string): string[] {
  if (key.includes('@')) return [key.toLowerCase()];
  const digits = key.replace(/\D/g, '');
  if (/^\(?\d{2}\)?[\s\d-]{8,}$/.test(key) && (digits.length === 10 || digits.length === 11))
    return [`+55${digits}`];
  return [];
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((part) => part.charAt(0).toUpperCase())
    .join('');
}
