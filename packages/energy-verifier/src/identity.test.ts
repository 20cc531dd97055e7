import type { TprDump } from '@fold/gromacs-runner';
import { describe, expect, it } from '@jest/globals';
import { checkMinerTopology } from './identity.js';
import type { Reason } from './reasons.js';
import type { ReferenceSystem } from './system.js';

// A three-atom peptide fragment and two waters.
const molecules = [
  { name: 'Protein', count: 1, atomsPerMolecule: 3 },
  { name: 'SOL', count: 2, atomsPerMolecule: 3 },
];
const atomNames = ['N', 'CA', 'C', 'OW', 'HW1', 'HW2', 'OW', 'HW1', 'HW2'];
const residueNames = ['ALA', 'ALA', 'ALA', 'SOL', 'SOL', 'SOL', 'SOL', 'SOL', 'SOL'];
const charges = [-0.4157, 0.0337, 0.5973, -0.834, 0.417, 0.417, -0.834, 0.417, 0.417];
const masses = [14.007, 12.011, 12.011, 15.9994, 1.008, 1.008, 15.9994, 1.008, 1.008];
const constraints = {
  atomsA: new Int32Array(0),
  atomsB: new Int32Array(0),
  lengthsNm: new Float64Array(0),
};
const system: ReferenceSystem = {
  atomCount: 9,
  molecules,
  masses: Float64Array.from(masses),
  charges: Float64Array.from(charges),
  atomNames,
  residueNames,
  constraints,
  caAtoms: Int32Array.from([1]),
  startPositionsNm: new Float64Array(27),
  startBoxNm: Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]),
};
const dump = (changes: Partial<TprDump> = {}): TprDump => ({
  inputrec: {},
  groupOptions: {},
  atomCount: 9,
  molecules,
  masses: Float64Array.from(masses),
  charges: Float64Array.from(charges),
  atomNames,
  residueNames,
  residueNumbers: Int32Array.from([1, 1, 1, 1, 1, 1, 2, 2, 2]),
  constraints,
  boxNm: null,
  positionsNm: null,
  velocitiesNmPs: null,
  ...changes,
});
const codes = (reasons: Reason[]) => reasons.map((r) => r.code);

describe('checkMinerTopology', () => {
  it('accepts the job’s topology with charges within 2e-5 and masses within 1e-4 relative', () => {
    const miner = dump({
      charges: Float64Array.from(charges, (q, i) => q + (i % 2 === 0 ? 1.9e-5 : -1.9e-5)),
      masses: Float64Array.from(masses, (m) => m * (1 + 9e-5)),
    });
    expect(checkMinerTopology(system, miner)).toEqual([]);
  });

  it('refuses other molecules that add up to the same atom count', () => {
    const reasons = checkMinerTopology(
      system,
      dump({
        molecules: [
          { name: 'Protein', count: 1, atomsPerMolecule: 3 },
          { name: 'SOL', count: 1, atomsPerMolecule: 3 },
          { name: 'NA', count: 3, atomsPerMolecule: 1 },
        ],
      }),
    );
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
    expect(reasons[0]?.message).toMatch(/other molecules/);
  });

  it('refuses a renamed molecule type', () => {
    const reasons = checkMinerTopology(
      system,
      dump({ molecules: [molecules[0]!, { name: 'WAT', count: 2, atomsPerMolecule: 3 }] }),
    );
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
    expect(reasons[0]?.details.miner).toEqual(['1 x Protein (3)', '2 x WAT (3)']);
  });

  it('refuses a molecule block with more copies', () => {
    const reasons = checkMinerTopology(
      system,
      dump({
        atomCount: 12,
        molecules: [
          { name: 'Protein', count: 1, atomsPerMolecule: 3 },
          { name: 'SOL', count: 3, atomsPerMolecule: 3 },
        ],
      }),
    );
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
  });

  it('refuses atoms in another order within a molecule', () => {
    const swapped = [...atomNames];
    swapped[6] = 'HW1';
    swapped[7] = 'OW';
    const reasons = checkMinerTopology(system, dump({ atomNames: swapped }));
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
    expect(reasons[0]?.details).toMatchObject({ count: 2, firstAtom: 6 });
  });

  it('refuses a renamed residue', () => {
    const renamed = residueNames.map((r, i) => (i < 3 ? 'GLY' : r));
    const reasons = checkMinerTopology(system, dump({ residueNames: renamed }));
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
    expect(reasons[0]?.details).toMatchObject({ count: 3, firstAtom: 0, miner: 'GLY N' });
  });

  it('refuses a charge changed by more than 2e-5', () => {
    const edited = Float64Array.from(charges);
    edited[3] = -0.834 + 2.1e-5;
    const reasons = checkMinerTopology(system, dump({ charges: edited }));
    expect(codes(reasons)).toEqual(['TOPOLOGY_MISMATCH']);
    expect(reasons[0]?.details).toMatchObject({ count: 1, firstAtom: 3, expected: -0.834 });
  });

  it('reports edited masses as MASSES_EDITED, not as a topology mismatch', () => {
    const heavy = Float64Array.from(masses);
    heavy[4] = 3.024;
    expect(codes(checkMinerTopology(system, dump({ masses: heavy })))).toEqual(['MASSES_EDITED']);
  });
});
