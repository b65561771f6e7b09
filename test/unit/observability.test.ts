/**
 * Dashboards and alerts as code (docker/observability/): every query of the Grafana dashboard and
 * of the alert rules parses as PromQL and names only metrics the code exports (the worker's and
 * the relay's registries, the Temporal SDK metrics a real worker is shown to export in
 * worker-metrics.test.ts, and Prometheus's own `up`); every alert has a severity, a summary and a
 * runbook that is a section of docs/operations.md. CI also runs promtool on these files
 * (scripts/check-observability); this test is what runs everywhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRelayMetrics } from '../../relay/metrics';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { createWorkerMetrics } from '../../worker/metrics';
import { TEMPORAL_METRICS_WATCHED } from '../../worker/sdk-metrics';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}
interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const dashboard = JSON.parse(read('docker/observability/grafana/dashboards/pix-payments.json')) as {
  uid: string;
  panels: Panel[];
};
const rules = (
  parse(read('docker/observability/prometheus/alerts.yml')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((group) => group.rules);

/** Every series name the code exports: histograms as their _bucket, _sum and _count series. */
async function exportedSeries(): Promise<Set<string>> {
  const names = new Set<string>(['up', ...TEMPORAL_METRICS_WATCHED.flatMap(withHistogramSeries)]);
  for (const registry of [createWorkerMetrics().registry, createRelayMetrics().registry]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      for (const name of String(metric.type) === 'histogram'
        ? withHistogramSeries(metric.name)
        : [metric.name]) {
        names.add(name);
      }
    }
  }
  return names;
}

function withHistogramSeries(name: string): string[] {
  return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
}

// The PromQL grammar Prometheus's own UI uses; an ES module, so loaded with import().
let parser: typeof import('@prometheus-io/lezer-promql', { with: { 'resolution-mode': 'import' }})['parser'];
beforeAll(async () => {
  ({ parser } = await import('@prometheus-io/lezer-promql'));
});

/** The metric names a PromQL expression selects; throws when it does not parse. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  let error: string | undefined;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        error ??= `does not parse at ${node.from}: ${expr.slice(node.from, node.from + 20)}`;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  if (error) throw new Error(error);
  return names;
}

function problemsOf(queries: Array<[string, string]>, exported: Set<string>): string[] {
  return queries.flatMap(([where, expr]) => {
    try {
      const names = metricNames(expr);
      if (names.length === 0) return [`${where}: names no metric`];
      return names.filter((name) => !exported.has(name)).map((name) => `${where}: ${name} is not exported`);
    } catch (err) {
      return [`${where}: ${(err as Error).message}`];
    }
  });
}

const dashboardQueries = (panels: Panel[]): Array<[string, string]> =>
  panels.flatMap((panel) => (panel.targets ?? []).map((t): [string, string] => [panel.title, t.expr]));
const ruleQueries = (list: Rule[]): Array<[string, string]> =>
  list.map((rule): [string, string] => [rule.alert ?? '(unnamed)', rule.expr ?? '']);

describe('the Grafana dashboard', () => {
  it('has panels on payments by state, latencies, PSP errors, webhooks, stuck and NEEDS_REVIEW counts', () => {
    const queries = dashboardQueries(dashboard.panels)
      .map(([, expr]) => expr)
      .join('\n');
    for (const metric of [
      'pix_lifecycles',
      'pix_lifecycles_oldest_age_seconds',
      'pix_psp_request_duration_seconds_bucket',
      'pix_ledger_transfer_duration_seconds_bucket',
      'relay_webhook_requests_total',
      'pix_orphaned_holds',
    ]) {
      expect(queries).toContain(metric);
    }
    expect(queries).toContain('state="NEEDS_REVIEW"');
    expect(queries).toContain('outcome!="OK"');
  });

  it('queries only metrics the code exports, each query valid PromQL', async () => {
    const exported = await exportedSeries();
    const queries = dashboardQueries(dashboard.panels);
    expect(queries.length).toBeGreaterThan(20);
    expect(problemsOf(queries, exported)).toEqual([]);
    // The check can fail: a renamed metric and a broken query are both caught.
    expect(problemsOf([['renamed', 'sum(pix_payments_total)']], exported)).toEqual([
      'renamed: pix_payments_total is not exported',
    ]);
    expect(problemsOf([['broken', 'sum(rate(pix_lifecycles[5m])']], exported)[0]).toContain('does not parse');
  });
});

describe('the alert rules', () => {
  const operations = read('docs/operations.md');
  const anchors = new Set(
    [...operations.matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );

  it('cover a payment past its deadline, NEEDS_REVIEW, ledger imbalance, webhook 401s, a worker not polling', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'PaymentPastDeadline',
        'PaymentNeedsReview',
        'LedgerImbalance',
        'WebhookUnauthorizedRate',
        'WorkerNotPolling',
        'OrphanedHold',
      ]),
    );
  });

  it('query only metrics the code exports, each query valid PromQL', async () => {
    expect(problemsOf(ruleQueries(rules), await exportedSeries())).toEqual([]);
  });

  it('each have a severity, a summary and a runbook section in docs/operations.md', () => {
    const problems = rules.flatMap((rule) => {
      const found: string[] = [];
      if (!['critical', 'warning'].includes(rule.labels?.severity ?? ''))
        found.push(`${rule.alert}: severity`);
      if (!rule.annotations?.summary) found.push(`${rule.alert}: summary`);
      const runbook = /^docs\/operations\.md#(.+)$/.exec(rule.annotations?.runbook ?? '')?.[1];
      if (!runbook || !anchors.has(runbook))
        found.push(`${rule.alert}: runbook ${rule.annotations?.runbook}`);
      if (rule.for !== undefined && !/^\d+[smh]$/.test(rule.for))
        found.push(`${rule.alert}: for ${rule.for}`);
      return found;
    });
    expect(problems).toEqual([]);
  });
});
