/**
 * The CLI's wallet commands when the stack runs the reference wallet service (WALLET_BACKEND=http):
 * balances and the exposure through the signed contract, bets, wins and movements through the
 * reference service's own endpoints, and a clear error where a platform's real service has none.
 */
import { describe, expect, it } from 'vitest';
import { useCliStack } from '../helpers/cli-stack';

describe('the pix CLI against a stack with the reference wallet service', () => {
  const stack = useCliStack({ walletBackend: 'http' });

  it('win, bet, balance with movements and exposure; a bet beyond the balance exits 6', async () => {
    const userId = stack.env.unique('user');
    const win = await stack.cliJson<{ created: boolean; balance: { availableCents: number } }>([
      'win',
      '--user',
      userId,
      '--amount',
      '50',
      '--id',
      `win:${userId}`,
    ]);
    expect([win.code, win.json.created, win.json.balance.availableCents]).toEqual([0, true, 50_00]);
    const replayed = await stack.cliJson<{ created: boolean }>([
      'win',
      '--user',
      userId,
      '--amount',
      '50',
      '--id',
      `win:${userId}`,
    ]);
    expect(replayed.json.created).toBe(false);
    const bet = await stack.cli(['bet', '--user', userId, '--amount', '12.5']);
    expect(bet.stdout).toMatch(/available R\$ 37,50$/m);
    const refused = await stack.cliJson<{ error: { code: string } }>([
      'bet',
      '--user',
      userId,
      '--amount',
      '100',
    ]);
    expect([refused.code, refused.json.error.code]).toEqual([6, 'REJECTED']);

    const balance = await stack.cli(['balance', userId]);
    expect(balance.code, balance.stderr).toBe(0);
    expect(balance.stdout).toMatch(/Available +R\$ 37,50/);
    expect(balance.stdout).toMatch(/BET +posted +-R\$ 12,50/);
    expect(balance.stdout).toMatch(/WIN +posted +\+R\$ 50,00/);
    const exposure = await stack.cliJson<{ exposureCents: number }>(['exposure']);
    expect(exposure.json.exposureCents).toBe(await stack.env.wallet.port.exposureCents());
    expect(exposure.json.exposureCents).toBeGreaterThanOrEqual(37_50);
  });

  it('a wallet service without the reference endpoints: bets are the platform’s own books, and the CLI says so', async () => {
    // The contract has no bets: any other service answers them 404, here the stack's relay.
    const result = await stack.cli(['bet', '--user', 'ana', '--amount', '1'], {
      WALLET_BACKEND: 'http',
      PLATFORM_WALLET_URL: new URL(stack.env.webhookUrl).origin,
      PLATFORM_WALLET_SECRET: 'some-platform-wallet-secret',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/bets, wins and the journal live in the platform's own books/);
  });
});
