import type { JobStore } from './connection.js';
import { InvalidOptionsError } from './errors.js';

/**
 * Compute resources: CPU slots, and GPUs by id with how many simulations each runs at once. Given
 * to {@link openSimulationQueues}, these are the miner's global limits, stored in Redis and applied
 * across all worker processes and machines; given to a worker, they are what that process serves
 * and its local concurrency. GPU ids name physical GPUs across the miner's machines (e.g.
 * `a-0`, `b-0`), so that each GPU's queue is served only by workers on its machine.
 */
export interface SimulationResources {
  cpu?: { readonly concurrency: number };
  gpus?: ReadonlyArray<{ readonly id: string; readonly concurrency: number }>;
}

/** One BullMQ queue per resource: `sim-cpu`, `sim-gpu-<id>`. */
export interface ResourceQueue {
  readonly queueName: string;
  readonly concurrency: number;
  readonly resource: { kind: 'cpu' } | { kind: 'gpu'; gpuId: string };
}

const MAX_CONCURRENCY = 1_024;
const GPU_ID = /^[A-Za-z0-9_-]{1,16}$/;

function checkConcurrency(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new InvalidOptionsError(
      `${field} must be an integer from 1 to ${MAX_CONCURRENCY}, not ${value}`,
      {
        field,
      },
    );
  }
}

/** The queues of a resource configuration. @throws {InvalidOptionsError} */
export function resourceQueues(resources: SimulationResources): ResourceQueue[] {
  const queues: ResourceQueue[] = [];
  if (resources.cpu !== undefined) {
    checkConcurrency(resources.cpu.concurrency, 'cpu.concurrency');
    queues.push({
      queueName: 'sim-cpu',
      concurrency: resources.cpu.concurrency,
      resource: { kind: 'cpu' },
    });
  }
  const seen = new Set<string>();
  for (const gpu of resources.gpus ?? []) {
    if (!GPU_ID.test(gpu.id)) {
      throw new InvalidOptionsError(
        `invalid GPU id ${JSON.stringify(gpu.id)}: 1 to 16 of [A-Za-z0-9_-]`,
        {
          field: 'gpus.id',
        },
      );
    }
    if (seen.has(gpu.id))
      throw new InvalidOptionsError(`GPU ${gpu.id} is listed twice`, { field: 'gpus.id' });
    seen.add(gpu.id);
    checkConcurrency(gpu.concurrency, `gpus[${gpu.id}].concurrency`);
    queues.push({
      queueName: `sim-gpu-${gpu.id}`,
      concurrency: gpu.concurrency,
      resource: { kind: 'gpu', gpuId: gpu.id },
    });
  }
  if (queues.length === 0) {
    throw new InvalidOptionsError('no simulation resources: configure cpu and/or gpus', {
      field: 'resources',
    });
  }
  return queues;
}

/** Keys and channels the queues and workers share. */
export function simulationKeys(store: JobStore): {
  cancelled: (id: string) => string;
  route: (id: string) => string;
  cancelChannel: string;
} {
  return {
    cancelled: (id) => store.key('sim', 'cancelled', id),
    route: (id) => store.key('sim', 'route', id),
    cancelChannel: store.key('sim', 'cancel'),
  };
}
