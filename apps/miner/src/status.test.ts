import type { MinerAssignment } from '@fold/job-store';
import { describe, expect, it } from '@jest/globals';
import { formatBytes, renderStatus } from './status.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const job = (
  jobId: string,
  state: MinerAssignment['state'],
  extra: Partial<MinerAssignment> = {},
): MinerAssignment => ({
  id: `${HOTKEY}.${jobId}`,
  validatorHotkey: HOTKEY,
  validatorJobId: jobId,
  proteinId: '1l2y',
  params: { 'nsteps.nvt': 1_000 },
  seed: 1,
  deadlineAt: 1,
  state,
  stage: 'nvt',
  step: 250,
  filesDir: '/x',
  bytesUsed: 3 * 1024 * 1024,
  createdAt: 0,
  updatedAt: 5_000,
  version: 1,
  ...extra,
});

describe('renderStatus', () => {
  it('shows running jobs with stage, progress and speed, the queue depth and the disk', () => {
    const text = renderStatus({
      prefix: 'fold:miner:test',
      nowMs: 15_000,
      counts: { running: 2, queued: 1, received: 0, finished: 4 },
      jobs: [
        job('a', 'running', {
          nsPerDay: 10.5,
          bestEnergyKjMol: -95_380.7,
          bestStage: 'nvt',
          bestFrameStep: 0,
        }),
        job('b', 'running', { nsPerDay: 2 }),
        job('c', 'queued', { step: 0 }),
      ],
      totalSlots: 2,
      maxQueuedJobs: 1,
      disk: { usedBytes: 9 * 1024 * 1024, reservedBytes: 20 * 1024 * 1024, quotaBytes: 1024 ** 3 },
    });
    expect(text).toContain('running 2 of 2 slots, queue depth 1');
    expect(text).toContain('aggregate 12.50 ns/day');
    expect(text).toContain('disk 9.0 MiB used, 20.0 MiB reserved of 1.0 GiB');
    expect(text).toMatch(
      /a\s+5GrwvaEF…\s+running\s+nvt\s+250\/1000 \(25%\)\s+10\.50\s+-95380\.7 \(nvt@0\)\s+3\.0 MiB\s+10s ago/,
    );
    expect(text).toMatch(/c\s+5GrwvaEF…\s+queued/);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
