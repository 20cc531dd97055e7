import { describe, expect, it } from '@jest/globals';
import { parseGmxVersion, parseNvidiaSmi, visibleGpus } from './detect.js';
import { GmxParseError } from './errors.js';

const debian = `                 :-) GROMACS - gmx, 2022.5-Debian_2022.5_2 (-:

Executable:   /usr/bin/gmx
Data prefix:  /usr
GROMACS version:    2022.5-Debian_2022.5_2
Precision:          mixed
Memory model:       64 bit
MPI library:        thread_mpi
OpenMP support:     enabled (GMX_OPENMP_MAX_THREADS = 128)
GPU support:        disabled
SIMD instructions:  SSE4.1
`;

describe('gmx --version', () => {
  it('reads a CPU-only Debian build', () => {
    expect(parseGmxVersion(debian, '/usr/bin/gmx')).toEqual({
      path: '/usr/bin/gmx',
      version: '2022.5-Debian_2022.5_2',
      major: 2022,
      precision: 'mixed',
      gpuFramework: null,
      gpuSupport: false,
      simd: 'SSE4.1',
      mpi: 'thread_mpi',
      dataPrefix: '/usr',
    });
  });

  it('reads a CUDA double-precision build', () => {
    const cuda = debian
      .replace('GPU support:        disabled', 'GPU support:        CUDA')
      .replace('Precision:          mixed', 'Precision:          double')
      .replace('SSE4.1', 'AVX2_256');
    expect(parseGmxVersion(cuda)).toMatchObject({
      gpuSupport: true,
      gpuFramework: 'CUDA',
      precision: 'double',
      simd: 'AVX2_256',
    });
  });

  it('fails on text that is not gmx --version output', () => {
    expect(() => parseGmxVersion('command not found')).toThrow(GmxParseError);
  });
});

describe('nvidia-smi', () => {
  it('reads devices from the CSV query', () => {
    expect(
      parseNvidiaSmi('0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n'),
    ).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
    ]);
  });

  it('reads nothing from an error message', () => {
    expect(
      parseNvidiaSmi(
        'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.',
      ),
    ).toEqual([]);
  });
});

describe('CUDA_VISIBLE_DEVICES', () => {
  const all = [
    { index: 0, name: 'A', memoryMiB: 1 },
    { index: 1, name: 'B', memoryMiB: 1 },
    { index: 2, name: 'C', memoryMiB: 1 },
  ];

  it('keeps every device when unset', () => {
    expect(visibleGpus(all, undefined)).toEqual(all);
  });

  it('keeps the listed devices, renumbered from 0 in the listed order', () => {
    expect(visibleGpus(all, '2,0')).toEqual([
      { index: 0, name: 'C', memoryMiB: 1 },
      { index: 1, name: 'A', memoryMiB: 1 },
    ]);
  });

  it('hides every device when empty or unknown', () => {
    expect(visibleGpus(all, '')).toEqual([]);
    expect(visibleGpus(all, '7')).toEqual([]);
  });
});
