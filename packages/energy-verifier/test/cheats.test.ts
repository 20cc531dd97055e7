import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbEntryPath } from '@fold/devkit';
import { type MdpParams, mergeMdp } from '@fold/gromacs-runner';
import { decodeEntryBytes, parsePdb } from '@fold/pdb-dataset';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobVerifier, type VerificationRequest } from '../src/job-verifier.js';
import type { Verdict } from '../src/verdict.js';
import {
  HOTKEYS,
  type MinerRun,
  minerRun,
  minerStages,
  ONE_HOUR_MS,
  preparedJob,
  type Submission,
  shortStages,
  submission,
  type TestJob,
} from './fixtures.js';
import {
  editLog,
  edrUpTo,
  edrValue,
  minimisedPositions,
  perturbed,
  recommit,
  replaceEdrValue,
  withFrame,
} from './tamper.js';

// Each cheat of the issue, made from a real honest run (1L2Y, 5,913 atoms, runner-made NVT 50 ->
// NPT 50 -> MD 250 steps) or from a real run with the cheat's own inputs, and rejected with its
// named reason. About 2 s of gmx per verification on one thread.
const SEED = 1111;
const VERIFY_MS = 120_000;

let job: TestJob;
let verifier: JobVerifier;
let honest: MinerRun;
let bob: Submission;
let work: string;

const codes = (v: Verdict) => v.reasons.map((r) => r.code);

function request(
  s: Submission,
  extra: Partial<VerificationRequest> = {},
  hotkey: string = HOTKEYS.bob,
): VerificationRequest {
  return {
    minerHotkey: hotkey,
    assignedSeed: SEED,
    claim: s.claim,
    artefacts: s.artefacts,
    elapsedWallMs: ONE_HOUR_MS,
    ...extra,
  };
}

/** A cheat run: the assigned short stages with some parameters changed. */
function cheatStages(change: Partial<Record<'nvt' | 'npt' | 'md', MdpParams>>) {
  return minerStages(shortStages(job.spec)).map((s) => ({
    ...s,
    mdp: mergeMdp(s.mdp, change[s.name as 'nvt' | 'npt' | 'md']),
  }));
}

beforeAll(async () => {
  job = await preparedJob();
  work = await mkdtemp(join(tmpdir(), 'fold-verifier-cheats-'));
  verifier = await JobVerifier.create({
    jobDir: job.dir,
    workDir: work,
    stages: shortStages(job.spec),
  });
  honest = await minerRun({ job, name: `honest-${SEED}`, seed: SEED });
  bob = await submission(honest, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
}, 600_000);

afterAll(async () => {
  await verifier?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the honest baseline', () => {
  it(
    'accepts the honest run the cheats below are made from',
    async () => {
      const verdict = await verifier.verify(request(bob));
      expect(verdict.reasons).toEqual([]);
      expect(verdict.accepted).toBe(true);
    },
    VERIFY_MS,
  );
});

describe('cheats on the frame', () => {
  it(
    'rejects perturbed coordinates: CONSTRAINTS_VIOLATED',
    async () => {
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => perturbed(f, 0.002));
      const verdict = await verifier.verify(request(cheat));
      expect(verdict.accepted).toBe(false);
      expect(codes(verdict)).toContain('CONSTRAINTS_VIOLATED');
    },
    VERIFY_MS,
  );

  it(
    'rejects a minimised frame, whose energy rises at once when continued: ENERGY_GRADIENT',
    async () => {
      const positions = await minimisedPositions(job, bob.artefacts.frame, 20, work);
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
        ...f,
        positionsNm: positions,
      }));
      const lowered = recommit(
        { ...cheat, claim: { ...cheat.claim, potentialKjMol: cheat.claim.potentialKjMol - 3000 } },
        verifier.jobId,
        HOTKEYS.bob,
      );
      const verdict = await verifier.verify(request(lowered));
      expect(verdict.accepted).toBe(false);
      expect(codes(verdict)).toContain('ENERGY_GRADIENT');
      expect(verdict.measurements.gradientSigmas).toBeGreaterThan(
        verifier.tolerances.gradientSigmas,
      );
    },
    VERIFY_MS,
  );

  it(
    'rejects a frame of another protein: ATOM_COUNT_MISMATCH',
    async () => {
      const other = await otherProteinPositions('1vii');
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
        ...f,
        atomCount: other.length / 3,
        positionsNm: other,
        velocitiesNmPs: new Float64Array(other.length),
      }));
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('ATOM_COUNT_MISMATCH');
    },
    VERIFY_MS,
  );

  it(
    'rejects another protein padded to the same atom count: CONSTRAINTS_VIOLATED',
    async () => {
      const other = await otherProteinPositions('1vii');
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => {
        const positions = Float64Array.from(f.positionsNm as Float64Array);
        positions.set(other.subarray(0, Math.min(other.length, positions.length)));
        return { ...f, positionsNm: positions };
      });
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('CONSTRAINTS_VIOLATED');
    },
    VERIFY_MS,
  );

  it(
    'rejects a frame with a wrong atom count: ATOM_COUNT_MISMATCH',
    async () => {
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
        ...f,
        atomCount: f.atomCount - 3,
        positionsNm: (f.positionsNm as Float64Array).subarray(0, 3 * (f.atomCount - 3)),
        velocitiesNmPs: (f.velocitiesNmPs as Float64Array).subarray(0, 3 * (f.atomCount - 3)),
      }));
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('ATOM_COUNT_MISMATCH');
      expect(verdict.checks.find((c) => c.name === 'energy')?.skipped).toBe(true);
    },
    VERIFY_MS,
  );

  it(
    'rejects NaN coordinates: COORDINATES_NOT_FINITE',
    async () => {
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => {
        const positions = Float64Array.from(f.positionsNm as Float64Array);
        positions[100] = Number.NaN;
        return { ...f, positionsNm: positions };
      });
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('COORDINATES_NOT_FINITE');
      expect(verdict.energyKjMol).toBeNull();
    },
    VERIFY_MS,
  );

  it(
    'rejects a scaled box, with or without the coordinates scaled along: BOX_INVALID',
    async () => {
      for (const scaleCoordinates of [false, true]) {
        const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
          ...f,
          boxNm: Float64Array.from(f.boxNm as Float64Array, (v) => v * 1.01),
          positionsNm: scaleCoordinates
            ? Float64Array.from(f.positionsNm as Float64Array, (v) => v * 1.01)
            : f.positionsNm,
        }));
        const verdict = await verifier.verify(request(cheat));
        expect(codes(verdict)).toContain('BOX_INVALID');
      }
    },
    2 * VERIFY_MS,
  );

  it(
    'rejects velocities scaled down: KINETIC_ENERGY_MISMATCH',
    async () => {
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
        ...f,
        velocitiesNmPs: Float64Array.from(f.velocitiesNmPs as Float64Array, (v) => v * 0.8),
      }));
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('KINETIC_ENERGY_MISMATCH');
    },
    VERIFY_MS,
  );

  it(
    "rejects the job's own starting structure: FRAME_IS_INPUT",
    async () => {
      const start = verifier.system.startPositionsNm;
      const cheat = withFrame(bob, verifier.jobId, HOTKEYS.bob, (f) => ({
        ...f,
        positionsNm: start,
      }));
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('FRAME_IS_INPUT');
    },
    VERIFY_MS,
  );
});

describe('cheats on the claim and the files', () => {
  it(
    'rejects a lowered claim, and only for that: CLAIM_MISMATCH',
    async () => {
      const cheat = {
        ...bob,
        claim: { ...bob.claim, potentialKjMol: bob.claim.potentialKjMol * 1.01 },
      };
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toEqual(['CLAIM_MISMATCH']);
      expect(verdict.energyKjMol).toBeCloseTo(bob.claim.potentialKjMol, -1);
    },
    VERIFY_MS,
  );

  it(
    'rejects an .edr edited to the lowered claim: EDR_INCONSISTENT and EDR_MISMATCH',
    async () => {
      const original = edrValue(bob.artefacts.edr, 'Potential', bob.claim.step);
      const lowered = Math.fround(original - 500);
      const edr = replaceEdrValue(bob.artefacts.edr, original, lowered);
      const cheat = {
        claim: { ...bob.claim, potentialKjMol: lowered },
        artefacts: { ...bob.artefacts, edr },
      };
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toEqual(
        expect.arrayContaining(['CLAIM_MISMATCH', 'EDR_MISMATCH', 'EDR_INCONSISTENT']),
      );
    },
    VERIFY_MS,
  );

  it(
    'rejects an .edr edited consistently in a term and its sums: EDR_MISMATCH and REPRODUCTION_MISMATCH',
    async () => {
      const step = bob.claim.step;
      let edr = bob.artefacts.edr;
      for (const term of ['Coulomb (SR)', 'Potential', 'Total Energy']) {
        const value = edrValue(edr, term, step);
        edr = replaceEdrValue(edr, value, Math.fround(value - 500));
      }
      const cheat = {
        claim: { ...bob.claim, potentialKjMol: edrValue(edr, 'Potential', step) },
        artefacts: { ...bob.artefacts, edr },
      };
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toEqual(
        expect.arrayContaining(['EDR_MISMATCH', 'REPRODUCTION_MISMATCH']),
      );
      expect(codes(verdict)).not.toContain('EDR_INCONSISTENT');
    },
    VERIFY_MS,
  );

  it(
    'rejects a log with edited energies (LOG_EDR_MISMATCH) or edited parameters (LOG_PARAMETERS_MISMATCH)',
    async () => {
      const energies = editLog(
        bob.artefacts.log,
        /(\n\s+Potential\s+Kinetic En\.[^\n]*\n\s+)-\d/,
        '$1-1',
      );
      const edited = await verifier.verify(
        request({ ...bob, artefacts: { ...bob.artefacts, log: energies } }),
      );
      expect(codes(edited)).toContain('LOG_EDR_MISMATCH');
      const parameters = editLog(bob.artefacts.log, /(\n\s+ref-t:\s+)\d+/, '$1345');
      const verdict = await verifier.verify(
        request({ ...bob, artefacts: { ...bob.artefacts, log: parameters } }),
      );
      expect(codes(verdict)).toEqual(['LOG_PARAMETERS_MISMATCH']);
    },
    2 * VERIFY_MS,
  );

  it(
    'rejects truncated or garbage files and names each: ARTEFACT_CORRUPT, ARTEFACT_MISSING',
    async () => {
      const truncated = recommit(
        { ...bob, artefacts: { ...bob.artefacts, frame: bob.artefacts.frame.subarray(0, 5000) } },
        verifier.jobId,
        HOTKEYS.bob,
      );
      const a = await verifier.verify(request(truncated));
      expect(a.reasons.map((r) => `${r.code}:${String(r.details.role)}`)).toContain(
        'ARTEFACT_CORRUPT:frame',
      );
      const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
      const b = await verifier.verify(
        request({
          ...bob,
          artefacts: {
            frame: bob.artefacts.frame,
            edr: garbage,
            tpr: garbage,
            log: new Uint8Array(),
          },
        }),
      );
      expect(b.reasons.map((r) => `${r.code}:${String(r.details.role)}`)).toEqual(
        expect.arrayContaining([
          'ARTEFACT_CORRUPT:edr',
          'ARTEFACT_CORRUPT:tpr',
          'ARTEFACT_MISSING:log',
        ]),
      );
      expect(b.accepted).toBe(false);
    },
    2 * VERIFY_MS,
  );

  it(
    'rejects more steps than the elapsed wall time allows: IMPLAUSIBLE_SPEED',
    async () => {
      const verdict = await verifier.verify(request(bob, { elapsedWallMs: 1 }));
      expect(codes(verdict)).toEqual(['IMPLAUSIBLE_SPEED']);
    },
    VERIFY_MS,
  );

  it(
    'rejects frames of restrained stages: STAGE_NOT_ELIGIBLE',
    async () => {
      const nvt = await submission(honest, {
        jobId: verifier.jobId,
        hotkey: HOTKEYS.bob,
        stage: 'nvt',
        step: 50,
      });
      const verdict = await verifier.verify(request(nvt));
      expect(codes(verdict)).toContain('STAGE_NOT_ELIGIBLE');
    },
    VERIFY_MS,
  );

  it(
    'asks to come back when the miner has not reached the reproduction window: REPRODUCTION_WINDOW_MISSING',
    async () => {
      const edr = edrUpTo(bob.artefacts.edr, bob.claim.step);
      const verdict = await verifier.verify(
        request({ ...bob, artefacts: { ...bob.artefacts, edr } }),
      );
      expect(codes(verdict)).toEqual(['REPRODUCTION_WINDOW_MISSING']);
      expect(verdict.retryable).toBe(true);
    },
    VERIFY_MS,
  );
});

describe('cheats on how the run was made', () => {
  it(
    'rejects masses edited in the topology: MASSES_EDITED, and REPRODUCTION_MISMATCH behind an honest run input',
    async () => {
      const topology = await editedMassesTopology(3);
      const run = await minerRun({ job, name: 'masses-x3', seed: SEED, topology });
      const cheat = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('MASSES_EDITED');
      const hidden = await verifier.verify(
        request({ ...cheat, artefacts: { ...cheat.artefacts, tpr: bob.artefacts.tpr } }),
      );
      expect(codes(hidden)).toContain('REPRODUCTION_MISMATCH');
      expect(codes(hidden)).not.toContain('MASSES_EDITED');
    },
    4 * VERIFY_MS,
  );

  it(
    'rejects a run made with another seed: SEED_MISMATCH',
    async () => {
      const run = await minerRun({ job, name: 'seed-2222', seed: 2222 });
      const cheat = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
      const verdict = await verifier.verify(request(cheat));
      expect(codes(verdict)).toContain('SEED_MISMATCH');
    },
    2 * VERIFY_MS,
  );

  it.each([
    ['cut-offs', { md: { rvdw: 0.9, rcoulomb: 0.9 } }, ['rcoulomb', 'rvdw']],
    ['temperature', { md: { 'ref-t': 345 } }, ['grpopts.ref-t']],
    ['steps', { md: { nsteps: 300 } }, ['nsteps']],
  ] as const)(
    'rejects a run with other %s: PARAMETERS_MISMATCH naming them',
    async (name, change, keys) => {
      const run = await minerRun({
        job,
        name: `params-${name}`,
        seed: SEED,
        stages: cheatStages(change),
      });
      const cheat = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
      const verdict = await verifier.verify(request(cheat));
      const mismatch = verdict.reasons.find((r) => r.code === 'PARAMETERS_MISMATCH');
      expect(mismatch).toBeDefined();
      const differences = (mismatch?.details.differences ?? []) as { key: string }[];
      expect(differences.map((d) => d.key)).toEqual(expect.arrayContaining([...keys]));
      expect(codes(verdict)).toContain('LOG_PARAMETERS_MISMATCH');
    },
    3 * VERIFY_MS,
  );

  it(
    'rejects a higher temperature hidden behind an honest run input and log: REPRODUCTION_MISMATCH',
    async () => {
      const run = await minerRun({
        job,
        name: 'params-temperature',
        seed: SEED,
        stages: cheatStages({ md: { 'ref-t': 345 } }),
      });
      const cheat = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
      const verdict = await verifier.verify(
        request({
          ...cheat,
          artefacts: { ...cheat.artefacts, tpr: bob.artefacts.tpr, log: bob.artefacts.log },
        }),
      );
      expect(codes(verdict)).toContain('REPRODUCTION_MISMATCH');
    },
    2 * VERIFY_MS,
  );
});

describe('a first stage that draws its own velocities (a rebase)', () => {
  // The md stage alone, starting from the job's structure with new velocities: its run input
  // stores the velocities gen-seed drew, which the verifier draws again with the assigned seed.
  const rebaseStages = () =>
    shortStages(job.spec)
      .filter((s) => s.name === 'md')
      .map((s) => ({
        ...s,
        mdp: mergeMdp(s.mdp, { 'gen-vel': 'yes', 'gen-temp': 315, continuation: 'no' }),
      }));

  it(
    'accepts velocities drawn with the assigned seed and rejects another gen-seed: SEED_MISMATCH',
    async () => {
      const rebase = await JobVerifier.create({
        jobDir: job.dir,
        workDir: work,
        stages: rebaseStages(),
      });
      try {
        const honestRun = await minerRun({
          job,
          name: 'rebase-honest',
          seed: SEED,
          stages: minerStages(rebaseStages()),
        });
        const fine = await submission(honestRun, { jobId: rebase.jobId, hotkey: HOTKEYS.bob });
        const accepted = await rebase.verify(request(fine));
        expect(accepted.reasons).toEqual([]);
        // Another gen-seed with the assigned ld-seed: only the drawn velocities tell.
        const stages = minerStages(rebaseStages()).map((s) => ({
          ...s,
          mdp: mergeMdp(s.mdp, { 'gen-seed': 999, 'ld-seed': SEED }),
        }));
        const cheatRun = await minerRun({
          job,
          name: 'rebase-gen-seed',
          seed: SEED,
          stages,
          seedsInStages: true,
        });
        const cheat = await submission(cheatRun, { jobId: rebase.jobId, hotkey: HOTKEYS.bob });
        const verdict = await rebase.verify(request(cheat));
        expect(codes(verdict)).toEqual(['SEED_MISMATCH']);
        expect(verdict.reasons[0]?.message).toMatch(/velocities/);
      } finally {
        await rebase.close();
      }
    },
    4 * VERIFY_MS,
  );
});

describe('copies', () => {
  const earlier = (s: Submission, hotkey: string) => ({
    hotkey,
    committedAt: s.claim.committedAt - 60_000,
    frame: s.artefacts.frame,
  });

  it(
    "rejects another miner's artefacts sent with that miner's commitment: COMMITMENT_MISMATCH",
    async () => {
      const verdict = await verifier.verify(request(bob, {}, HOTKEYS.charlie));
      expect(codes(verdict)).toContain('COMMITMENT_MISMATCH');
    },
    VERIFY_MS,
  );

  it(
    'rejects a copy committed under its own hotkey after the original: FRAME_COPIED',
    async () => {
      const copy = recommit(bob, verifier.jobId, HOTKEYS.charlie);
      const verdict = await verifier.verify(
        request(copy, { otherSubmissions: [earlier(bob, HOTKEYS.bob)] }, HOTKEYS.charlie),
      );
      expect(codes(verdict)).toEqual(['FRAME_COPIED']);
      expect(verdict.reasons[0]?.details.hotkey).toBe(HOTKEYS.bob);
    },
    VERIFY_MS,
  );

  it(
    'rejects a copy shifted across the box and wrapped back in: FRAME_COPIED',
    async () => {
      const copy = withFrame(bob, verifier.jobId, HOTKEYS.charlie, (f) => {
        return {
          ...f,
          positionsNm: shiftedAndWrapped(
            f.positionsNm as Float64Array,
            f.boxNm as Float64Array,
            [1.3, -0.7, 2.1],
          ),
        };
      });
      const verdict = await verifier.verify(
        request(copy, { otherSubmissions: [earlier(bob, HOTKEYS.bob)] }, HOTKEYS.charlie),
      );
      expect(codes(verdict)).toContain('FRAME_COPIED');
    },
    VERIFY_MS,
  );

  it(
    'keeps the earlier commitment: the original is accepted although a later copy exists',
    async () => {
      const copy = recommit(bob, verifier.jobId, HOTKEYS.charlie);
      const later = {
        hotkey: HOTKEYS.charlie,
        committedAt: bob.claim.committedAt + 1,
        frame: copy.artefacts.frame,
      };
      const verdict = await verifier.verify(request(bob, { otherSubmissions: [later] }));
      expect(verdict.accepted).toBe(true);
    },
    VERIFY_MS,
  );

  it(
    'accepts an independent honest run next to the original',
    async () => {
      const run = await minerRun({ job, name: 'honest-3333', seed: 3333 });
      const dave = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.dave });
      const verdict = await verifier.verify({
        ...request(dave, { otherSubmissions: [earlier(bob, HOTKEYS.bob)] }, HOTKEYS.dave),
        assignedSeed: 3333,
      });
      expect(verdict.reasons).toEqual([]);
      expect(verdict.measurements.closestCopy?.rmsdNm).toBeGreaterThan(0.05);
    },
    2 * VERIFY_MS,
  );
});

/** Heavy-atom positions of another PDB entry, nm, centred in the 1L2Y box. */
async function otherProteinPositions(id: string): Promise<Float64Array> {
  const entry = decodeEntryBytes(new Uint8Array(await readFile(pdbEntryPath(id))));
  const structure = parsePdb(entry.text);
  const atoms =
    structure.models[0]?.chains.flatMap((c) => c.residues.flatMap((r) => r.atoms)) ?? [];
  return Float64Array.from(atoms.flatMap((a) => [a.x / 10 + 2, a.y / 10 + 2, a.z / 10 + 2]));
}

/** The job's topology with every protein hydrogen's mass multiplied, written next to its includes. */
async function editedMassesTopology(factor: number): Promise<string> {
  const text = await readFile(join(job.dir, job.spec.topology), 'utf8');
  let inAtoms = false;
  const lines = text.split('\n').map((line) => {
    if (/^\s*\[\s*atoms\s*\]/.test(line)) inAtoms = true;
    else if (/^\s*\[/.test(line)) inAtoms = false;
    const fields = line.trim().split(/\s+/);
    if (
      !inAtoms ||
      line.trim().startsWith(';') ||
      fields.length < 8 ||
      !fields[4]?.startsWith('H')
    ) {
      return line;
    }
    const mass = Number(fields[7]);
    return line.replace(fields[7] as string, (mass * factor).toFixed(4));
  });
  const path = join(work, 'topol-masses.top');
  await writeFile(path, lines.join('\n'));
  return path;
}

/** Every position moved by `shift` and put back into the (triclinic) box through fractional coordinates. */
function shiftedAndWrapped(
  x: Float64Array,
  box: Float64Array,
  shift: readonly number[],
): Float64Array {
  const [ax, bx, by, cx, cy, cz] = [box[0], box[3], box[4], box[6], box[7], box[8]] as number[];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 3) {
    const px = (x[i] as number) + (shift[0] as number);
    const py = (x[i + 1] as number) + (shift[1] as number);
    const pz = (x[i + 2] as number) + (shift[2] as number);
    let sc = pz / (cz as number);
    let sb = (py - sc * (cy as number)) / (by as number);
    let sa = (px - sc * (cx as number) - sb * (bx as number)) / (ax as number);
    sa -= Math.floor(sa);
    sb -= Math.floor(sb);
    sc -= Math.floor(sc);
    out[i] = sa * (ax as number) + sb * (bx as number) + sc * (cx as number);
    out[i + 1] = sb * (by as number) + sc * (cy as number);
    out[i + 2] = sc * (cz as number);
  }
  return out;
}
