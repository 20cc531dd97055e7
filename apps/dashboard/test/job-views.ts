import type { JobDetail, JobSummary } from '../src/api-schemas.js';

// API answers for unit tests of the pure views, shaped like the validator's own.

export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
/** Activation time of the fixture jobs, ms since the epoch. */
export const T0 = 1_800_000_000_000;

/** A job summary; `overrides` replace fields. */
export function jobSummary(overrides: Partial<JobSummary> = {}): JobSummary {
  return {
    jobId: 'o-0123456789abcdef',
    proteinId: '1l2y',
    source: 'organic',
    priority: 5,
    status: 'active',
    statusReason: null,
    createdAt: T0 - 20_000,
    activatedAt: T0,
    endedAt: null,
    params: { pdbId: '1l2y', forceField: 'charmm27', stages: 'md', mdSteps: 2000 },
    miners: { total: 2, running: 2, finished: 0 },
    bestEnergyKjMol: -98_700,
    bestUid: 1,
    verifiedResults: 3,
    rejectedResults: 1,
    ...overrides,
  };
}

/** A job in full with verified energies of two miners; `overrides` replace fields. */
export function jobDetail(overrides: Partial<JobDetail> = {}): JobDetail {
  const verified = [
    { at: T0 + 30_000, uid: 2, energyKjMol: -98_600, step: 400 },
    { at: T0 + 40_000, uid: 1, energyKjMol: -98_650, step: 600 },
    { at: T0 + 70_000, uid: 1, energyKjMol: -98_700, step: 1200 },
  ];
  return {
    ...jobSummary(),
    system: {
      hyperparameters: { forceField: 'charmm27', water: 'tip3p', box: 'dodecahedron' },
      atomCount: 6670,
      proteinAtomCount: 304,
      boxNm: [4.5, 4.5, 3.2, 0, 0, 1.6, 0, 1.6, 2.2],
      startEnergyKjMol: -98_664.8,
      title: 'TRP-CAGE',
    },
    stages: [{ name: 'md', nsteps: 2000 }],
    minerDetails: [1, 2].map((uid) => ({
      uid,
      hotkey: uid === 1 ? BOB : CHARLIE,
      state: 'running',
      stage: 'md',
      step: 1500,
      simulatedTimePs: 3,
      nsPerDay: 6.5,
      claimedEnergyKjMol: -98_700,
      lastReportAt: T0 + 80_000,
      error: null,
      verifiedEnergyKjMol: uid === 1 ? -98_700 : -98_600,
      accepted: uid === 1 ? 2 : 1,
      rejected: 0,
    })),
    best: { uid: 1, hotkey: BOB, energyKjMol: -98_700, step: 1200, at: T0 + 70_000 },
    energy: {
      best: [
        { at: T0 + 30_000, energyKjMol: -98_600, uid: 2 },
        { at: T0 + 40_000, energyKjMol: -98_650, uid: 1 },
        { at: T0 + 70_000, energyKjMol: -98_700, uid: 1 },
      ],
      verified,
    },
    structures: [
      {
        at: T0 + 70_000,
        uid: 1,
        step: 1200,
        energyKjMol: -98_700,
        rmsdNm: 0.12,
        radiusOfGyrationNm: 0.71,
      },
      {
        at: T0 + 30_000,
        uid: 2,
        step: 400,
        energyKjMol: -98_600,
        rmsdNm: 0.08,
        radiusOfGyrationNm: 0.7,
      },
    ],
    verdicts: verified.map((v) => ({
      ...v,
      hotkey: v.uid === 1 ? BOB : CHARLIE,
      accepted: true,
      reason: null,
    })),
    links: {
      self: '/api/jobs/o-0123456789abcdef',
      pdb: '/api/jobs/o-0123456789abcdef/best.pdb',
      gro: '/api/jobs/o-0123456789abcdef/best.gro',
    },
    ...overrides,
  };
}
