import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  JobNotVerifiableError,
  VerificationRequestError,
  VerifierClosedError,
  VerifierOptionsError,
} from '../src/errors.js';
import { JobVerifier, type VerificationRequest } from '../src/job-verifier.js';
import { HOTKEYS, ONE_HOUR_MS, preparedJob, shortStages, type TestJob } from './fixtures.js';

// The validator's own mistakes throw typed errors, before or instead of any gmx work.
let job: TestJob;
let work: string;

beforeAll(async () => {
  job = await preparedJob();
  work = await mkdtemp(join(tmpdir(), 'fold-verifier-errors-'));
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const request = (changes: Partial<VerificationRequest> = {}): VerificationRequest => ({
  minerHotkey: HOTKEYS.bob,
  assignedSeed: 1,
  claim: {
    stage: 'md',
    step: 50,
    potentialKjMol: -1e5,
    commitment: 'a'.repeat(64),
    committedAt: 0,
  },
  artefacts: {},
  elapsedWallMs: ONE_HOUR_MS,
  ...changes,
});

describe('JobVerifier.create', () => {
  it('refuses stages whose energies are written less often than the reproduction window', async () => {
    // The specification's own stages write energies every 500 steps.
    const error = await JobVerifier.create({ jobDir: job.dir, workDir: work }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobNotVerifiableError);
    expect((error as Error).message).toMatch(/every 500 steps.*verifiableStages/);
  });

  it('refuses to verify a restrained stage', async () => {
    await expect(
      JobVerifier.create({
        jobDir: job.dir,
        workDir: work,
        stages: shortStages(job.spec),
        eligibleStages: ['nvt'],
      }),
    ).rejects.toThrow(/position-restrained/);
  });

  it('refuses job files that do not match their sha256', async () => {
    const copy = join(work, 'tampered-job');
    await cp(job.dir, copy, { recursive: true });
    await writeFile(join(copy, job.spec.topology), '; edited\n', { flag: 'a' });
    const error = await JobVerifier.create({
      jobDir: copy,
      workDir: work,
      stages: shortStages(job.spec),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobNotVerifiableError);
    expect((error as Error).message).toMatch(/topol\.top does not match its sha256/);
  });

  it('refuses an invalid specification and bad options', async () => {
    await expect(
      JobVerifier.create({ jobDir: job.dir, jobSpec: { ...job.spec, seed: 'x' }, workDir: work }),
    ).rejects.toBeInstanceOf(JobNotVerifiableError);
    await expect(
      JobVerifier.create({ jobDir: job.dir, workDir: work, threads: 0 }),
    ).rejects.toBeInstanceOf(VerifierOptionsError);
    await expect(
      JobVerifier.create({ jobDir: job.dir, workDir: work, tolerances: { claimRelative: -1 } }),
    ).rejects.toThrow(/claimRelative/);
    await expect(
      JobVerifier.create({ jobDir: job.dir, workDir: work, jobId: 'a/b' }),
    ).rejects.toThrow(/jobId/);
  });
});

describe('JobVerifier.verify', () => {
  it('throws for a malformed request, naming the field, and after close', async () => {
    const verifier = await JobVerifier.create({
      jobDir: job.dir,
      workDir: work,
      stages: shortStages(job.spec),
    });
    for (const [changes, field] of [
      [{ minerHotkey: 'not-an-address' }, 'minerHotkey'],
      [{ assignedSeed: -1 }, 'assignedSeed'],
      [{ elapsedWallMs: Number.NaN }, 'elapsedWallMs'],
      [{ artefacts: { frame: 'bytes' as unknown as Uint8Array } }, 'artefacts.frame'],
      [{ claim: { ...request().claim, commitment: 'xyz' } }, 'claim.commitment'],
    ] as const) {
      const error = await verifier.verify(request(changes)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VerificationRequestError);
      expect((error as VerificationRequestError).details.field).toBe(field);
    }
    const empty = await verifier.verify(request());
    expect(empty.accepted).toBe(false);
    expect(empty.reasons.map((r) => r.code)).toEqual([
      'ARTEFACT_MISSING',
      'ARTEFACT_MISSING',
      'ARTEFACT_MISSING',
      'ARTEFACT_MISSING',
    ]);
    await verifier.close();
    await expect(verifier.verify(request())).rejects.toBeInstanceOf(VerifierClosedError);
  }, 120_000);
});
