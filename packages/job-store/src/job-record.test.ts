import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidTransitionError } from './errors.js';
import {
  applyJobTransition,
  type JobStatus,
  type JobTransition,
  JobTransitionSchema,
  newJobRecord,
  TERMINAL_JOB_STATUSES,
  type ValidatorJobRecord,
  ValidatorJobRecordSchema,
} from './job-record.js';
import { RecordCodec } from './record-codec.js';

const HOTKEY_A = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const HOTKEY_B = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const HOTKEY_C = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const codec = new RecordCodec('validator job', ValidatorJobRecordSchema);
const transitionCodec = new RecordCodec('job transition', JobTransitionSchema);

function activeJob(): ValidatorJobRecord {
  let job = newJobRecord({ jobId: 'job-1', proteinId: '1ubq', params: { ff: 'charmm27' } }, 1_000);
  job = applyJobTransition(job, { type: 'start-preparing' }, 1_001) as ValidatorJobRecord;
  job = applyJobTransition(
    job,
    {
      type: 'assign',
      miners: [
        { uid: 1, hotkey: HOTKEY_A, seed: 11 },
        { uid: 2, hotkey: HOTKEY_B, seed: 22 },
      ],
    },
    1_002,
  ) as ValidatorJobRecord;
  return applyJobTransition(job, { type: 'activate' }, 1_003) as ValidatorJobRecord;
}

function verdict(
  uid: number,
  hotkey: string,
  energyKjMol: number,
  epsilonKjMol = 0,
): JobTransition {
  return {
    type: 'record-verdict',
    uid,
    hotkey,
    accepted: true,
    step: 100,
    energyKjMol,
    epsilonKjMol,
  };
}

describe('applyJobTransition', () => {
  it('walks a job from pending through preparing to active with assignments', () => {
    const job = activeJob();
    expect(job.status).toBe('active');
    expect(job.activatedAt).toBe(1_003);
    expect(job.assignments.map((a) => [a.uid, a.seed, a.state])).toEqual([
      [1, 11, 'assigned'],
      [2, 22, 'assigned'],
    ]);
    expect(codec.checkInput(job)).toBe(job);
  });

  it('treats re-applying the current status as no change', () => {
    expect(applyJobTransition(activeJob(), { type: 'activate' }, 2_000)).toBeUndefined();
  });

  it('refuses to reopen a finished job', () => {
    const ended = applyJobTransition(
      activeJob(),
      { type: 'end', status: 'finished' },
      2_000,
    ) as ValidatorJobRecord;
    expect(ended.endedAt).toBe(2_000);
    expect(() => applyJobTransition(ended, { type: 'activate' }, 2_001)).toThrow(
      InvalidTransitionError,
    );
    expect(() => applyJobTransition(ended, { type: 'end', status: 'failed' }, 2_001)).toThrow(
      /cannot end/,
    );
  });

  it('ignores assigning a miner that is already assigned with the same seed', () => {
    const job = activeJob();
    expect(
      applyJobTransition(
        job,
        { type: 'assign', miners: [{ uid: 1, hotkey: HOTKEY_A, seed: 11 }] },
        5,
      ),
    ).toBeUndefined();
  });

  it('refuses a seed already given to another miner', () => {
    const job = activeJob();
    expect(() =>
      applyJobTransition(
        job,
        { type: 'assign', miners: [{ uid: 3, hotkey: HOTKEY_C, seed: 22 }] },
        5,
      ),
    ).toThrow(/seed 22/);
  });

  it('refuses progress from a miner that was not assigned', () => {
    expect(() =>
      applyJobTransition(
        activeJob(),
        { type: 'record-progress', uid: 9, hotkey: HOTKEY_C, stage: 'nvt', step: 5 },
        5,
      ),
    ).toThrow(/not assigned/);
  });

  it('records progress and marks the assignment running', () => {
    const next = applyJobTransition(
      activeJob(),
      {
        type: 'record-progress',
        uid: 2,
        hotkey: HOTKEY_B,
        stage: 'npt',
        step: 500,
        energyKjMol: -1.5e5,
      },
      7_000,
    ) as ValidatorJobRecord;
    expect(next.assignments[1]).toMatchObject({
      state: 'running',
      lastProgress: { at: 7_000, stage: 'npt', step: 500, energyKjMol: -1.5e5 },
    });
  });

  it('keeps the best energy unless a new one beats it by more than epsilon', () => {
    let job = applyJobTransition(
      activeJob(),
      verdict(1, HOTKEY_A, -1000, 10),
      10,
    ) as ValidatorJobRecord;
    job = applyJobTransition(job, verdict(2, HOTKEY_B, -1005, 10), 20) as ValidatorJobRecord;
    expect(job.best).toMatchObject({ uid: 1, energyKjMol: -1000 });
    job = applyJobTransition(job, verdict(2, HOTKEY_B, -1011, 10), 30) as ValidatorJobRecord;
    expect(job.best).toMatchObject({ uid: 2, energyKjMol: -1011, at: 30 });
    expect(job.bestImprovedAt).toBe(30);
    expect(job.history.map((h) => h.energyKjMol)).toEqual([-1000, -1005, -1011]);
  });

  it('records a rejected verdict without touching the best result', () => {
    const job = applyJobTransition(
      activeJob(),
      {
        type: 'record-verdict',
        uid: 1,
        hotkey: HOTKEY_A,
        accepted: false,
        step: 5,
        reason: 'energy rose 3%',
      },
      10,
    ) as ValidatorJobRecord;
    expect(job.best).toBeUndefined();
    expect(job.history).toEqual([]);
    expect(job.verdicts).toEqual([
      { uid: 1, hotkey: HOTKEY_A, accepted: false, step: 5, reason: 'energy rose 3%', at: 10 },
    ]);
  });

  it('ignores a commitment it has already seen from that miner', () => {
    const t: JobTransition = {
      type: 'record-commitment',
      uid: 1,
      hotkey: HOTKEY_A,
      commitment: 'ab12',
      step: 3,
    };
    const once = applyJobTransition(activeJob(), t, 10) as ValidatorJobRecord;
    expect(once.commitments).toHaveLength(1);
    expect(applyJobTransition(once, t, 11)).toBeUndefined();
  });

  it('drops the oldest history entries beyond the log limit', () => {
    let job = activeJob();
    for (let i = 0; i < 5; i++)
      job = applyJobTransition(job, verdict(1, HOTKEY_A, -i), i, {
        logLimit: 3,
      }) as ValidatorJobRecord;
    expect(job.history.map((h) => h.energyKjMol)).toEqual([-2, -3, -4]);
    expect(job.best?.energyKjMol).toBe(-4);
  });

  it('keeps every reachable job valid against the stored schema and never leaves a terminal status', () => {
    const miners = [
      { uid: 1, hotkey: HOTKEY_A },
      { uid: 2, hotkey: HOTKEY_B },
    ];
    const minerArb = fc.constantFrom(...miners);
    const transitionArb: fc.Arbitrary<JobTransition> = fc.oneof(
      fc.constant<JobTransition>({ type: 'start-preparing' }),
      fc.constant<JobTransition>({ type: 'activate' }),
      fc
        .constantFrom(...TERMINAL_JOB_STATUSES)
        .map((status) => ({ type: 'end', status }) as JobTransition),
      fc
        .tuple(minerArb, fc.integer({ min: 0, max: 3 }))
        .map(([m, seed]) => ({ type: 'assign', miners: [{ ...m, seed }] }) as JobTransition),
      fc
        .tuple(
          minerArb,
          fc.integer({ min: 0, max: 10_000 }),
          fc.double({ min: -1e7, max: 1e7, noNaN: true }),
        )
        .map(
          ([m, step, energyKjMol]) =>
            ({ type: 'record-progress', ...m, stage: 'md', step, energyKjMol }) as JobTransition,
        ),
      fc
        .tuple(
          minerArb,
          fc.boolean(),
          fc.double({ min: -1e7, max: 1e7, noNaN: true }),
          fc.double({ min: 0, max: 100, noNaN: true }),
        )
        .map(
          ([m, accepted, energyKjMol, epsilonKjMol]) =>
            ({
              type: 'record-verdict',
              ...m,
              accepted,
              step: 1,
              energyKjMol,
              epsilonKjMol,
            }) as JobTransition,
        ),
    );
    fc.assert(
      fc.property(fc.array(transitionArb, { maxLength: 40 }), (transitions) => {
        let job = newJobRecord({ jobId: 'p', proteinId: '1l2y', params: {} }, 0);
        let terminal: JobStatus | undefined;
        transitions.forEach((t, i) => {
          transitionCodec.checkInput(t);
          try {
            job = applyJobTransition(job, t, i + 1) ?? job;
          } catch (error) {
            if (!(error instanceof InvalidTransitionError)) throw error;
          }
          codec.checkInput(job);
          if (terminal !== undefined) expect(job.status).toBe(terminal);
          if (TERMINAL_JOB_STATUSES.includes(job.status)) terminal = job.status;
          const accepted = job.history.map((h) => h.energyKjMol);
          if (accepted.length > 0)
            expect(job.best?.energyKjMol).toBeLessThanOrEqual(accepted[0] as number);
        });
      }),
      { numRuns: 300 },
    );
  });
});
