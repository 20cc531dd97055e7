import { execa } from 'execa';
import { GmxParseError } from './errors.js';
import { type GmxOptions, GmxProcess } from './process.js';

/** What `gmx --version` says about a GROMACS build. */
export interface GromacsInfo {
  /** The binary that was asked. */
  readonly path: string;
  /** Full version string, e.g. `2022.5-Debian_2022.5_2`. */
  readonly version: string;
  /** Major release year, e.g. 2022. */
  readonly major: number;
  /** `mixed` (single precision with some double accumulation; the usual build) or `double`. */
  readonly precision: 'mixed' | 'double';
  /** GPU framework (`CUDA`, `OpenCL`, `SYCL (...)`) or null when built without GPU support. */
  readonly gpuFramework: string | null;
  /** Whether the build can offload to a GPU at all. */
  readonly gpuSupport: boolean;
  /** SIMD instruction set compiled in, e.g. `SSE4.1`, `AVX2_256`, `AVX_512`. */
  readonly simd: string | null;
  /** MPI library (`thread_mpi` for the standard build). */
  readonly mpi: string | null;
  /** Installation prefix of data files (force fields live in `<prefix>/share/gromacs/top`). */
  readonly dataPrefix: string | null;
}

/**
 * Parses `gmx --version` output.
 * @throws {GmxParseError} when the text has no GROMACS version line.
 */
export function parseGmxVersion(text: string, path = 'gmx'): GromacsInfo {
  const field = (label: string): string | null => {
    const m = new RegExp(`^${label}:\\s*(.+?)\\s*$`, 'm').exec(text);
    return m ? (m[1] as string) : null;
  };
  const version = field('GROMACS version');
  if (!version) throw new GmxParseError('not gmx --version output: no "GROMACS version" line');
  const gpu = field('GPU support');
  const gpuFramework = gpu && !/^disabled$/i.test(gpu) ? gpu : null;
  return {
    path,
    version,
    major: Number.parseInt(version, 10),
    precision: /double/i.test(field('Precision') ?? '') ? 'double' : 'mixed',
    gpuFramework,
    gpuSupport: gpuFramework !== null,
    simd: field('SIMD instructions'),
    mpi: field('MPI library'),
    dataPrefix: field('Data prefix'),
  };
}

/**
 * Runs `gmx --version` and describes the build.
 * @throws {GmxNotFoundError} when the binary cannot be started.
 */
export async function detectGromacs(
  options: GmxOptions & { signal?: AbortSignal } = {},
): Promise<GromacsInfo> {
  const gmx = new GmxProcess(options);
  const { stdout, stderr } = await gmx.exec(null, ['--version'], {
    cwd: process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return parseGmxVersion(`${stdout}\n${stderr}`, gmx.path);
}

/** A GPU the machine has. */
export interface GpuDevice {
  /** Device index as CUDA numbers it (the value for `-gpu_id`). */
  readonly index: number;
  readonly name: string;
  readonly memoryMiB: number | null;
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length < 2 || !/^\d+$/.test(parts[0] ?? '')) continue;
    const memory = Number(parts[2]);
    devices.push({
      index: Number(parts[0]),
      name: parts[1] ?? '',
      memoryMiB: Number.isFinite(memory) && parts[2] !== '' ? memory : null,
    });
  }
  return devices;
}

/**
 * NVIDIA GPUs visible to this process, from `nvidia-smi`; empty when the tool is absent or finds
 * none (the usual case on CPU-only machines). Honours `CUDA_VISIBLE_DEVICES` the way CUDA does,
 * renumbering the visible devices from 0.
 */
export async function detectGpus(
  options: { nvidiaSmiPath?: string; timeoutMs?: number } = {},
): Promise<GpuDevice[]> {
  const result = await execa(
    options.nvidiaSmiPath ?? 'nvidia-smi',
    ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'],
    { reject: false, timeout: options.timeoutMs ?? 10_000 },
  );
  if (result.failed || typeof result.stdout !== 'string') return [];
  return visibleGpus(parseNvidiaSmi(result.stdout), process.env.CUDA_VISIBLE_DEVICES);
}

/**
 * The devices a CUDA program sees under `CUDA_VISIBLE_DEVICES` (a comma-separated list of
 * physical indices), renumbered from 0 in the listed order; all devices when it is unset.
 */
export function visibleGpus(
  all: readonly GpuDevice[],
  cudaVisibleDevices: string | undefined,
): GpuDevice[] {
  if (cudaVisibleDevices === undefined) return [...all];
  const wanted = cudaVisibleDevices
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  return wanted
    .map((physical, cudaIndex) => {
      const device = all.find((d) => d.index === physical);
      return device ? { ...device, index: cudaIndex } : null;
    })
    .filter((d): d is GpuDevice => d !== null);
}

/**
 * Whether mdrun may be given GPU work here: the build has GPU support and at least one device is
 * visible. The result feeds {@link planResources} (`gpus`) and {@link applyGpuAvailability}.
 */
export async function detectGpuOffload(
  options: GmxOptions & { nvidiaSmiPath?: string } = {},
): Promise<{ gpuSupport: boolean; deviceIds: number[]; info: GromacsInfo; devices: GpuDevice[] }> {
  const info = await detectGromacs(options);
  const devices = info.gpuSupport ? await detectGpus(options) : [];
  return {
    gpuSupport: info.gpuSupport && devices.length > 0,
    deviceIds: devices.map((d) => d.index),
    info,
    devices,
  };
}
