import {
  type DumpValue,
  getMdpNumber,
  getMdpWord,
  type InputrecSection,
  type MdpParams,
  type TprConstraints,
  type TprDump,
} from '@fold/gromacs-runner';
import { JobNotVerifiableError } from './errors.js';

/** What the validator knows about its own system, from its own run input and structure. */
export interface ReferenceSystem {
  readonly atomCount: number;
  readonly molecules: TprDump['molecules'];
  readonly masses: Float64Array;
  readonly charges: Float64Array;
  readonly atomNames: readonly string[];
  readonly residueNames: readonly string[];
  readonly constraints: TprConstraints;
  /** C-alpha atoms of polymer molecules (single-atom molecules such as Ca²⁺ excluded), in order. */
  readonly caAtoms: Int32Array;
  /** The job's starting structure (`em.gro`), nm, and its box. */
  readonly startPositionsNm: Float64Array;
  readonly startBoxNm: Float64Array;
}

/** One stage as assigned, with what the verifier derives from it. */
export interface StageReference {
  readonly name: string;
  /** Position in the assigned stage order. */
  readonly index: number;
  /** The assigned parameters (the seed excepted). */
  readonly mdp: MdpParams;
  readonly dtPs: number;
  readonly tinitPs: number;
  readonly initStep: number;
  /** Last step of the stage: `init-step + nsteps`. */
  readonly lastStep: number;
  /** Steps between energy frames in the miner's `.edr`. */
  readonly energyIntervalSteps: number;
  /** Whether any stage up to this one couples pressure (the box may then change). */
  readonly boxMayChange: boolean;
  /** Whether pressure coupling is isotropic (the box keeps its shape). */
  readonly isotropic: boolean;
  /** Degrees of freedom GROMACS counts (sum of `nrdf`). */
  readonly degreesOfFreedom: number;
  /** Reference temperature, K (`ref-t` weighted by each group's degrees of freedom). */
  readonly temperatureK: number;
  /** The inputrec and group options of the validator's own run input for this stage. */
  readonly expected: InputrecSection;
}

const numberOf = (value: DumpValue | undefined): number =>
  typeof value === 'number' ? value : Number.NaN;

/** Builds a stage reference from its assigned parameters and the dump of the expected run input. */
export function stageReference(input: {
  readonly name: string;
  readonly index: number;
  readonly mdp: MdpParams;
  readonly expected: InputrecSection;
  readonly boxMayChangeBefore: boolean;
}): StageReference {
  const { inputrec, groupOptions } = input.expected;
  const nrdf = (groupOptions.nrdf ?? []).map(Number);
  const refT = (groupOptions['ref-t'] ?? []).map(Number);
  const dof = nrdf.reduce((sum, n) => sum + n, 0);
  const temperatureK =
    dof > 0 ? nrdf.reduce((sum, n, i) => sum + n * (refT[i] ?? 0), 0) / dof : Number.NaN;
  const pcoupl = String(inputrec.pcoupl ?? getMdpWord(input.mdp, 'pcoupl') ?? 'no').toLowerCase();
  const pcouplType = String(inputrec.pcoupltype ?? 'isotropic').toLowerCase();
  const initStep = numberOf(inputrec['init-step']);
  return {
    name: input.name,
    index: input.index,
    mdp: input.mdp,
    dtPs: numberOf(inputrec.dt),
    tinitPs: numberOf(inputrec.tinit),
    initStep,
    lastStep: initStep + numberOf(inputrec.nsteps),
    energyIntervalSteps: getMdpNumber(input.mdp, 'nstenergy') ?? numberOf(inputrec.nstenergy),
    boxMayChange: input.boxMayChangeBefore || pcoupl !== 'no',
    isotropic: pcouplType === 'isotropic',
    degreesOfFreedom: dof,
    temperatureK,
    expected: input.expected,
  };
}

/** The C-alpha atoms of molecules with more than one atom. */
export function caAtomsOf(dump: Pick<TprDump, 'atomNames' | 'molecules'>): Int32Array {
  const atoms: number[] = [];
  let at = 0;
  for (const molecule of dump.molecules) {
    for (let copy = 0; copy < molecule.count; copy++) {
      if (molecule.atomsPerMolecule > 1) {
        for (let i = 0; i < molecule.atomsPerMolecule; i++) {
          if (dump.atomNames[at + i] === 'CA') atoms.push(at + i);
        }
      }
      at += molecule.atomsPerMolecule;
    }
  }
  return Int32Array.from(atoms);
}

/**
 * Reads positions and box from `.gro` text (fixed columns: positions at 20-44, nm with three
 * decimals; the last line the box as GROMACS writes it: v1x v2y v3z [v1y v1z v2x v2z v3x v3y]).
 * @throws {JobNotVerifiableError} when the text is not a complete `.gro` file.
 */
export function parseGroPositions(text: string): {
  positionsNm: Float64Array;
  boxNm: Float64Array;
} {
  const lines = text.split(/\r?\n/);
  const count = Number((lines[1] ?? '').trim());
  if (!Number.isInteger(count) || count <= 0 || lines.length < count + 3) {
    throw new JobNotVerifiableError('the structure is not a .gro file: bad atom count line');
  }
  const positionsNm = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) {
    const line = lines[2 + i] as string;
    for (let d = 0; d < 3; d++) {
      positionsNm[3 * i + d] = Number(line.slice(20 + 8 * d, 28 + 8 * d));
    }
  }
  const v = (lines[2 + count] ?? '').trim().split(/\s+/).map(Number);
  // .gro order: v1(x) v2(y) v3(z) v1(y) v1(z) v2(x) v2(z) v3(x) v3(y)
  const boxNm = Float64Array.from([
    v[0] ?? Number.NaN,
    v[3] ?? 0,
    v[4] ?? 0,
    v[5] ?? 0,
    v[1] ?? Number.NaN,
    v[6] ?? 0,
    v[7] ?? 0,
    v[8] ?? 0,
    v[2] ?? Number.NaN,
  ]);
  if (positionsNm.some((x) => !Number.isFinite(x)) || boxNm.some((x) => !Number.isFinite(x))) {
    throw new JobNotVerifiableError(
      'the structure is not a .gro file: unreadable coordinates or box',
    );
  }
  return { positionsNm, boxNm };
}
