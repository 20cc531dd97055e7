import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CheckOutcome,
  caPositionsOf,
  JobNotVerifiableError,
  type MinerArtefacts,
  type OtherSubmission,
  type Verdict,
  type VerdictMeasurements,
} from '@fold/energy-verifier';
import { parseTrr, type TrrFrame, writeFileAtomic } from '@fold/gromacs-runner';
import { InvalidTransitionError, type ValidatorJob } from '@fold/job-store';
import type { RoundOutcome } from '@fold/scoring';
import { type BundleFile, FoldArtefacts, readBundleFiles, writeBundleToDir } from '@fold/synapse';
import { mapWithLimit } from './concurrency.js';
import type { ValidatorContext } from './context.js';
import { jobLayout } from './job-layout.js';
import { endJob } from './job-lifecycle.js';
import { rebaseJob } from './rebase.js';
import {
  parseGro,
  renderGro,
  renderStructurePdb,
  type Structure,
  structureFromFrame,
  structureMetrics,
} from './structure.js';
import type { Claim } from './validator-state.js';

/** Reasons the validator itself gives when it could not get what a claim needs. */
export const VALIDATOR_REASONS = {
  ARTEFACTS_UNAVAILABLE: 'the miner did not deliver the artefacts of its claimed frame',
  ARTEFACTS_REFUSED: 'the miner answered that the claimed frame is not available',
} as const;

/** A verdict as the validator keeps it (beside the job record) and the dashboard shows it. */
export interface VerdictRecord {
  readonly at: number;
  readonly jobId: string;
  readonly uid: number;
  readonly hotkey: string;
  readonly minerJobId: string;
  readonly generation: number;
  readonly stage: string;
  readonly step: number;
  readonly commitment: string;
  readonly committedAtMs: number;
  readonly claimedEnergyKjMol: number;
  readonly accepted: boolean;
  /** The validator's recomputed potential energy, kJ/mol (what is scored). */
  readonly energyKjMol: number | null;
  readonly reasons: readonly {
    readonly code: string;
    readonly check: string;
    readonly message: string;
  }[];
  readonly checks: readonly CheckOutcome[];
  readonly measurements: VerdictMeasurements | null;
  /** Time to fetch the artefacts and to verify them, ms. */
  readonly fetchMs: number;
  readonly verifyMs: number;
  /** Bytes of the artefacts fetch on the wire. */
  readonly artefactBytes: number;
}

/** What {@link verifyClaims} did. */
export interface VerificationSummary {
  readonly verdicts: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly retried: number;
  readonly closedRounds: number;
  readonly endedJobs: number;
}

type Judgement =
  | { readonly kind: 'verdict'; readonly record: VerdictRecord; readonly frame: TrrFrame | null }
  | { readonly kind: 'retry' }
  | { readonly kind: 'gone' };

function claimKeyOf(claim: Claim): string {
  return `${claim.jobId}:${claim.uid}:${claim.commitment}`;
}

/**
 * Judges the claims whose artefacts {@link fetchArtefacts} brought in (frame, .edr, .log, .tpr):
 * verifies them with the job's verifier (against other miners'
 * earlier frames too), records the verdict in the job table (idempotent: one per job, miner and
 * commitment) and beside it in full, and feeds the score book: a verified energy (the
 * validator's own recomputation) or a failure. When a job has no claim left, its round closes;
 * an improved best is written out as the job's best structure (and offered to the other miners
 * when rebasing is on), and a job the book stops early ends. A claim whose verdict is retryable
 * (the miner has not yet run far enough past the frame) waits for the next run.
 */
export async function verifyClaims(
  context: ValidatorContext,
  signal: AbortSignal,
): Promise<VerificationSummary> {
  let verdicts = 0;
  let accepted = 0;
  let retried = 0;
  let closedRounds = 0;
  let endedJobs = 0;
  const pending = (await context.state.pendingClaims()).filter((c) => c.fetched !== undefined);
  const byJob = new Map<string, Claim[]>();
  for (const claim of pending) byJob.set(claim.jobId, [...(byJob.get(claim.jobId) ?? []), claim]);

  for (const [jobId, claims] of byJob) {
    if (signal.aborted) break;
    const job = await context.jobs.get(jobId);
    if (
      job === undefined ||
      job.status !== 'active' ||
      !context.ledger.book.openJobIds().includes(jobId)
    ) {
      for (const claim of claims) await context.state.removeClaim(claim);
      continue;
    }
    // Of a miner's claims waiting together only its lowest needs verifying: it supersedes the
    // others, and if it fails the miner forfeits the job and the others count for nothing.
    const lowest = lowestClaimPerMiner(claims);
    let judgements: Judgement[];
    try {
      judgements = await mapWithLimit(claims, context.config.verifyConcurrency, async (claim) => {
        // A claim of a miner barred since its round, or made moot by the miner's own lower
        // claim, is dropped unverified, unless its verdict was already made (a restart between
        // the verdict and its scoring).
        const made = await context.state.verdictDetail(claim.jobId, claim.uid, claim.commitment);
        const moot = lowest.get(claim.uid) !== claim || !stillCounts(context, claim);
        if (made === undefined && moot) {
          await rm(claimArtefactsDir(context.config.workDir, claim), {
            recursive: true,
            force: true,
          });
          return { kind: 'gone' } as const;
        }
        return judge(context, job, claim, signal);
      });
    } catch (error) {
      if (!(error instanceof JobNotVerifiableError)) throw error;
      await endJob(
        context,
        jobId,
        'failed',
        `the job cannot be verified: ${error.message}`.slice(0, 500),
      );
      endedJobs++;
      continue;
    }
    const book = context.ledger.book;
    const inRound = new Set<number>();
    const frames = new Map<number, { frame: TrrFrame; record: VerdictRecord }>();
    let outcome: RoundOutcome | null = null;
    for (const [i, judgement] of judgements.entries()) {
      const claim = claims[i] as Claim;
      if (judgement.kind === 'gone') {
        await context.state.removeClaim(claim);
        continue;
      }
      if (judgement.kind === 'retry') {
        retried++;
        continue;
      }
      const { record } = judgement;
      try {
        await recordVerdict(context, job, record);
      } catch (error) {
        // The job ended while the claim was verified.
        if (!(error instanceof InvalidTransitionError)) throw error;
        await context.state.removeClaim(claim);
        continue;
      }
      verdicts++;
      if (record.accepted) accepted++;
      const key = claimKeyOf(claim);
      if (!context.ledger.hasApplied(key) && book.openJobIds().includes(jobId)) {
        // One entry per miner and round: a second verdict of the same miner opens a new round.
        if (inRound.has(claim.uid)) {
          outcome = book.closeRound(jobId, context.now());
          closedRounds++;
          inRound.clear();
        }
        inRound.add(claim.uid);
        if (record.accepted && record.energyKjMol !== null) {
          const verifier = await context.verifiers.get(jobId, claim.generation, claim.minerJobId);
          const ca =
            judgement.frame === null ? undefined : caPositionsOf(verifier.system, judgement.frame);
          book.recordResult({
            jobId,
            uid: claim.uid,
            hotkey: claim.hotkey,
            energyKjMol: record.energyKjMol,
            committedAtMs: claim.committedAtMs,
            ...(ca !== undefined && ca.length > 0 ? { caCoordinatesNm: ca } : {}),
          });
          if (judgement.frame !== null) frames.set(claim.uid, { frame: judgement.frame, record });
        } else {
          book.recordFailure({ jobId, uid: claim.uid, hotkey: claim.hotkey });
        }
        context.ledger.markApplied(key);
        await context.ledger.save();
      }
      await context.state.removeClaim(claim);
    }
    // The verdicts of this pass make a round: closed now, so that no entry of a miner waits in
    // an open round for its next verdict (the book takes one per miner and round).
    if (inRound.size > 0 && book.openJobIds().includes(jobId)) {
      outcome = book.closeRound(jobId, context.now());
      closedRounds++;
    }
    await context.ledger.save();
    if (outcome === null) continue;
    if (outcome.improved && outcome.holder !== null) {
      const best = frames.get(outcome.holder);
      if (best !== undefined) await keepBestStructure(context, job, best.frame, best.record);
      if (context.config.rebase && best !== undefined && outcome.ended === null)
        await rebaseJob(context, jobId, outcome.holder);
    }
    if (outcome.ended !== null) {
      await endJob(context, jobId, 'early-stopped', `early stop: ${outcome.ended}`);
      endedJobs++;
    }
  }
  return { verdicts, accepted, rejected: verdicts - accepted, retried, closedRounds, endedJobs };
}

/** Records a verdict in the job table (once) and in full beside it, and counts it. */
async function recordVerdict(
  context: ValidatorContext,
  job: ValidatorJob,
  record: VerdictRecord,
): Promise<void> {
  const book = context.ledger.book;
  const epsilon = book.openJobIds().includes(job.jobId) ? book.jobView(job.jobId).epsilonKjMol : 0;
  const reason = record.reasons
    .map((r) => `${r.code}: ${r.message}`)
    .join('; ')
    .slice(0, 512);
  const { applied } = await context.jobs.transition(
    job.jobId,
    {
      type: 'record-verdict',
      uid: record.uid,
      hotkey: record.hotkey,
      accepted: record.accepted,
      step: record.step,
      commitment: record.commitment,
      ...(record.energyKjMol === null ? {} : { energyKjMol: record.energyKjMol }),
      ...(reason === '' ? {} : { reason }),
      epsilonKjMol: Number.isFinite(epsilon) ? Math.max(0, epsilon) : 0,
    },
    { transitionId: `verdict:${job.jobId}:${record.uid}:${record.commitment}` },
  );
  if (!applied) return;
  await context.state.countVerdict(record.uid, record.accepted);
  context.metrics.verifications.inc({
    outcome: record.accepted ? 'accepted' : 'rejected',
    reason: record.reasons[0]?.code ?? 'none',
  });
  context.metrics.verificationSeconds.observe((record.fetchMs + record.verifyMs) / 1000);
  context.logger.info(
    {
      event: 'verdict.recorded',
      jobId: job.jobId,
      uid: record.uid,
      accepted: record.accepted,
      claimedEnergyKjMol: record.claimedEnergyKjMol,
      energyKjMol: record.energyKjMol,
      reasons: record.reasons.map((r) => r.code),
      checks: record.checks.map(
        (c) => `${c.name}:${c.ok ? 'ok' : c.skipped ? 'skipped' : 'failed'}:${c.ms}ms`,
      ),
      fetchMs: record.fetchMs,
      verifyMs: record.verifyMs,
    },
    `uid ${record.uid} ${record.accepted ? 'verified' : 'rejected'} in ${job.jobId}${
      record.accepted ? ` at ${record.energyKjMol?.toFixed(1)} kJ/mol` : `: ${reason}`
    }`,
  );
}

/** A verdict of the validator's own, for claims whose artefacts never came. */
function validatorVerdict(
  claim: Claim,
  code: keyof typeof VALIDATOR_REASONS,
  message: string,
  timing: { fetchMs: number; artefactBytes: number },
  now: number,
): VerdictRecord {
  return {
    at: now,
    jobId: claim.jobId,
    uid: claim.uid,
    hotkey: claim.hotkey,
    minerJobId: claim.minerJobId,
    generation: claim.generation,
    stage: claim.stage,
    step: claim.step,
    commitment: claim.commitment,
    committedAtMs: claim.committedAtMs,
    claimedEnergyKjMol: claim.energyKjMol,
    accepted: false,
    energyKjMol: null,
    reasons: [{ code, check: 'artefacts', message }],
    checks: [],
    measurements: null,
    fetchMs: timing.fetchMs,
    verifyMs: 0,
    artefactBytes: timing.artefactBytes,
  };
}

/** Each miner's claim of lowest energy (the latest on a tie). Pure. */
export function lowestClaimPerMiner(claims: readonly Claim[]): Map<number, Claim> {
  const lowest = new Map<number, Claim>();
  for (const claim of claims) {
    const held = lowest.get(claim.uid);
    if (
      held === undefined ||
      claim.energyKjMol < held.energyKjMol ||
      (claim.energyKjMol === held.energyKjMol && claim.committedAtMs > held.committedAtMs)
    )
      lowest.set(claim.uid, claim);
  }
  return lowest;
}

/**
 * Whether a claim still counts: its job is open in the score book and its miner has not
 * forfeited the job since the claim was queued (a rejected claim bars the miner). A claim that no
 * longer beats the best is still verified: the verdict is the miner's record, and the
 * exploration bonus pays verified conformations near the best.
 */
function stillCounts(context: ValidatorContext, claim: Claim): boolean {
  const book = context.ledger.book;
  if (!book.openJobIds().includes(claim.jobId)) return false;
  return !book.jobView(claim.jobId).barred.includes(claim.uid);
}

/** The directory a claim's artefacts wait in between their fetch and their verification. */
function claimArtefactsDir(workDir: string, claim: Claim): string {
  return join(
    jobLayout(workDir, claim.jobId).artefactsDir,
    `${claim.uid}-${claim.commitment.slice(0, 16)}`,
  );
}

/** What {@link fetchArtefacts} did. */
export interface FetchSummary {
  readonly fetched: number;
  readonly waiting: number;
  readonly superseded: number;
  readonly failed: number;
}

/**
 * Fetches the artefacts of claims as soon as they can be verified: once the miner's last report
 * shows it has run the reproduction window past the frame (its `.edr` then holds the energies
 * the verifier compares), and before the miner commits a better frame and drops this one's
 * files. The files wait in the job's `artefacts/` directory for {@link verifyClaims}, so that a
 * slow verification never makes a later fetch late. A frame the miner no longer has (it
 * committed a better one) is forgotten; a miner that does not deliver after `maxFailedQueries`
 * attempts gets a rejection.
 */
export async function fetchArtefacts(
  context: ValidatorContext,
  signal: AbortSignal,
): Promise<FetchSummary> {
  const { config } = context;
  const claims = (await context.state.pendingClaims()).filter((c) => c.fetched === undefined);
  let fetched = 0;
  let waiting = 0;
  let superseded = 0;
  let failed = 0;
  const jobs = new Map<string, ValidatorJob | undefined>();
  for (const claim of claims)
    if (!jobs.has(claim.jobId)) jobs.set(claim.jobId, await context.jobs.get(claim.jobId));
  const snapshot = await context.directory.snapshot();
  await mapWithLimit(claims, config.queryConcurrency, async (claim) => {
    const job = jobs.get(claim.jobId);
    const assignment = job?.assignments.find(
      (a) => a.uid === claim.uid && a.hotkey === claim.hotkey,
    );
    const miner = snapshot.miners.find((m) => m.uid === claim.uid && m.hotkey === claim.hotkey);
    if (
      job === undefined ||
      job.status !== 'active' ||
      assignment === undefined ||
      miner === undefined
    ) {
      await context.state.removeClaim(claim);
      return;
    }
    let window: number;
    try {
      window = (await context.verifiers.get(claim.jobId, claim.generation, claim.minerJobId))
        .tolerances.reproductionWindowSteps;
    } catch (error) {
      // An unverifiable job ends at its next verification run.
      if (error instanceof JobNotVerifiableError) return;
      throw error;
    }
    const reported = (await context.state.minerStates(claim.jobId)).get(claim.uid)?.lastReport;
    const live = assignment.state === 'assigned' || assignment.state === 'running';
    if (
      live &&
      reported !== undefined &&
      reported.state === 'running' &&
      reported.step < claim.step + window
    ) {
      waiting++;
      return;
    }
    const attempts = (claim.attempts ?? 0) + 1;
    const started = performance.now();
    const result = await context.caller.call(
      miner,
      FoldArtefacts,
      {
        job_id: claim.minerJobId,
        stage: claim.stage as 'em' | 'nvt' | 'npt' | 'md',
        step: claim.step,
        want: ['frame', 'edr', 'log', 'tpr'],
        held_sha256: [],
      },
      { timeoutMs: config.artefactsTimeoutSeconds * 1000, signal },
    );
    const timing = {
      fetchMs: Math.round(performance.now() - started),
      artefactBytes: result.bytesSent + result.bytesReceived,
    };
    if (result.ok && result.response.error === 'frame_unavailable') {
      // The miner committed a better frame since (it keeps only its best): that one is claimed
      // on its own.
      superseded++;
      context.logger.debug(
        { event: 'claim.superseded', jobId: claim.jobId, uid: claim.uid, step: claim.step },
        `uid ${claim.uid}'s frame at step ${claim.step} was superseded`,
      );
      await context.state.removeClaim(claim);
      return;
    }
    if (!result.ok || result.response.error === 'not_ready') {
      if (attempts < config.maxFailedQueries) {
        await context.state.updateClaim({ ...claim, attempts });
        return;
      }
      failed++;
      const message = result.ok
        ? `the frame was still not ready after ${attempts} attempts`
        : `${attempts} fetches failed, the last with ${result.statusCode} ${result.statusMessage}`;
      await context.state.saveVerdictDetail(
        claim.jobId,
        claim.uid,
        claim.commitment,
        validatorVerdict(claim, 'ARTEFACTS_UNAVAILABLE', message, timing, context.now()),
      );
      await context.state.updateClaim({
        ...claim,
        attempts,
        fetched: {
          atMs: context.now(),
          fetchMs: timing.fetchMs,
          bytes: timing.artefactBytes,
          files: {},
        },
      });
      return;
    }
    if (result.response.error !== null) {
      failed++;
      await context.state.saveVerdictDetail(
        claim.jobId,
        claim.uid,
        claim.commitment,
        validatorVerdict(
          claim,
          'ARTEFACTS_REFUSED',
          `the miner answered ${result.response.error}`,
          timing,
          context.now(),
        ),
      );
      await context.state.updateClaim({
        ...claim,
        attempts,
        fetched: {
          atMs: context.now(),
          fetchMs: timing.fetchMs,
          bytes: timing.artefactBytes,
          files: {},
        },
      });
      return;
    }
    // Only the roles asked for, under the names the bundle checked; nothing else is written.
    const files: Partial<Record<'frame' | 'edr' | 'log' | 'tpr', string>> = {};
    const toWrite: BundleFile[] = [];
    for (const role of ['frame', 'edr', 'log', 'tpr'] as const) {
      const name = result.response.files[role];
      const bytes = result.bundles.bundle?.entries.find((e) => e.name === name)?.bytes;
      if (name === undefined || bytes === undefined || toWrite.some((f) => f.name === name))
        continue;
      files[role] = name;
      toWrite.push({ name, bytes });
    }
    const dir = claimArtefactsDir(config.workDir, claim);
    await mkdir(dir, { recursive: true });
    await writeBundleToDir(dir, toWrite);
    await context.state.updateClaim({
      ...claim,
      attempts,
      fetched: { atMs: context.now(), fetchMs: timing.fetchMs, bytes: timing.artefactBytes, files },
    });
    fetched++;
  });
  return { fetched, waiting, superseded, failed };
}

async function judge(
  context: ValidatorContext,
  job: ValidatorJob,
  claim: Claim,
  signal: AbortSignal,
): Promise<Judgement> {
  const { config } = context;
  const fetchedAs = claim.fetched;
  if (fetchedAs === undefined) return { kind: 'retry' };
  // A verdict made before (a crash, or the validator's own for missing artefacts) is not made again.
  const kept = (await context.state.verdictDetail(claim.jobId, claim.uid, claim.commitment)) as
    | VerdictRecord
    | undefined;
  if (kept !== undefined)
    return { kind: 'verdict', record: kept, frame: await keptFrame(context, claim) };

  const assignment = job.assignments.find((a) => a.uid === claim.uid && a.hotkey === claim.hotkey);
  if (assignment === undefined) return { kind: 'gone' };
  const dir = claimArtefactsDir(config.workDir, claim);
  const roles = Object.entries(fetchedAs.files) as ['frame' | 'edr' | 'log' | 'tpr', string][];
  const read = await readBundleFiles(
    dir,
    roles.map(([, name]) => name),
  );
  const artefacts: MinerArtefacts = Object.fromEntries(
    roles.map(([role], i) => [role, (read[i] as BundleFile).bytes]),
  );
  const verifier = await context.verifiers.get(claim.jobId, claim.generation, claim.minerJobId);
  const verifyStarted = performance.now();
  const verdict: Verdict = await verifier.verify({
    minerHotkey: claim.hotkey,
    assignedSeed: claim.seed,
    claim: {
      stage: claim.stage,
      step: claim.step,
      potentialKjMol: claim.energyKjMol,
      commitment: claim.commitment,
      committedAt: claim.committedAtMs,
    },
    artefacts,
    elapsedWallMs: Math.max(1, fetchedAs.atMs - claim.assignedAtMs),
    otherSubmissions: await otherSubmissions(context, claim),
    signal,
  });
  const live = assignment.state === 'assigned' || assignment.state === 'running';
  if (verdict.retryable && live && (claim.attempts ?? 0) < 100) {
    // The energies after the frame were not in the fetched .edr yet: fetch again.
    const { fetched: _fetched, ...again } = claim;
    await context.state.updateClaim(again);
    await rm(dir, { recursive: true, force: true });
    return { kind: 'retry' };
  }
  const now = context.now();
  const record: VerdictRecord = {
    at: now,
    jobId: claim.jobId,
    uid: claim.uid,
    hotkey: claim.hotkey,
    minerJobId: claim.minerJobId,
    generation: claim.generation,
    stage: claim.stage,
    step: claim.step,
    commitment: claim.commitment,
    committedAtMs: claim.committedAtMs,
    claimedEnergyKjMol: claim.energyKjMol,
    accepted: verdict.accepted,
    energyKjMol: verdict.energyKjMol,
    reasons: verdict.reasons.map((r) => ({ code: r.code, check: r.check, message: r.message })),
    checks: verdict.checks,
    measurements: verdict.measurements,
    fetchMs: fetchedAs.fetchMs,
    verifyMs: Math.round(performance.now() - verifyStarted),
    artefactBytes: fetchedAs.bytes,
  };
  // Frames whose commitment holds are kept: later submissions are compared with them.
  let frame: TrrFrame | null = null;
  const commitmentOk = verdict.checks.find((c) => c.name === 'commitment')?.ok === true;
  if (artefacts.frame !== undefined && commitmentOk) {
    frame = parseTrr(artefacts.frame).frames[0] ?? null;
    const file = `${claim.uid}-${claim.commitment.slice(0, 16)}.trr`;
    const framesDir = jobLayout(config.workDir, claim.jobId).framesDir;
    await mkdir(framesDir, { recursive: true });
    await writeFileAtomic(join(framesDir, file), artefacts.frame);
    await context.state.addSubmission(claim.jobId, {
      uid: claim.uid,
      hotkey: claim.hotkey,
      commitment: claim.commitment,
      committedAtMs: claim.committedAtMs,
      file,
    });
  }
  const judgement = await finish(context, claim, record, frame);
  await rm(dir, { recursive: true, force: true });
  return judgement;
}

async function finish(
  context: ValidatorContext,
  claim: Claim,
  record: VerdictRecord,
  frame: TrrFrame | null,
): Promise<Judgement> {
  await context.state.saveVerdictDetail(claim.jobId, claim.uid, claim.commitment, record);
  return { kind: 'verdict', record, frame };
}

/** The frame of a claim verified before a crash, from the job's frames directory. */
async function keptFrame(context: ValidatorContext, claim: Claim): Promise<TrrFrame | null> {
  const submission = (await context.state.submissions(claim.jobId)).find(
    (s) => s.uid === claim.uid && s.commitment === claim.commitment,
  );
  if (submission === undefined) return null;
  const bytes = await readFile(
    join(jobLayout(context.config.workDir, claim.jobId).framesDir, submission.file),
  );
  return parseTrr(bytes).frames[0] ?? null;
}

/** Other miners' verified frames of the same job, for the anti-copy check. */
async function otherSubmissions(
  context: ValidatorContext,
  claim: Claim,
): Promise<OtherSubmission[]> {
  const framesDir = jobLayout(context.config.workDir, claim.jobId).framesDir;
  const out: OtherSubmission[] = [];
  for (const s of await context.state.submissions(claim.jobId)) {
    if (s.hotkey === claim.hotkey) continue;
    const frame = await readFile(join(framesDir, s.file)).catch(() => undefined);
    if (frame === undefined) continue;
    out.push({ hotkey: s.hotkey, committedAt: s.committedAtMs, frame: new Uint8Array(frame) });
  }
  return out;
}

/**
 * Writes a job's new best frame as `best.trr`, `best.gro` and `best.pdb` (names from the job's
 * starting structure) and adds its RMSD to the start and radius of gyration to the job's series.
 */
export async function keepBestStructure(
  context: ValidatorContext,
  job: ValidatorJob,
  frame: TrrFrame,
  record: VerdictRecord,
): Promise<void> {
  if (frame.positionsNm === null) return;
  const view = await context.prepared.get(job.jobId);
  const layout = jobLayout(context.config.workDir, job.jobId);
  const template: Structure = parseGro(
    await readFile(join(layout.specDir, view.spec.structure), 'utf8'),
  );
  const structure = structureFromFrame(template, frame.positionsNm, frame.boxNm);
  const title = `${job.jobId} ${view.spec.pdbId} best frame: uid ${record.uid}, ${record.stage} step ${record.step}, ${record.energyKjMol?.toFixed(1)} kJ/mol`;
  await mkdir(layout.bestDir, { recursive: true });
  await writeFileAtomic(join(layout.bestDir, 'best.gro'), renderGro(structure, title));
  await writeFileAtomic(join(layout.bestDir, 'best.pdb'), renderStructurePdb(structure, title));
  const metrics = structureMetrics(structure, view.spec.system.proteinAtomCount, view.startCaNm);
  await context.state.addStructurePoint(job.jobId, {
    at: record.at,
    uid: record.uid,
    hotkey: record.hotkey,
    stage: record.stage,
    step: record.step,
    energyKjMol: record.energyKjMol ?? record.claimedEnergyKjMol,
    rmsdNm: metrics.rmsdNm,
    radiusOfGyrationNm: metrics.radiusOfGyrationNm,
  });
  context.logger.info(
    {
      event: 'job.best',
      jobId: job.jobId,
      uid: record.uid,
      energyKjMol: record.energyKjMol,
      rmsdNm: metrics.rmsdNm,
      radiusOfGyrationNm: metrics.radiusOfGyrationNm,
    },
    `new best in ${job.jobId}: ${record.energyKjMol?.toFixed(1)} kJ/mol by uid ${record.uid}`,
  );
}
