import { type MdrunResources, planResources } from '@fold/gromacs-runner';
import type { SimulationResources } from '@fold/job-store';
import type { MinerConfig } from './config.js';
import { ConfigError } from './errors.js';

/** The mdrun settings of each of this process's simulation slots, by queue. */
export interface SlotPlan {
  /** The job-store resources this process serves, with its own concurrency per queue. */
  readonly local: SimulationResources;
  /** The limits of every queue across all processes of the miner (stored in Redis). */
  readonly cluster: SimulationResources;
  /** Per queue name (`sim-cpu`, `sim-gpu-<id>`), one entry per slot. */
  readonly slots: Readonly<Record<string, readonly MdrunResources[]>>;
  /** Total simulations all processes run at once (the miner's `total_slots`). */
  readonly totalSlots: number;
  /** One line for the start-up log. */
  readonly summary: string;
}

/** The job-store GPU id of a local device: `<machineId>-<device>` or the device id alone. */
export function gpuQueueId(device: number, machineId: string | undefined): string {
  return machineId === undefined ? String(device) : `${machineId}-${device}`;
}

/**
 * Splits this process's CPUs between its CPU and GPU slots (one thread-MPI rank each, pinned to
 * disjoint cores from `firstCore` when there are enough, see the runner's `planResources`), maps
 * GPU devices to job-store queues, and works out the cluster-wide limits (`clusterCpuSlots`,
 * `clusterGpus`, by default this process's own). Pure.
 * @throws {ConfigError} when the cluster limits leave out a queue this process serves.
 */
export function planSlots(
  config: Pick<
    MinerConfig,
    | 'cpuSlots'
    | 'cpus'
    | 'firstCore'
    | 'gpuIds'
    | 'simsPerGpu'
    | 'machineId'
    | 'clusterCpuSlots'
    | 'clusterGpus'
  >,
): SlotPlan {
  const gpuSlots = config.gpuIds.length * config.simsPerGpu;
  const concurrent = config.cpuSlots + gpuSlots;
  const planned =
    concurrent === 0 ? [] : planResources({ cpus: config.cpus, concurrent }).slots.slice();
  const shift = (slot: MdrunResources): MdrunResources => {
    const { pinOffset, ...rest } = slot;
    return pinOffset === undefined ? rest : { ...rest, pinOffset: pinOffset + config.firstCore };
  };
  const strip = (index: number): MdrunResources => {
    const slot = planned[index];
    if (slot === undefined) throw new Error(`no planned slot ${index}`);
    const { slot: _slot, cores: _cores, gpu: _gpu, ...resources } = slot;
    return shift(resources);
  };
  const slots: Record<string, MdrunResources[]> = {};
  if (config.cpuSlots > 0) {
    slots['sim-cpu'] = Array.from({ length: config.cpuSlots }, (_, i) => strip(i));
  }
  let next = config.cpuSlots;
  const localGpus: { id: string; concurrency: number }[] = [];
  for (const device of config.gpuIds) {
    const id = gpuQueueId(device, config.machineId);
    localGpus.push({ id, concurrency: config.simsPerGpu });
    slots[`sim-gpu-${id}`] = Array.from({ length: config.simsPerGpu }, () => ({
      ...strip(next++),
      gpu: { deviceIds: [device] },
    }));
  }
  const local: SimulationResources = {
    ...(config.cpuSlots > 0 ? { cpu: { concurrency: config.cpuSlots } } : {}),
    ...(localGpus.length > 0 ? { gpus: localGpus } : {}),
  };

  const clusterCpu = config.clusterCpuSlots ?? config.cpuSlots;
  const clusterGpus =
    config.clusterGpus === undefined
      ? localGpus
      : config.clusterGpus.map((entry) => {
          const [id = '', count = '0'] = entry.split(':');
          return { id, concurrency: Number(count) };
        });
  if (config.cpuSlots > 0 && clusterCpu === 0) {
    throw new ConfigError(
      'clusterCpuSlots: this process runs CPU slots, so the cluster needs some',
      {
        details: { field: 'clusterCpuSlots' },
      },
    );
  }
  const clusterIds = new Set(clusterGpus.map((g) => g.id));
  if (clusterIds.size !== clusterGpus.length) {
    throw new ConfigError('clusterGpus: a GPU queue is listed twice', {
      details: { field: 'clusterGpus' },
    });
  }
  for (const gpu of localGpus) {
    if (!clusterIds.has(gpu.id)) {
      throw new ConfigError(`clusterGpus: it leaves out ${gpu.id}, a GPU of this process`, {
        details: { field: 'clusterGpus' },
      });
    }
  }
  const cluster: SimulationResources = {
    ...(clusterCpu > 0 ? { cpu: { concurrency: clusterCpu } } : {}),
    ...(clusterGpus.length > 0 ? { gpus: clusterGpus } : {}),
  };
  const totalSlots = clusterCpu + clusterGpus.reduce((sum, g) => sum + g.concurrency, 0);
  if (totalSlots === 0) {
    throw new ConfigError('cpuSlots: the miner has no simulation slots at all', {
      details: { field: 'cpuSlots' },
    });
  }
  const describe = (name: string, list: readonly MdrunResources[]) =>
    `${name}: ${list
      .map(
        (r) =>
          `${r.ntomp ?? 1} thread(s)${r.pin === 'on' ? ` pinned at ${r.pinOffset}` : ''}${
            r.gpu ? ` on GPU ${r.gpu.deviceIds.join(',')}` : ''
          }`,
      )
      .join('; ')}`;
  const summary =
    Object.entries(slots)
      .map(([name, list]) => describe(name, list))
      .join(' | ') || 'no local slots (axon only)';
  return { local, cluster, slots, totalSlots, summary };
}

/**
 * Hands out a queue's slot indexes to the simulations this process runs: the worker's
 * concurrency equals the number of slots, so one is always free when a simulation starts.
 */
export class SlotPool {
  readonly #free: number[];

  constructor(readonly size: number) {
    this.#free = Array.from({ length: size }, (_, i) => i);
  }

  /** Takes the lowest free slot. @throws {Error} when every slot is taken (a wiring bug). */
  take(): number {
    this.#free.sort((a, b) => a - b);
    const slot = this.#free.shift();
    if (slot === undefined) throw new Error('no free simulation slot: worker concurrency is wrong');
    return slot;
  }

  /** Gives a slot back. */
  give(slot: number): void {
    if (!this.#free.includes(slot)) this.#free.push(slot);
  }

  /** Slots in use. */
  get busy(): number {
    return this.size - this.#free.length;
  }
}
