/**
 * The Payloads of a workflow history (or any protobuf object), for tests that check what reached
 * Temporal: what the data converter wrote must be encrypted; what the SDK writes for itself is not.
 */
import type { Payload } from '@temporalio/common';

export interface HistoryPayload {
  /** Where it sits, e.g. `.events.4.markerRecordedEventAttributes.details.data.payloads.0`. */
  path: string;
  payload: Payload;
}

/** Every Payload (an object with `metadata.encoding`), except search attributes, which Temporal indexes in clear. */
export function historyPayloads(node: unknown, path = ''): HistoryPayload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return [];
  if (path.endsWith('.searchAttributes')) return [];
  const candidate = node as Payload;
  if (candidate.metadata && candidate.metadata.encoding instanceof Uint8Array)
    return [{ path, payload: candidate }];
  return Object.entries(node).flatMap(([key, value]) => historyPayloads(value, `${path}.${key}`));
}

/**
 * What the SDK writes for itself in clear: markers with a patch's id (workflow versioning) or a
 * local activity's type and timing (its result goes through the data converter), and the trace
 * context that @temporalio/interceptors-opentelemetry carries in headers (`_tracer-data`: trace
 * and span ids only; the SDK does not run headers through the payload codec).
 */
export function isSdkBookkeeping(path: string): boolean {
  return (
    /\.markerRecordedEventAttributes\.details\.(patch-data|data)\./.test(path) ||
    /\.header\.fields\._tracer-data$/.test(path)
  );
}

/** The Payloads the data converter wrote: with a key configured, every one of them encrypted. */
export function convertedPayloads(node: unknown): Payload[] {
  return historyPayloads(node)
    .filter(({ path }) => !isSdkBookkeeping(path))
    .map(({ payload }) => payload);
}
