/**
 * What a worker weighs, measured by `npm run bench` (figures of the `lifecycle` bench; see
 * docs/capacity.md#worker-memory). Update them when the figures move.
 */
export const WORKER_MEMORY = {
  /** RSS of a worker that has run a few lifecycles and holds none: `worker RSS MB idle`, rounded up. */
  baselineMb: 300,
  /** One lifecycle in the sticky cache: `worker MB per cached lifecycle`, rounded up. */
  cachedLifecycleMb: 2.5,
  /** One activity in flight (a PSP call or a ledger transaction with its buffers): a generous bound. */
  activitySlotMb: 1,
} as const;

/** The SDK's defaults, kept as ceilings: more slots than these only queue on the PSP and database pools. */
const MAX_ACTIVITIES = 100;
const MAX_WORKFLOW_TASKS = 40;
/** Of the room above the baseline, at most this share goes to activities in flight; the rest to the cache. */
const ACTIVITY_SHARE = 0.1;
/** The SDK needs at least two of each (a cache of one cannot run a workflow task next to another). */
const MIN_SLOTS = 2;

/** The smallest budget that leaves room for a few cached lifecycles and activities. */
export const MIN_WORKER_MEMORY_BUDGET_MB = WORKER_MEMORY.baselineMb + 50;

export interface WorkerCapacity {
  maxCachedWorkflows: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

/** The configuration's WORKER_* variables (runtime/config.ts). */
export interface CapacitySettings {
  WORKER_MEMORY_BUDGET_MB: number;
  WORKER_MAX_CACHED_WORKFLOWS?: number | undefined;
  WORKER_MAX_CONCURRENT_ACTIVITIES?: number | undefined;
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS?: number | undefined;
}

/**
 * Cache size and concurrency from WORKER_MEMORY_BUDGET_MB: above the worker's own baseline, a
 * tenth of the room for activities in flight (at most the SDK's 100), the rest for cached
 * lifecycles; workflow tasks run at most 40 at once and never more than the cache holds. Each
 * explicit WORKER_MAX_* wins over what the budget gives.
 */
export function workerCapacity(settings: CapacitySettings): WorkerCapacity {
  const roomMb = Math.max(0, settings.WORKER_MEMORY_BUDGET_MB - WORKER_MEMORY.baselineMb);
  const activities =
    settings.WORKER_MAX_CONCURRENT_ACTIVITIES ??
    clamp(Math.floor((roomMb * ACTIVITY_SHARE) / WORKER_MEMORY.activitySlotMb), MIN_SLOTS, MAX_ACTIVITIES);
  const cache =
    settings.WORKER_MAX_CACHED_WORKFLOWS ??
    Math.max(
      MIN_SLOTS,
      Math.floor((roomMb - activities * WORKER_MEMORY.activitySlotMb) / WORKER_MEMORY.cachedLifecycleMb),
    );
  const workflowTasks =
    settings.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS ?? clamp(cache, MIN_SLOTS, MAX_WORKFLOW_TASKS);
  return {
    maxCachedWorkflows: cache,
    maxConcurrentActivityTaskExecutions: activities,
    // Local activities are the input checks: short and CPU-only, bounded like workflow tasks.
    maxConcurrentLocalActivityExecutions: workflowTasks,
    maxConcurrentWorkflowTaskExecutions: Math.min(workflowTasks, cache),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
