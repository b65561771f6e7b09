import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestClient, createTestWorker, uniqueTaskQueue } from '../helpers/temporal';
import { greetingStateQuery, greetingWorkflow, setGreetingSignal } from '../workflows/greeting';

describe('test harness: a real workflow on the real dev server', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectTestClient();
  });
  afterAll(async () => {
    await client.connection.close();
  });

  it('waits for a signal, runs an activity and returns its result', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    const calls: Array<[string, string]> = [];
    const worker = await createTestWorker({
      taskQueue,
      activities: {
        async composeGreeting(name: string, greeting: string) {
          calls.push([name, greeting]);
          return `${greeting}, ${name}!`;
        },
      },
    });
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start(greetingWorkflow, {
        taskQueue,
        workflowId: `harness-${taskQueue}`,
        args: ['Ana'],
      });
      expect(await handle.query(greetingStateQuery)).toBe('waiting');
      await handle.signal(setGreetingSignal, 'Olá');
      return handle.result();
    });
    expect(result).toBe('Olá, Ana!');
    expect(calls).toEqual([['Ana', 'Olá']]);
  });
});
