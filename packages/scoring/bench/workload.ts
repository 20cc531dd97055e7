/**
 * The benchmark's workload: one validator's round over 1,000 jobs, each answered by 256 miners
 * (256,000 verified results or failed verifications), generated from a seed so that contender and
 * baseline score exactly the same history.
 */

export interface WorkEntry {
  readonly uid: number;
  readonly hotkey: string;
  /** null: a failed verification. */
  readonly energyKjMol: number | null;
  readonly committedAtMs: number;
  /** C-alpha coordinates (nm, flat xyz), when the workload carries structures. */
  readonly caCoordinatesNm?: number[];
}

export interface WorkJob {
  readonly jobId: string;
  readonly atomCount: number;
  readonly createdAtMs: number;
  readonly closedAtMs: number;
  readonly entries: readonly WorkEntry[];
}

/** mulberry32: a tiny seeded generator, enough to make a reproducible workload. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random chain of C-alpha atoms 0.38 nm apart. */
function randomChain(random: () => number, atoms: number): number[] {
  const xyz = [0, 0, 0];
  for (let i = 1; i < atoms; i++) {
    const theta = Math.acos(2 * random() - 1);
    const phi = 2 * Math.PI * random();
    xyz.push(
      xyz[3 * (i - 1)]! + 0.38 * Math.sin(theta) * Math.cos(phi),
      xyz[3 * (i - 1) + 1]! + 0.38 * Math.sin(theta) * Math.sin(phi),
      xyz[3 * (i - 1) + 2]! + 0.38 * Math.cos(theta),
    );
  }
  return xyz;
}

/**
 * `jobs` jobs answered by `miners` miners each. With `caAtoms`, every result carries C-alpha
 * coordinates: most are the job's fold with 0.03 nm of noise (the same conformation), one in ten
 * a different chain (a distinct conformation), the case that makes the exploration bonus work.
 */
export function makeWorkload(jobs: number, miners: number, seed = 2024, caAtoms = 0): WorkJob[] {
  const random = mulberry32(seed);
  const hotkeys = Array.from(
    { length: miners },
    (_, uid) => `5Fminer${uid.toString().padStart(5, '0')}`,
  );
  const out: WorkJob[] = [];
  for (let j = 0; j < jobs; j++) {
    const atomCount = 100 + Math.floor(random() * 2_000);
    // Solvated systems: potential energies around -1e5 to -1e6 kJ/mol, results within a few %.
    const base = -(1e5 + random() * 9e5);
    const fold = caAtoms > 0 ? randomChain(random, caAtoms) : [];
    const entries: WorkEntry[] = [];
    for (let k = 0; k < miners; k++) {
      const uid = (j * 37 + k) % miners;
      const failed = random() < 0.02;
      const entry: WorkEntry = {
        uid,
        hotkey: hotkeys[uid]!,
        energyKjMol: failed ? null : base * (1 + 0.05 * random()),
        committedAtMs: 1_000 + Math.floor(random() * 600_000),
      };
      if (caAtoms > 0 && !failed) {
        const shape = random() < 0.1 ? randomChain(random, caAtoms) : fold;
        entries.push({ ...entry, caCoordinatesNm: shape.map((v) => v + 0.03 * (random() - 0.5)) });
      } else {
        entries.push(entry);
      }
    }
    out.push({ jobId: `job-${j}`, atomCount, createdAtMs: 0, closedAtMs: 700_000, entries });
  }
  return out;
}
