import { describe, expect, it } from 'vitest';
import { auditVerdict } from '../../scripts/npm-audit';

const report = (counts: Record<string, number>, vulnerabilities: Record<string, unknown> = {}) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts } },
  });

describe('npm audit policy (docs/security.md)', () => {
  it('passes a clean report', () => {
    expect(auditVerdict(report({}))).toEqual({
      outcome: 'passed',
      lines: ['npm audit (production dependencies): 0 info, 0 low, 0 moderate, 0 high, 0 critical'],
    });
  });

  it('lists moderate and low advisories without failing', () => {
    const verdict = auditVerdict(
      report({ moderate: 1, low: 2 }, { undici: { severity: 'moderate', fixAvailable: true } }),
    );
    expect(verdict.outcome).toBe('passed');
    expect(verdict.lines).toContain('  moderate  undici (fix available)');
  });

  it.each(['high', 'critical'])('fails on a %s advisory', (severity) => {
    expect(auditVerdict(report({ [severity]: 1 }, { pg: { severity } })).outcome).toBe('failed');
  });

  it('reports the registry refusing the audit endpoint as NOT CHECKED, with its error (what happens here)', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk',
      method: 'POST',
      statusCode: 405,
    });
    expect(auditVerdict(refused)).toEqual({
      outcome: 'not checked',
      lines: [
        'npm audit: NOT CHECKED: the advisory service did not answer: 405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk',
        'npm audit: production dependencies were not audited in this run (not a failure of the build)',
      ],
    });
  });

  it('reports no network, and no output at all, as NOT CHECKED', () => {
    const offline = JSON.stringify({
      error: { code: 'ENOTFOUND', summary: 'request to https://registry.example failed' },
    });
    expect(auditVerdict(offline).lines[0]).toBe(
      'npm audit: NOT CHECKED: the advisory service did not answer: ENOTFOUND: request to https://registry.example failed',
    );
    expect(auditVerdict('', 'spawnSync npm ENOENT').lines[0]).toBe(
      'npm audit: NOT CHECKED: npm audit printed no report: spawnSync npm ENOENT',
    );
  });
});
