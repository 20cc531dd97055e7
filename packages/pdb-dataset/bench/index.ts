/**
 * Benchmarks, each a contender and its baseline measured in the same run:
 *
 * 1. Rotamer search: rebuilding every side chain of 1HP1 (516 residues) with clash scoring over
 *    the spatial grid (`AtomGrid`) against a brute-force scan of all atoms.
 * 2. Job preparation: `prepareJob` for 1L2Y answered from the content-hash cache against the same
 *    preparation from an empty cache (real GROMACS, one thread).
 *
 * Run: pnpm --filter @fold/pdb-dataset bench
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbEntryPath, pdbMirrorDir } from '@fold/devkit';
import { Bench } from 'tinybench';
import { decodeEntryBytes } from '../src/entry-bytes.js';
import { distance, type Vec3 } from '../src/geometry.js';
import { RESIDUE_TEMPLATES } from '../src/ideal-geometry.js';
import { parsePdb } from '../src/pdb-parser.js';
import { prepareJob } from '../src/prepare.js';
import {
  AtomGrid,
  CLASH_DISTANCE_A,
  type ClashEnvironment,
  rebuildSideChain,
} from '../src/sidechain.js';
import { mirrorSource } from '../src/sources.js';

/** The baseline environment: every atom checked for every candidate position. */
class BruteForceAtoms implements ClashEnvironment {
  private readonly atoms: { p: Vec3; owner: number }[] = [];
  add(p: Vec3, owner: number): void {
    this.atoms.push({ p, owner });
  }
  clashScore(p: Vec3, exclude: number): number {
    let score = 0;
    for (const { p: q, owner } of this.atoms) {
      if (owner === exclude) continue;
      const d = distance(p, q);
      if (d < CLASH_DISTANCE_A) score += (CLASH_DISTANCE_A - d) ** 2;
    }
    return score;
  }
}

function line(name: string, contenderMs: number, baselineMs: number): string {
  return `${name.padEnd(44)} contender ${contenderMs.toFixed(2).padStart(10)} ms   baseline ${baselineMs.toFixed(2).padStart(10)} ms   ratio ${(baselineMs / contenderMs).toFixed(1)}x faster`;
}

async function rotamerSearch(): Promise<string> {
  const structure = parsePdb(decodeEntryBytes(readFileSync(pdbEntryPath('1hp1'))).text);
  const residues = structure.models[0]!.chains.flatMap((c) => c.residues).filter(
    (r) => RESIDUE_TEMPLATES[r.resName],
  );
  const full = residues.map((r) => {
    const m = new Map<string, Vec3>();
    for (const a of r.atoms)
      if ((a.altLoc === '' || a.altLoc === 'A') && a.element !== 'H' && !m.has(a.name))
        m.set(a.name, [a.x, a.y, a.z]);
    return m;
  });
  // Every side chain stripped to CB: the search chooses all chi angles.
  const stripped = full.map(
    (m) => new Map([...m].filter(([n]) => ['N', 'CA', 'C', 'O', 'CB'].includes(n))),
  );
  const environment = <E extends { add(p: Vec3, owner: number): void }>(env: E): E => {
    full.forEach((m, i) => {
      for (const p of m.values()) env.add(p, i);
    });
    return env;
  };
  const grid = environment(new AtomGrid());
  const brute = environment(new BruteForceAtoms());
  const rebuildAll = (env: ClashEnvironment) => {
    residues.forEach((r, i) => {
      if (stripped[i]!.has('CA') && stripped[i]!.has('N') && stripped[i]!.has('C'))
        rebuildSideChain(r.resName, stripped[i]!, env, i);
    });
  };
  const bench = new Bench({ iterations: 5, warmupIterations: 1 });
  bench.add('grid', () => rebuildAll(grid)).add('brute force', () => rebuildAll(brute));
  await bench.run();
  const mean = (name: string) => {
    const task = bench.tasks.find((t) => t.name === name)!;
    const result = task.result as { latency?: { mean: number }; mean?: number } | undefined;
    return result?.latency?.mean ?? result?.mean ?? Number.NaN;
  };
  return line(
    `rebuild all ${residues.length} side chains of 1HP1`,
    mean('grid'),
    mean('brute force'),
  );
}

async function preparation(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'fold-bench-'));
  try {
    const source = mirrorSource({ dir: pdbMirrorDir() });
    const options = {
      id: '1l2y',
      seed: 36,
      source,
      cacheDir: join(root, 'cache'),
      scratchDir: join(root, 'scratch'),
    };
    const t0 = performance.now();
    await prepareJob(options);
    const fresh = performance.now() - t0;
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await prepareJob(options);
      runs.push(performance.now() - t);
    }
    const cached = runs.reduce((a, b) => a + b, 0) / runs.length;
    return line('prepareJob 1L2Y: cache hit vs empty cache', cached, fresh);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

process.stdout.write('machine: 2 cores shared with other work; figures are indicative\n');
process.stdout.write(`${await rotamerSearch()}\n`);
process.stdout.write(`${await preparation()}\n`);
