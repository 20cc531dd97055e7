import { describe, expect, it } from '@jest/globals';
import {
  applyAssignmentUpdate,
  MinerAssignmentRecordSchema,
  newAssignmentRecord,
} from './assignment-record.js';
import { InvalidTransitionError } from './errors.js';
import { RecordCodec } from './record-codec.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const codec = new RecordCodec('miner assignment', MinerAssignmentRecordSchema);

function received() {
  return newAssignmentRecord(
    `${HOTKEY}.job-7`,
    {
      validatorHotkey: HOTKEY,
      validatorJobId: 'job-7',
      proteinId: '1l2y',
      params: { temperatureK: 300 },
      seed: 42,
      deadlineAt: 10_000,
      filesDir: '/var/lib/fold/miner/job-7',
    },
    1_000,
  );
}

describe('applyAssignmentUpdate', () => {
  it('starts in state received at step 0 of nvt, and matches the stored schema', () => {
    const record = received();
    expect(record).toMatchObject({ state: 'received', stage: 'nvt', step: 0, bytesUsed: 0 });
    expect(codec.checkInput(record)).toBe(record);
  });

  it('changes only the given fields and the update time', () => {
    const next = applyAssignmentUpdate(
      received(),
      { state: 'running', step: 250, bestEnergyKjMol: -321.5 },
      2_000,
    );
    expect(next).toMatchObject({
      state: 'running',
      step: 250,
      bestEnergyKjMol: -321.5,
      stage: 'nvt',
      updatedAt: 2_000,
    });
  });

  it('reports no change when every field already has the given value', () => {
    expect(
      applyAssignmentUpdate(received(), { state: 'received', step: 0 }, 2_000),
    ).toBeUndefined();
  });

  it('lets a running assignment go back to queued after a crash', () => {
    const running = applyAssignmentUpdate(received(), { state: 'running' }, 2) ?? received();
    expect(applyAssignmentUpdate(running, { state: 'queued' }, 3)?.state).toBe('queued');
  });

  it('refuses any change to a finished assignment', () => {
    const running = applyAssignmentUpdate(received(), { state: 'running' }, 2) ?? received();
    const finished = applyAssignmentUpdate(running, { state: 'finished' }, 3) ?? running;
    expect(() => applyAssignmentUpdate(finished, { step: 10 }, 4)).toThrow(InvalidTransitionError);
  });

  it('refuses to go from received straight to finished', () => {
    expect(() => applyAssignmentUpdate(received(), { state: 'finished' }, 4)).toThrow(
      /from received to finished/,
    );
  });
});
