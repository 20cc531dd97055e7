import { GpuUnavailableError, InvalidInputError } from './errors.js';
import { assertNumber } from './inputs.js';

/** Thread, pinning and GPU settings of one mdrun process. */
export interface MdrunResources {
  /** Thread-MPI ranks (`-ntmpi`); 1 keeps one simulation in one process. */
  readonly ntmpi?: number;
  /** OpenMP threads per rank (`-ntomp`). */
  readonly ntomp?: number;
  /** Pin threads to cores (`-pin`). Use `on` with distinct offsets, or `off`, when simulations share a machine. */
  readonly pin?: 'on' | 'off' | 'auto';
  /** First logical core to pin to (`-pinoffset`). */
  readonly pinOffset?: number;
  /** Distance between pinned logical cores (`-pinstride`); 1 = consecutive. */
  readonly pinStride?: number;
  /** GPU offload; only honoured when the GROMACS build and the machine have a GPU (see {@link detectGromacs}). */
  readonly gpu?: GpuOffload;
}

/** Which work goes to which GPU. */
export interface GpuOffload {
  /** Device ids for this process (`-gpu_id`), e.g. `[0]`. */
  readonly deviceIds: readonly number[];
  /** Non-bonded interactions on the GPU (`-nb gpu`); default true. */
  readonly nonbonded?: boolean;
  /** PME on the GPU (`-pme gpu`); default true for dynamics. */
  readonly pme?: boolean;
  /** Update and constraints on the GPU (`-update gpu`); default true for dynamics. */
  readonly update?: boolean;
  /** Bonded interactions on the GPU (`-bonded gpu`); default false (mdrun decides). */
  readonly bonded?: boolean;
}

/** What the mdrun call computes; some offloads do not apply to all. */
export type MdrunKind = 'dynamics' | 'minimization' | 'rerun';

/**
 * mdrun arguments for a resource choice. Minimisation and reruns only offload non-bonded work:
 * mdrun refuses `-update gpu` (and PME offload is of no use) there.
 * @throws {InvalidInputError} for out-of-range counts.
 */
export function mdrunResourceArgs(
  resources: MdrunResources | undefined,
  kind: MdrunKind,
): string[] {
  if (!resources) return [];
  const args: string[] = [];
  const count = (field: string, value: number | undefined, flag: string, min = 1) => {
    if (value === undefined) return;
    assertNumber(`resources.${field}`, value, { min, max: 4096, integer: true });
    args.push(flag, String(value));
  };
  count('ntmpi', resources.ntmpi, '-ntmpi');
  count('ntomp', resources.ntomp, '-ntomp');
  if (resources.pin !== undefined) {
    if (!['on', 'off', 'auto'].includes(resources.pin)) {
      throw new InvalidInputError(
        'resources.pin',
        `expected on, off or auto, got ${String(resources.pin)}`,
      );
    }
    args.push('-pin', resources.pin);
  }
  count('pinOffset', resources.pinOffset, '-pinoffset', 0);
  count('pinStride', resources.pinStride, '-pinstride', 0);
  const gpu = resources.gpu;
  if (gpu) {
    if (gpu.deviceIds.length === 0) {
      throw new InvalidInputError('resources.gpu.deviceIds', 'name at least one device');
    }
    for (const id of gpu.deviceIds)
      assertNumber('resources.gpu.deviceIds', id, { min: 0, max: 63, integer: true });
    args.push('-gpu_id', gpu.deviceIds.join(','));
    if (gpu.nonbonded ?? true) args.push('-nb', 'gpu');
    if (kind === 'dynamics') {
      if (gpu.pme ?? true) args.push('-pme', 'gpu');
      if (gpu.update ?? true) args.push('-update', 'gpu');
      if (gpu.bonded) args.push('-bonded', 'gpu');
    }
  }
  return args;
}

/** What {@link planResources} needs to know about the machine and the workload. */
export interface ResourcePlanInput {
  /** Logical CPUs available to simulations (e.g. `os.availableParallelism()`). */
  readonly cpus: number;
  /** Simulations that will run at the same time. */
  readonly concurrent: number;
  /** GPU device ids usable by this GROMACS build (empty or absent for CPU only). */
  readonly gpus?: readonly number[];
  /** Hardware threads per physical core (2 with SMT/hyper-threading); default 1. */
  readonly threadsPerCore?: number;
}

/** One simulation slot's settings, plus why they were chosen. */
export interface PlannedSlot extends MdrunResources {
  readonly slot: number;
  /** Logical cores this slot owns when pinned; empty when not pinned. */
  readonly cores: readonly number[];
}

/** The plan for all slots. */
export interface ResourcePlan {
  readonly slots: readonly PlannedSlot[];
  /** True when slots share cores (more simulations than cores): pinning is then switched off. */
  readonly oversubscribed: boolean;
  /** A one-line account of the choice, for logs and the README. */
  readonly summary: string;
}

/**
 * Splits a machine between concurrent simulations. Each slot gets one thread-MPI rank and an equal
 * share of OpenMP threads; when every slot has cores of its own they are pinned to disjoint,
 * consecutive cores (`-pin on -pinoffset`) so that the simulations do not migrate onto each other;
 * when there are more simulations than cores, pinning is off and each gets one thread (pinning
 * several processes to the same cores serialises them). GPUs, when given, are shared round-robin.
 * Pure: the same input always gives the same plan.
 * @throws {InvalidInputError} for non-positive counts.
 */
export function planResources(input: ResourcePlanInput): ResourcePlan {
  const cpus = assertNumber('cpus', input.cpus, { min: 1, max: 65536, integer: true });
  const concurrent = assertNumber('concurrent', input.concurrent, {
    min: 1,
    max: 65536,
    integer: true,
  });
  const tpc = assertNumber('threadsPerCore', input.threadsPerCore ?? 1, {
    min: 1,
    max: 8,
    integer: true,
  });
  const gpus = input.gpus ?? [];
  const oversubscribed = concurrent > cpus;
  const slots: PlannedSlot[] = [];
  // Give each slot whole physical cores when possible so that SMT siblings stay together.
  const perSlot = oversubscribed ? 1 : Math.floor(cpus / concurrent);
  const perSlotAligned = perSlot >= tpc ? perSlot - (perSlot % tpc) : perSlot;
  for (let slot = 0; slot < concurrent; slot++) {
    const gpuId = gpus.length > 0 ? gpus[slot % gpus.length] : undefined;
    const base: MdrunResources = {
      ntmpi: 1,
      ntomp: oversubscribed ? 1 : perSlotAligned,
      ...(gpuId === undefined ? {} : { gpu: { deviceIds: [gpuId] } }),
    };
    if (oversubscribed) {
      slots.push({ slot, ...base, pin: 'off', cores: [] });
    } else {
      const offset = slot * perSlotAligned;
      const cores = Array.from({ length: perSlotAligned }, (_, i) => offset + i);
      slots.push({ slot, ...base, pin: 'on', pinOffset: offset, pinStride: 1, cores });
    }
  }
  const first = slots[0];
  const summary = oversubscribed
    ? `${concurrent} simulations on ${cpus} CPUs: oversubscribed, 1 thread each, pinning off`
    : `${concurrent} simulation(s) on ${cpus} CPUs: ${first?.ntomp ?? 1} thread(s) each, pinned at offsets ${slots
        .map((s) => s.pinOffset)
        .join(',')}` + (gpus.length > 0 ? `, GPUs ${gpus.join(',')} shared round-robin` : '');
  return { slots, oversubscribed, summary };
}

/**
 * Drops GPU offload from a resource choice when the build or machine cannot do it, or fails when
 * `required`. Use with {@link detectGromacs}'s result so that GPU paths stay optional.
 * @throws {GpuUnavailableError} when `required` and no GPU can be used.
 */
export function applyGpuAvailability(
  resources: MdrunResources,
  available: { readonly gpuSupport: boolean; readonly deviceIds: readonly number[] },
  required = false,
): MdrunResources {
  if (!resources.gpu) return resources;
  const usable =
    available.gpuSupport && resources.gpu.deviceIds.every((id) => available.deviceIds.includes(id));
  if (usable) return resources;
  if (required) {
    throw new GpuUnavailableError(
      available.gpuSupport
        ? `GPU device(s) ${resources.gpu.deviceIds.join(',')} not present (found: ${available.deviceIds.join(',') || 'none'})`
        : 'this GROMACS build has no GPU support; point gmxPath/FOLD_GMX at a CUDA build',
      { requested: resources.gpu.deviceIds, found: available.deviceIds },
    );
  }
  const { gpu: _dropped, ...cpuOnly } = resources;
  return cpuOnly;
}
