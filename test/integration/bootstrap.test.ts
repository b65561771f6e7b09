import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../runtime/project-root';
import { cleanEnv } from '../helpers/processes';

function bootstrap(vars: Record<string, string> = {}) {
  return spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'bootstrap')], {
    env: cleanEnv(vars),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('scripts/bootstrap', () => {
  it('prints nothing and succeeds when everything is installed (npm test has just run it)', () => {
    const result = bootstrap();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable, naming the variable', () => {
    const result = bootstrap({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('TEMPORAL_CLI_PATH=/nonexistent/temporal is not an executable file');
  });

  it('builds and checks nothing for Temporal when TEMPORAL_ADDRESS names a server', () => {
    const result = bootstrap({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CLI_PATH: '/nonexistent/temporal' });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});
