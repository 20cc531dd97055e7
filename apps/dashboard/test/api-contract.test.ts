import { buildVerdict, CHECK_NAMES, reason } from '@fold/energy-verifier';
import { jobDetailView, leaderboardView, SubmitJobSchema } from '@fold/validator';
import { describe, expect, it } from '@jest/globals';
import { Value } from '@sinclair/typebox/value';
import { JobDetailSchema, JobSummarySchema, LeaderboardSchema } from '../src/api-schemas.js';
import { submitRulesFromOpenApi } from '../src/submit-form.js';
import { detailOf, measurementRows, readVerdictDetails } from '../src/verdict-details.js';
import { BOB, CHARLIE, T0 } from './job-views.js';

// The dashboard reads what the validator's own view functions write: these run them (they are
// pure) on a job record with every optional part present and absent, and check the answers
// against the dashboard's schemas. A field renamed on one side fails here first.

type JobInput = Parameters<typeof jobDetailView>[0];

const record: JobInput['job'] = {
  jobId: 'o-0123456789abcdef',
  proteinId: '1l2y',
  params: { pdbId: '1l2y', seed: 7, upload: false, stages: 'md', mdSteps: 2000 },
  priority: 5,
  source: 'organic',
  status: 'active',
  createdAt: T0 - 10_000,
  updatedAt: T0 + 80_000,
  activatedAt: T0,
  assignments: [
    {
      uid: 1,
      hotkey: BOB,
      seed: 11,
      assignedAt: T0,
      state: 'running',
      lastProgress: { at: T0 + 60_000, stage: 'md', step: 1200, energyKjMol: -98_700 },
    },
    { uid: 2, hotkey: CHARLIE, seed: 12, assignedAt: T0, state: 'assigned' },
  ],
  best: { uid: 1, hotkey: BOB, energyKjMol: -98_700, step: 1200, at: T0 + 70_000 },
  bestImprovedAt: T0 + 70_000,
  history: [
    { uid: 1, hotkey: BOB, energyKjMol: -98_650, step: 600, at: T0 + 40_000 },
    { uid: 1, hotkey: BOB, energyKjMol: -98_700, step: 1200, at: T0 + 70_000 },
  ],
  verdicts: [
    { uid: 1, hotkey: BOB, accepted: true, step: 600, energyKjMol: -98_650, at: T0 + 40_000 },
    {
      uid: 2,
      hotkey: CHARLIE,
      accepted: false,
      step: 800,
      reason: 'CLAIM_MISMATCH: claimed energy differs from the frame',
      at: T0 + 50_000,
    },
  ],
  commitments: [],
  version: 3,
} as JobInput['job'];

// A rejected frame's report as the validator stores it: the verifier's verdict plus the claim.
const verdict = buildVerdict({
  jobId: record.jobId,
  minerHotkey: CHARLIE,
  stage: 'md',
  step: 800,
  claimedEnergyKjMol: -103_000,
  energyKjMol: -98_600,
  reasons: [reason('CLAIM_MISMATCH', 'claimed energy differs from the frame by 4.4%')],
  checks: CHECK_NAMES.map((name) => ({ name, ok: name !== 'energy', skipped: false, ms: 12 })),
  measurements: {
    potentialKjMol: -98_600,
    claimRelative: -0.044,
    edrRelative: 1e-7,
    maxForceKjMolNm: 1800,
    rmsForceKjMolNm: 300,
    maxConstraintDeviation: 1e-5,
    closestAtomsNm: null,
    temperatureK: 299.2,
    kineticRelative: 0.01,
    gradientSigmas: 0.4,
    driftSigmas: 0.9,
    reproductionDeviation: 2e-7,
    reproductionSteps: 50,
    inputRmsdNm: 0.21,
    closestCopy: null,
    atomStepsPerSecond: 3.1e6,
  },
  totalMs: 4200,
});
const verdictRecord = {
  at: T0 + 50_000,
  jobId: record.jobId,
  uid: 2,
  hotkey: CHARLIE,
  minerJobId: record.jobId,
  generation: 0,
  stage: verdict.stage,
  step: verdict.step,
  commitment: 'ab'.repeat(32),
  committedAtMs: T0 + 45_000,
  claimedEnergyKjMol: verdict.claimedEnergyKjMol,
  accepted: verdict.accepted,
  energyKjMol: verdict.energyKjMol,
  reasons: verdict.reasons.map((r) => ({ code: r.code, check: r.check, message: r.message })),
  checks: verdict.checks,
  measurements: verdict.measurements,
  fetchMs: 180,
  verifyMs: 4200,
  artefactBytes: 120_000,
};

describe("the validator's API views", () => {
  it('write job details the dashboard reads', () => {
    const view = jobDetailView({
      job: record,
      spec: null,
      states: new Map(),
      structures: [
        {
          at: T0 + 70_000,
          uid: 1,
          hotkey: BOB,
          stage: 'md',
          step: 1200,
          energyKjMol: -98_700,
          rmsdNm: 0.1,
          radiusOfGyrationNm: 0.7,
        },
      ],
      verdictDetails: [verdictRecord],
      hasBestStructure: true,
    });
    expect([...Value.Errors(JobDetailSchema, view)].map((e) => e.path)).toEqual([]);
    expect(Value.Check(JobSummarySchema, view)).toBe(true);
  });

  it('write verification reports the job page reads beside each verdict', () => {
    const view = jobDetailView({
      job: record,
      spec: null,
      states: new Map(),
      structures: [],
      verdictDetails: [verdictRecord],
      hasBestStructure: false,
    });
    const { details, unreadable } = readVerdictDetails(view.verdictDetails);
    expect(unreadable).toBe(0);
    const rejected = view.verdicts.find((v) => !v.accepted);
    if (rejected === undefined) throw new Error('the fixture has a rejected verdict');
    const detail = detailOf(rejected, details);
    expect(detail?.reasons.map((r) => r.code)).toEqual(['CLAIM_MISMATCH']);
    expect(detail?.checks.find((c) => !c.ok)?.name).toBe('energy');
    expect(Object.fromEntries(measurementRows(detail ?? details[0]!))).toMatchObject({
      'claimed potential energy': '-103,000.0 kJ/mol',
      'claim vs recomputed (relative)': '-4.4e-2',
      'temperature of the frame': '299.2 K',
    });
  });

  it('write a new job without results the dashboard reads', () => {
    const fresh = {
      ...record,
      status: 'pending',
      activatedAt: undefined,
      best: undefined,
      assignments: [],
      history: [],
      verdicts: [],
    } as JobInput['job'];
    const view = jobDetailView({
      job: fresh,
      spec: null,
      states: new Map(),
      structures: [],
      verdictDetails: [],
      hasBestStructure: false,
    });
    expect([...Value.Errors(JobDetailSchema, view)].map((e) => e.path)).toEqual([]);
  });

  it('write a leaderboard the dashboard reads', () => {
    const miners = leaderboardView({
      scores: { uids: [1, 2], scores: [0.08, 0] },
      weights: { uids: [1, 2], weights: [1, 0] },
      hotkeyOf: (uid) => (uid === 1 ? BOB : null),
      verdictCounts: new Map([[2, { accepted: 0, rejected: 3 }]]),
      lastWeights: { at: T0, mode: 'set', blockNumber: 12, uids: [1], weights: [65_535] },
    });
    expect(Value.Check(LeaderboardSchema, { miners })).toBe(true);
    expect(miners).toHaveLength(2);
  });

  it('submit a body schema the form reads its choices from', () => {
    const rules = submitRulesFromOpenApi({
      paths: {
        '/api/jobs': {
          post: {
            requestBody: { content: { 'application/json': { schema: SubmitJobSchema } } },
          },
        },
      },
    });
    expect(rules.params.find((p) => p.key === 'forceField')?.options).toContain('charmm27');
    expect(rules.params.find((p) => p.key === 'temperatureK')?.kind).toBe('number');
    expect(rules.params.find((p) => p.key === 'mdSteps')?.kind).toBe('integer');
    expect(rules.stages).toEqual(['nvt', 'npt', 'md']);
  });
});
