import type { EdrData, TprDump, TrrFrame } from '@fold/gromacs-runner';
import { boxVolume, isGromacsBox } from './geometry.js';
import { type Reason, reason } from './reasons.js';
import type { ReferenceSystem, StageReference } from './system.js';
import type { Tolerances } from './tolerances.js';

/**
 * Whether the frame is a frame of the validator's own system: its atom count, finite positions
 * and velocities, and a box that this stage's ensemble can produce and that the `.edr` recorded
 * at that step. Returns true in `usable` when later checks may use the coordinates.
 */
export function checkFrameIdentity(
  system: ReferenceSystem,
  stage: StageReference,
  frame: TrrFrame,
  edr: EdrData | undefined,
  tolerances: Tolerances,
): { reasons: Reason[]; usable: boolean } {
  const reasons: Reason[] = [];
  if (frame.atomCount !== system.atomCount) {
    reasons.push(
      reason(
        'ATOM_COUNT_MISMATCH',
        `the frame has ${frame.atomCount} atoms, the job's system ${system.atomCount}`,
        { frameAtoms: frame.atomCount, systemAtoms: system.atomCount },
      ),
    );
    return { reasons, usable: false };
  }
  for (const [name, values] of [
    ['positions', frame.positionsNm],
    ['velocities', frame.velocitiesNmPs],
  ] as const) {
    if (values === null) continue;
    let bad = 0;
    let first = -1;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i] as number)) {
        bad++;
        if (first < 0) first = Math.floor(i / 3);
      }
    }
    if (bad > 0) {
      reasons.push(
        reason('COORDINATES_NOT_FINITE', `${bad} ${name} components are NaN or infinite`, {
          field: name,
          count: bad,
          firstAtom: first,
        }),
      );
    }
  }
  const boxReason = checkBox(system, stage, frame, edr, tolerances);
  if (boxReason) reasons.push(boxReason);
  return { reasons, usable: reasons.length === 0 };
}

function checkBox(
  system: ReferenceSystem,
  stage: StageReference,
  frame: TrrFrame,
  edr: EdrData | undefined,
  tolerances: Tolerances,
): Reason | null {
  const box = frame.boxNm as Float64Array;
  const start = system.startBoxNm;
  const list = Array.from(box);
  if (!isGromacsBox(box)) {
    return reason('BOX_INVALID', 'the box is not a GROMACS box (lower triangular, positive)', {
      boxNm: list,
    });
  }
  const volumeRatio = boxVolume(box) / boxVolume(start);
  // Isotropic coupling scales every box vector by the same factor; without coupling the box
  // stays the starting box (within float rounding of the file).
  const scale = stage.boxMayChange ? Math.cbrt(volumeRatio) : 1;
  if (stage.boxMayChange && Math.abs(volumeRatio - 1) > tolerances.boxVolumeRelative) {
    return reason(
      'BOX_INVALID',
      `the box volume is ${volumeRatio.toFixed(4)} times the starting box's, beyond ±${tolerances.boxVolumeRelative}`,
      { boxNm: list, volumeRatio },
    );
  }
  if (!stage.boxMayChange || stage.isotropic) {
    const size = Math.max(...Array.from(start, Math.abs));
    // The starting box comes from .gro text (five decimals): 1e-5 of the box covers its rounding.
    const shapeTolerance = stage.boxMayChange ? tolerances.boxShapeRelative : 1e-5;
    for (let i = 0; i < 9; i++) {
      const expected = scale * (start[i] as number);
      if (Math.abs((box[i] as number) - expected) > shapeTolerance * size) {
        return reason(
          'BOX_INVALID',
          stage.boxMayChange
            ? "the box is not the starting box's shape scaled isotropically"
            : 'the box differs from the starting box, but no stage so far couples pressure',
          { boxNm: list, startBoxNm: Array.from(start), element: i },
        );
      }
    }
  }
  if (edr) {
    const at = edr.frames.findIndex((f) => f.step === frame.step);
    if (at >= 0) {
      const values = (edr.frames[at] as EdrData['frames'][number]).values;
      for (const [term, value] of [
        ['Box-X', box[0]],
        ['Box-Y', box[4]],
        ['Box-Z', box[8]],
        ['Volume', boxVolume(box)],
      ] as const) {
        const index = edr.terms.findIndex((t) => t.name === term);
        if (index < 0) continue;
        const recorded = values[index] as number;
        if (!(Math.abs(recorded - (value as number)) <= 1e-5 * Math.abs(recorded))) {
          return reason(
            'BOX_INVALID',
            `the frame's box differs from the ${term} the .edr recorded at step ${frame.step}`,
            { term, frame: value as number, edr: recorded },
          );
        }
      }
    }
  }
  return null;
}

/**
 * Compares the topology inside the miner's run input with the validator's: molecules, atom and
 * residue names in order, charges (`TOPOLOGY_MISMATCH`) and masses (`MASSES_EDITED`).
 */
export function checkMinerTopology(system: ReferenceSystem, miner: TprDump): Reason[] {
  const reasons: Reason[] = [];
  const sameMolecules =
    miner.atomCount === system.atomCount &&
    miner.molecules.length === system.molecules.length &&
    miner.molecules.every((m, i) => {
      const ours = system.molecules[i];
      return (
        ours !== undefined &&
        m.name === ours.name &&
        m.count === ours.count &&
        m.atomsPerMolecule === ours.atomsPerMolecule
      );
    });
  if (!sameMolecules) {
    reasons.push(
      reason('TOPOLOGY_MISMATCH', "the miner's run input holds other molecules", {
        miner: miner.molecules.map((m) => `${m.count} x ${m.name} (${m.atomsPerMolecule})`),
        expected: system.molecules.map((m) => `${m.count} x ${m.name} (${m.atomsPerMolecule})`),
      }),
    );
    return reasons;
  }
  const firstDifference = (differs: (i: number) => boolean): { count: number; first: number } => {
    let count = 0;
    let first = -1;
    for (let i = 0; i < system.atomCount; i++) {
      if (differs(i)) {
        count++;
        if (first < 0) first = i;
      }
    }
    return { count, first };
  };
  const names = firstDifference(
    (i) =>
      miner.atomNames[i] !== system.atomNames[i] ||
      miner.residueNames[i] !== system.residueNames[i],
  );
  if (names.count > 0) {
    reasons.push(
      reason(
        'TOPOLOGY_MISMATCH',
        `${names.count} atoms differ in atom or residue name from the job's system`,
        {
          count: names.count,
          firstAtom: names.first,
          miner: `${miner.residueNames[names.first]} ${miner.atomNames[names.first]}`,
          expected: `${system.residueNames[names.first]} ${system.atomNames[names.first]}`,
        },
      ),
    );
  }
  // gmx dump prints charges with six significant digits.
  const charges = firstDifference(
    (i) => !(Math.abs((miner.charges[i] as number) - (system.charges[i] as number)) <= 2e-5),
  );
  if (charges.count > 0) {
    reasons.push(
      reason('TOPOLOGY_MISMATCH', `${charges.count} atom charges differ from the job's system`, {
        count: charges.count,
        firstAtom: charges.first,
        miner: miner.charges[charges.first] as number,
        expected: system.charges[charges.first] as number,
      }),
    );
  }
  // ... and masses with five.
  const masses = firstDifference(
    (i) =>
      !(
        Math.abs((miner.masses[i] as number) - (system.masses[i] as number)) <=
        1e-4 * Math.abs(system.masses[i] as number)
      ),
  );
  if (masses.count > 0) {
    reasons.push(
      reason('MASSES_EDITED', `${masses.count} atom masses differ from the job's topology`, {
        count: masses.count,
        firstAtom: masses.first,
        miner: miner.masses[masses.first] as number,
        expected: system.masses[masses.first] as number,
      }),
    );
  }
  return reasons;
}
