import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../runtime/project-root';

/**
 * `npm audit --omit=dev` for CI (.ci/run), with the policy of docs/security.md: a high or critical
 * advisory in a production dependency fails the build; moderate, low and info ones are listed
 * and do not; when the advisory service cannot be asked (no network, or a registry that does not
 * serve the audit endpoint) the audit is reported as NOT CHECKED, with npm's own error, and does
 * not fail the build: a network problem is not a finding.
 */

export const FAILING_SEVERITIES = ['high', 'critical'] as const;
const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;

export interface AuditVerdict {
  outcome: 'passed' | 'failed' | 'not checked';
  lines: string[];
}

interface AuditReport {
  vulnerabilities?: Record<string, { severity?: string; via?: unknown[]; fixAvailable?: unknown }>;
  metadata?: { vulnerabilities?: Partial<Record<(typeof SEVERITIES)[number], number>> };
  message?: string;
  statusCode?: number;
  error?: { code?: string; summary?: string; detail?: string };
}

/** Judges the output of `npm audit --omit=dev --json` by the policy above. */
export function auditVerdict(stdout: string, stderr = ''): AuditVerdict {
  let report: AuditReport;
  try {
    report = JSON.parse(stdout) as AuditReport;
  } catch {
    return notChecked(`npm audit printed no report: ${firstLine(stderr || stdout) || '(nothing)'}`);
  }
  const counts = report.metadata?.vulnerabilities;
  if (!counts) {
    const reason =
      report.message ??
      [report.error?.code, report.error?.summary, report.error?.detail].filter(Boolean).join(': ') ??
      'unknown error';
    return notChecked(`the advisory service did not answer: ${reason || firstLine(stderr)}`);
  }
  const summary = SEVERITIES.map((severity) => `${counts[severity] ?? 0} ${severity}`).join(', ');
  const findings = Object.entries(report.vulnerabilities ?? {}).map(
    ([name, v]) => `  ${v.severity ?? '?'}  ${name}${v.fixAvailable ? ' (fix available)' : ''}`,
  );
  const failing = FAILING_SEVERITIES.reduce((sum, severity) => sum + (counts[severity] ?? 0), 0);
  return {
    outcome: failing > 0 ? 'failed' : 'passed',
    lines: [`npm audit (production dependencies): ${summary}`, ...findings],
  };
}

function notChecked(reason: string): AuditVerdict {
  return {
    outcome: 'not checked',
    lines: [
      `npm audit: NOT CHECKED: ${reason}`,
      'npm audit: production dependencies were not audited in this run (not a failure of the build)',
    ],
  };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

function main(): void {
  const audit = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const verdict = auditVerdict(
    audit.stdout ?? '',
    `${audit.stderr ?? ''}${audit.error ? audit.error.message : ''}`,
  );
  for (const line of verdict.lines) process.stdout.write(`${line}\n`);
  if (verdict.outcome === 'failed') {
    process.stderr.write(
      `npm audit: a ${FAILING_SEVERITIES.join(' or ')} advisory in a production dependency fails the build\n`,
    );
    process.exit(1);
  }
}

if (require.main === module) main();
