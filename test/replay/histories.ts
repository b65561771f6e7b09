/**
 * The recorded histories under test/fixtures/histories: where they live, how they are read and
 * written, and the list of branches docs/lifecycles.md promises a fixture for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../runtime/project-root';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
/** Where `npm run histories:record` puts a recording whose fixture already exists (never overwritten). */
export const RERECORDED_DIR = path.join(PROJECT_ROOT, '.data', 'histories');
const LIFECYCLES_DOC = path.join(PROJECT_ROOT, 'docs', 'lifecycles.md');

/** Every fixture in the folder, by file name: a new file is replayed without being listed anywhere. */
export function fixtureNames(dir = HISTORIES_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export function readHistoryText(name: string, dir = HISTORIES_DIR): string {
  return readFileSync(path.join(dir, `${name}.json`), 'utf8');
}

export function loadHistory(name: string, dir = HISTORIES_DIR): temporal.api.history.v1.IHistory {
  return historyFromJSON(JSON.parse(readHistoryText(name, dir)));
}

export function workflowTypeOf(history: temporal.api.history.v1.IHistory): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/**
 * A history as committed: JSON, with the absolute paths of the recording machine (stack traces of
 * failed activities) made relative to the repository, so no fixture names a folder outside it.
 */
export function historyFixtureText(history: temporal.api.history.v1.IHistory): string {
  return `${relativisePaths(historyToJSON(history))}\n`;
}

export function relativisePaths(text: string, root = PROJECT_ROOT): string {
  const relative = (value: string) => value.split(`${root}/`).join('');
  // Failure attributes travel inside payloads (the failure converter encodes them): base64 there.
  return relative(text).replace(/"data": "([A-Za-z0-9+/=]+)"/g, (field, base64: string) => {
    const decoded = Buffer.from(base64, 'base64').toString('utf8');
    if (!decoded.includes(`${root}/`)) return field;
    return `"data": "${Buffer.from(relative(decoded), 'utf8').toString('base64')}"`;
  });
}

/** Activities whose count depends on timing (reconciliation reads), left out of `businessSteps`. */
const TIMING_DEPENDENT_ACTIVITIES = new Set(['getCashIn', 'getCashOut']);
const { EventType } = temporal.api.enums.v1;
const CLOSING_EVENTS = new Map<number, string>([
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 'completed'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 'failed'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, 'continued as new'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, 'cancelled'],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, 'terminated'],
]);

/**
 * What a history did, without what timing decides (timers, reconciliation reads, how work was
 * split into workflow tasks): activities scheduled, patches recorded, how it closed. Two runs of
 * one branch have the same steps; a workflow change that runs the branch differently does not.
 */
export function businessSteps(history: temporal.api.history.v1.IHistory): string[] {
  const steps: string[] = [];
  for (const event of history.events ?? []) {
    const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity && !TIMING_DEPENDENT_ACTIVITIES.has(activity)) steps.push(`activity ${activity}`);
    const marker = event.markerRecordedEventAttributes;
    if (marker) steps.push(`marker ${marker.markerName}`);
    const closing = CLOSING_EVENTS.get(Number(event.eventType));
    if (closing) steps.push(closing);
  }
  return steps;
}

export interface DocumentedBranch {
  fixture: string;
  workflowType: string;
  branch: string;
}

/** The rows of the "Recorded histories" table of docs/lifecycles.md: | `fixture` | `workflowType` | branch |. */
export function documentedBranches(doc = readFileSync(LIFECYCLES_DOC, 'utf8')): DocumentedBranch[] {
  const section = doc.split(/^## Recorded histories$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([\w-]+)` \| `(\w+)` \| (.+?) \|$/gm)].map((row) => ({
    fixture: row[1] as string,
    workflowType: row[2] as string,
    branch: row[3] as string,
  }));
}
