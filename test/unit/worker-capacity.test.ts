import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../runtime/config';
import { MIN_WORKER_MEMORY_BUDGET_MB, WORKER_MEMORY, workerCapacity } from '../../runtime/worker-capacity';

const capacityOf = (env: NodeJS.ProcessEnv) => workerCapacity(parseConfig(env));

describe('worker capacity from WORKER_MEMORY_BUDGET_MB', () => {
  it('fills the budget: the baseline, a tenth of the room for activities, the rest for cached lifecycles', () => {
    const capacity = capacityOf({ WORKER_MEMORY_BUDGET_MB: '2000' });
    const room = 2000 - WORKER_MEMORY.baselineMb;
    const activities = Math.min(100, Math.floor(room / 10 / WORKER_MEMORY.activitySlotMb));
    expect(capacity).toEqual({
      maxConcurrentActivityTaskExecutions: activities,
      maxCachedWorkflows: Math.floor(
        (room - activities * WORKER_MEMORY.activitySlotMb) / WORKER_MEMORY.cachedLifecycleMb,
      ),
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentLocalActivityExecutions: 40,
    });
    const used =
      WORKER_MEMORY.baselineMb +
      capacity.maxConcurrentActivityTaskExecutions * WORKER_MEMORY.activitySlotMb +
      capacity.maxCachedWorkflows * WORKER_MEMORY.cachedLifecycleMb;
    expect(used).toBeLessThanOrEqual(2000);
    expect(used).toBeGreaterThan(2000 - WORKER_MEMORY.cachedLifecycleMb - WORKER_MEMORY.activitySlotMb);
  });

  it('grows the cache with the budget, and defaults to a budget of 1024 MB', () => {
    const small = capacityOf({ WORKER_MEMORY_BUDGET_MB: '1024' });
    expect(capacityOf({})).toEqual(small);
    expect(capacityOf({ WORKER_MEMORY_BUDGET_MB: '4096' }).maxCachedWorkflows).toBeGreaterThan(
      3 * small.maxCachedWorkflows,
    );
  });

  it('keeps workflow tasks within the cache on the smallest budget', () => {
    const capacity = capacityOf({ WORKER_MEMORY_BUDGET_MB: String(MIN_WORKER_MEMORY_BUDGET_MB) });
    expect(capacity.maxCachedWorkflows).toBeGreaterThanOrEqual(2);
    expect(capacity.maxConcurrentWorkflowTaskExecutions).toBeLessThanOrEqual(capacity.maxCachedWorkflows);
  });

  it('lets each explicit WORKER_MAX_* win over the budget', () => {
    expect(
      capacityOf({
        WORKER_MEMORY_BUDGET_MB: '1024',
        WORKER_MAX_CACHED_WORKFLOWS: '5000',
        WORKER_MAX_CONCURRENT_ACTIVITIES: '7',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '9',
      }),
    ).toEqual({
      maxCachedWorkflows: 5000,
      maxConcurrentActivityTaskExecutions: 7,
      maxConcurrentWorkflowTaskExecutions: 9,
      maxConcurrentLocalActivityExecutions: 9,
    });
  });

  it('refuses a budget below the worker’s own memory, naming the variable and the rule', () => {
    expect(() => parseConfig({ WORKER_MEMORY_BUDGET_MB: '100' })).toThrow(ConfigError);
    expect(() => parseConfig({ WORKER_MEMORY_BUDGET_MB: '100' })).toThrow(
      `WORKER_MEMORY_BUDGET_MB: must be at least ${MIN_WORKER_MEMORY_BUDGET_MB}`,
    );
  });
});
