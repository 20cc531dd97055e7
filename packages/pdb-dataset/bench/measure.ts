/**
 * Measures, over every entry of the shared PDB mirror, the share that yields at least one stable
 * configuration: with this package's pipeline (clean, repair, full space) and with the
 * reference's (discard entries whose file mentions missing residues or atoms, strip HETATM and
 * CONECT lines, try its 12 combinations), both judged by the same check (minimisation converges,
 * a short NVT run is stable). Then times the preparation of 1UBQ from an empty cache and from a
 * warm one.
 *
 * Run: pnpm --filter @fold/pdb-dataset measure [--nvt-steps 500] [--threads 1] [--only 1ubq,1crn]
 * It takes a long time (the large entries are 50-90k atoms once solvated): run it on a quiet
 * machine. Results go to stdout (a table) and to bench-results/measure.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbMirrorDir } from '@fold/devkit';
import { NoStableConfigurationError, PdbDatasetError } from '../src/errors.js';
import { candidateHyperparameters, hyperparameterLabel } from '../src/hyperparameters.js';
import { prepareConfiguration, prepareJob } from '../src/prepare.js';
import { mirrorSource } from '../src/sources.js';
import { renderTable } from '../src/table.js';

interface Args {
  readonly nvtSteps: number;
  readonly threads: number;
  readonly only: readonly string[] | null;
  readonly seed: number;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    nvtSteps: Number(value('--nvt-steps') ?? 500),
    threads: Number(value('--threads') ?? 1),
    only: value('--only')?.split(',') ?? null,
    seed: Number(value('--seed') ?? 0),
  };
}

/** The reference's filter: any mention of missing residues or atoms discards the entry. */
function referenceKeeps(text: string): boolean {
  return !/^REMARK (465|470)/m.test(text);
}

/** The reference's cleaning: drop every HETATM and CONECT line, nothing else. */
function referenceClean(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^(HETATM|CONECT)/.test(line))
    .join('\n');
}

interface Row {
  readonly id: string;
  readonly atoms: number | null;
  readonly ours: { ok: boolean; label: string; tried: number; seconds: number };
  readonly reference: { kept: boolean; ok: boolean; label: string; tried: number; seconds: number };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = pdbMirrorDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8')) as { id: string }[];
  const ids = manifest
    .map((e) => e.id)
    .filter((id) => args.only === null || args.only.includes(id));
  const root = mkdtempSync(join(tmpdir(), 'fold-measure-'));
  const cacheDir = join(root, 'cache');
  const scratchDir = join(root, 'scratch');
  const source = mirrorSource({ dir });
  const resources = { ntmpi: 1, ntomp: args.threads };
  const stability = { nvtSteps: args.nvtSteps };
  const rows: Row[] = [];
  try {
    for (const id of ids) {
      let t = performance.now();
      let ours: Row['ours'];
      let atoms: number | null = null;
      try {
        const job = await prepareJob({
          id,
          seed: args.seed,
          source,
          cacheDir,
          scratchDir,
          resources,
          stability,
        });
        atoms = job.spec.system.atomCount;
        ours = {
          ok: true,
          label: hyperparameterLabel(job.spec.provenance.hyperparameters),
          tried: job.candidates.length,
          seconds: 0,
        };
      } catch (error) {
        if (!(error instanceof PdbDatasetError)) throw error;
        const tried = error instanceof NoStableConfigurationError ? error.attempts.length : 0;
        ours = {
          ok: false,
          label: `${error.code}: ${error.message.slice(0, 80)}`,
          tried,
          seconds: 0,
        };
      }
      ours = { ...ours, seconds: (performance.now() - t) / 1000 };

      t = performance.now();
      const text = (await source.fetchEntry(id)).text;
      let reference: Row['reference'];
      if (!referenceKeeps(text)) {
        reference = {
          kept: false,
          ok: false,
          label: 'filtered out (REMARK 465/470)',
          tried: 0,
          seconds: 0,
        };
      } else {
        const pdbText = referenceClean(text);
        reference = {
          kept: true,
          ok: false,
          label: 'no stable configuration',
          tried: 0,
          seconds: 0,
        };
        for (const hyperparameters of candidateHyperparameters(id, args.seed, {
          space: 'reference',
        })) {
          const outcome = await prepareConfiguration({
            pdbText,
            hyperparameters,
            cacheDir,
            scratchDir,
            resources,
            stability,
          });
          reference = { ...reference, tried: reference.tried + 1 };
          if (outcome.record.outcome === 'stable') {
            reference = { ...reference, ok: true, label: hyperparameterLabel(hyperparameters) };
            break;
          }
          reference = {
            ...reference,
            label: `${outcome.record.stage}: ${(outcome.record.reason ?? '').slice(0, 80)}`,
          };
        }
      }
      reference = { ...reference, seconds: (performance.now() - t) / 1000 };
      rows.push({ id, atoms, ours, reference });
      process.stderr.write(
        `${id}: ours ${ours.ok ? 'stable' : 'failed'} (${ours.seconds.toFixed(0)} s), reference ${reference.ok ? 'stable' : reference.kept ? 'failed' : 'filtered'} (${reference.seconds.toFixed(0)} s)\n`,
      );
    }

    // Time to prepare 1UBQ with the default settings: from an empty cache, then from the warm one.
    const ubqCache = join(root, 'ubq-cache');
    const t0 = performance.now();
    const cold = await prepareJob({
      id: '1ubq',
      seed: args.seed,
      source,
      cacheDir: ubqCache,
      scratchDir,
      resources,
    });
    const coldSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await prepareJob({
      id: '1ubq',
      seed: args.seed,
      source,
      cacheDir: ubqCache,
      scratchDir,
      resources,
    });
    const warmMs = performance.now() - t1;

    const table = rows.map((r) => [
      r.id,
      r.atoms === null ? '' : String(r.atoms),
      r.ours.ok ? 'stable' : 'FAILED',
      r.ours.label,
      `${r.ours.seconds.toFixed(0)} s`,
      r.reference.ok ? 'stable' : r.reference.kept ? 'FAILED' : 'filtered',
      r.reference.label,
    ]);
    process.stdout.write(
      renderTable(
        [
          'id',
          'atoms',
          'ours',
          'configuration',
          'time',
          'reference',
          'reference configuration / reason',
        ],
        table,
      ),
    );
    const ours = rows.filter((r) => r.ours.ok).length;
    const reference = rows.filter((r) => r.reference.ok).length;
    const kept = rows.filter((r) => r.reference.kept).length;
    const summary = {
      entries: rows.length,
      oursStable: ours,
      oursShare: ours / rows.length,
      referenceKept: kept,
      referenceStable: reference,
      referenceShare: reference / rows.length,
      nvtSteps: args.nvtSteps,
      threads: args.threads,
      ubq: {
        coldSeconds,
        warmMs,
        atoms: cold.spec.system.atomCount,
        configuration: hyperparameterLabel(cold.spec.provenance.hyperparameters),
        candidates: cold.candidates.map((c) => ({
          label: c.label,
          outcome: c.outcome,
          computeMs: c.computeMs,
        })),
      },
    };
    process.stdout.write(
      `\nthis pipeline: ${ours}/${rows.length} entries (${((100 * ours) / rows.length).toFixed(0)}%) yield a stable configuration\n` +
        `reference:     ${reference}/${rows.length} entries (${((100 * reference) / rows.length).toFixed(0)}%); its filter keeps ${kept}\n` +
        `1UBQ: ${coldSeconds.toFixed(1)} s from an empty cache (${summary.ubq.atoms} atoms, ${summary.ubq.configuration}), ${warmMs.toFixed(0)} ms from the cache\n`,
    );
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      join('bench-results', 'measure.json'),
      `${JSON.stringify({ summary, rows }, null, 2)}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
