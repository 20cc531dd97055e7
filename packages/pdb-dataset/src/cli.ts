#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadCatalog, sampleIds } from './catalog.js';
import { cleanStructure } from './clean.js';
import { PdbDatasetError } from './errors.js';
import { hyperparameterLabel, jobSpaceSize, type SearchSpace } from './hyperparameters.js';
import { parsePdb } from './pdb-parser.js';
import { renderPdb } from './pdb-writer.js';
import { PACKAGE_VERSION, type PreparedJob, type PrepareEvent, prepareJob } from './prepare.js';
import {
  defaultPdbDir,
  firstAvailable,
  mirrorSource,
  type PdbSource,
  rcsbSource,
} from './sources.js';
import { renderTable } from './table.js';

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('out of range');
  return n;
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError('must be at least 1');
  return n;
}

interface SourceFlags {
  readonly pdbDir?: string;
  readonly rcsbUrl?: string;
  readonly cacheDir: string;
}

function sourceFrom(flags: SourceFlags): PdbSource {
  const mirror = mirrorSource({ dir: flags.pdbDir ?? defaultPdbDir() });
  if (flags.rcsbUrl === undefined) return mirror;
  return firstAvailable([
    mirror,
    rcsbSource({ baseUrl: flags.rcsbUrl, cacheDir: join(flags.cacheDir, 'entries') }),
  ]);
}

function defaultCacheDir(): string {
  return resolve(process.env.FOLD_PDB_CACHE ?? join('.fold', 'pdb-cache'));
}

interface PrepareFlags extends SourceFlags {
  readonly seed: number;
  readonly outDir?: string;
  readonly space: SearchSpace;
  readonly maxCandidates?: number;
  readonly nvtSteps?: number;
  readonly mdSteps?: number;
  readonly threads: number;
  readonly sample?: number;
  readonly json: boolean;
  readonly progress: boolean;
}

interface Row {
  readonly id: string;
  readonly result: PreparedJob | null;
  readonly error: PdbDatasetError | Error | null;
}

async function runPrepare(ids: readonly string[], flags: PrepareFlags): Promise<number> {
  let targets = [...ids];
  if (flags.sample !== undefined) {
    const catalog = await loadCatalog(join(flags.pdbDir ?? defaultPdbDir(), 'catalog.json'));
    targets = targets.concat(
      sampleIds(catalog, { seed: flags.seed, count: flags.sample, exclude: targets }),
    );
  }
  if (targets.length === 0) {
    process.stderr.write('nothing to prepare: give PDB ids or --sample <count>\n');
    return 2;
  }
  const source = sourceFrom(flags);
  const showBar = flags.progress && process.stderr.isTTY === true && !flags.json;
  const bar = new SingleBar({
    format: ' {bar} {value}/{total} entries | {id}: {status}',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  if (showBar) bar.start(targets.length, 0, { id: '', status: 'starting' });
  const onProgress = (e: PrepareEvent): void => {
    const status =
      e.kind === 'entry'
        ? `${e.repairs} repairs, ${e.segments} segment(s)`
        : e.kind === 'candidate'
          ? `candidate ${e.index + 1}/${e.total} ${e.label}`
          : `${e.outcome}${e.cached ? ' (cached)' : ''}${e.reason ? `: ${e.reason}` : ''}`;
    if (showBar) bar.update({ id: e.id, status: status.slice(0, 90) });
    else if (!flags.json) process.stderr.write(`${e.id}: ${status}\n`);
  };
  const rows: Row[] = [];
  for (const id of targets) {
    try {
      const result = await prepareJob({
        id,
        seed: flags.seed,
        cacheDir: flags.cacheDir,
        source,
        space: flags.space,
        resources: { ntmpi: 1, ntomp: flags.threads },
        onProgress,
        ...(flags.outDir !== undefined
          ? { outDir: join(flags.outDir, `${id.toLowerCase()}-${flags.seed}`) }
          : {}),
        ...(flags.maxCandidates !== undefined ? { maxCandidates: flags.maxCandidates } : {}),
        ...(flags.nvtSteps !== undefined ? { stability: { nvtSteps: flags.nvtSteps } } : {}),
        ...(flags.mdSteps !== undefined ? { mdSteps: flags.mdSteps } : {}),
      });
      rows.push({ id, result, error: null });
    } catch (error) {
      // Entry-level failures are part of the summary; anything else (no gmx, bad options) stops the batch.
      if (!(error instanceof PdbDatasetError)) {
        if (showBar) bar.stop();
        throw error;
      }
      rows.push({ id, result: null, error });
    }
    if (showBar) bar.increment();
  }
  if (showBar) bar.stop();

  if (flags.json) {
    const out = rows.map((r) =>
      r.result !== null
        ? {
            id: r.id,
            ok: true,
            jobId: r.result.spec.jobId,
            jobDir: r.result.jobDir,
            spec: r.result.spec,
            candidates: r.result.candidates,
            elapsedMs: r.result.elapsedMs,
          }
        : {
            id: r.id,
            ok: false,
            code: (r.error as PdbDatasetError).code,
            message: r.error?.message,
          },
    );
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const table = rows.map((r) => {
      if (r.result === null) {
        return [
          r.id,
          'failed',
          (r.error as PdbDatasetError).code,
          '',
          '',
          '',
          r.error?.message.slice(0, 100) ?? '',
        ];
      }
      const s = r.result.spec;
      const tried = r.result.candidates.length;
      const cached = r.result.candidates.every((c) => c.cached);
      return [
        r.id,
        'stable',
        hyperparameterLabel(s.provenance.hyperparameters),
        String(s.system.atomCount),
        String(s.provenance.repairs.length),
        `${tried}${cached ? ' (cached)' : ''}`,
        `${(r.result.elapsedMs / 1000).toFixed(1)} s`,
      ];
    });
    process.stdout.write(
      renderTable(
        ['id', 'outcome', 'configuration / reason', 'atoms', 'repairs', 'candidates', 'time'],
        table,
      ),
    );
    const ok = rows.filter((r) => r.result !== null).length;
    process.stdout.write(
      `${ok} of ${rows.length} prepared (seed ${flags.seed}, ${flags.space} space of ${jobSpaceSize(flags.space)} configurations per entry)\n`,
    );
  }
  return rows.every((r) => r.result !== null) ? 0 : 1;
}

/** Builds the `fold-pdb` command (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('fold-pdb')
    .description('Turn PDB entries into prepared, verified-stable GROMACS jobs.')
    .version(PACKAGE_VERSION)
    .showHelpAfterError()
    // Throw instead of calling process.exit, so that main() decides the exit code; subcommands
    // created below inherit this.
    .exitOverride();
  const pdbDir = new Option(
    '--pdb-dir <dir>',
    'PDB directory with mirror/ and catalog.json (default: $FOLD_PDB_DIR or ../shared/pdb)',
  );
  const cacheDir = new Option('--cache-dir <dir>', 'content-hash cache').default(
    defaultCacheDir(),
    '$FOLD_PDB_CACHE or .fold/pdb-cache',
  );
  const rcsbUrl = new Option(
    '--rcsb-url <url>',
    'download entries missing from the mirror from this base, e.g. https://files.rcsb.org/download/',
  );

  program
    .command('prepare')
    .description(
      'prepare one or more entries: clean, repair, search hyperparameters, check stability',
    )
    .argument('[ids...]', 'PDB ids')
    .addOption(
      new Option('-s, --seed <n>', 'seed: picks candidates and perturbations')
        .argParser(integer)
        .default(0),
    )
    .addOption(
      new Option(
        '--sample <count>',
        'add <count> ids drawn from the catalogue with the seed',
      ).argParser(positive),
    )
    .addOption(
      new Option(
        '-o, --out-dir <dir>',
        'write each job to <dir>/<id>-<seed>/ (job.json and its files)',
      ),
    )
    .addOption(
      new Option('--space <space>', 'hyperparameter space')
        .choices(['full', 'reference'])
        .default('full'),
    )
    .addOption(
      new Option(
        '--max-candidates <n>',
        'candidates tried before giving up (default: all 18, or 12)',
      ).argParser(positive),
    )
    .addOption(
      new Option('--nvt-steps <n>', 'steps of the stability check (default 500)').argParser(
        positive,
      ),
    )
    .addOption(
      new Option(
        '--md-steps <n>',
        'production steps written into the job (default 750000)',
      ).argParser(positive),
    )
    .addOption(
      new Option('--threads <n>', 'OpenMP threads per mdrun').argParser(positive).default(1),
    )
    .addOption(pdbDir)
    .addOption(cacheDir)
    .addOption(rcsbUrl)
    .option('--json', 'print the results as JSON instead of a table', false)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nExamples:\n  $ fold-pdb prepare 1l2y 1ubq --seed 7 --out-dir jobs\n  $ fold-pdb prepare --sample 5 --seed 42 --rcsb-url https://files.rcsb.org/download/\n',
    )
    .action(async (ids: string[], flags: PrepareFlags) => {
      process.exitCode = await runPrepare(ids, flags);
    });

  program
    .command('sample')
    .description('draw ids from the catalogue, reproducibly')
    .addOption(new Option('-n, --count <n>', 'how many').argParser(positive).makeOptionMandatory())
    .addOption(new Option('-s, --seed <n>', 'seed').argParser(integer).default(0))
    .option('--exclude <ids...>', 'ids in use, never drawn', [])
    .option('--source <names...>', 'catalogue sources (rcsb, pdbe); default all')
    .option('--mirror-only', 'only ids present in the local mirror', false)
    .addOption(pdbDir)
    .addHelpText('after', '\nExample:\n  $ fold-pdb sample --count 10 --seed 3 --source rcsb\n')
    .action(
      async (flags: {
        count: number;
        seed: number;
        exclude: string[];
        source?: string[];
        mirrorOnly: boolean;
        pdbDir?: string;
      }) => {
        const dir = flags.pdbDir ?? defaultPdbDir();
        const catalog = await loadCatalog(join(dir, 'catalog.json'));
        let accept: ((id: string) => boolean) | undefined;
        if (flags.mirrorOnly) {
          const { existsSync } = await import('node:fs');
          accept = (id) => existsSync(join(dir, 'mirror', id.slice(1, 3), `pdb${id}.ent.gz`));
        }
        const ids = sampleIds(catalog, {
          seed: flags.seed,
          count: flags.count,
          exclude: flags.exclude,
          ...(flags.source !== undefined ? { sources: flags.source } : {}),
          ...(accept !== undefined ? { accept } : {}),
        });
        process.stdout.write(`${ids.join('\n')}\n`);
      },
    );

  program
    .command('clean')
    .description(
      'clean and repair one entry without GROMACS: print the repairs, optionally write the PDB',
    )
    .argument('<id>', 'PDB id')
    .option('-o, --output <file>', 'write the cleaned structure (PDB format)')
    .addOption(pdbDir)
    .addOption(cacheDir)
    .addOption(rcsbUrl)
    .addHelpText('after', '\nExample:\n  $ fold-pdb clean 4kw4 --output 4kw4-clean.pdb\n')
    .action(async (id: string, flags: SourceFlags & { output?: string }) => {
      const entry = await sourceFrom(flags).fetchEntry(id);
      const cleaned = cleanStructure(parsePdb(entry.text, { label: id }));
      const rows = cleaned.repairs.map((r) => [r.kind, r.subject, r.detail.slice(0, 110)]);
      process.stdout.write(renderTable(['repair', 'subject', 'detail'], rows));
      process.stdout.write(
        `${cleaned.segments.length} segment(s), ${cleaned.segments.reduce((n, s) => n + s.residues.length, 0)} residues\n`,
      );
      if (flags.output !== undefined)
        await writeFile(flags.output, renderPdb(cleaned, `cleaned from PDB entry ${entry.id}`));
    });
  return program;
}

/** Runs the CLI; typed errors become one line on stderr and exit code 1. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // A closed pipe (`fold-pdb clean 4kw4 | head`) is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help).
      process.exitCode = error.exitCode;
      return;
    }
    const code = (error as { code?: string }).code;
    process.stderr.write(
      `fold-pdb: ${code !== undefined ? `${code}: ` : ''}${(error as Error).message}\n`,
    );
    process.exitCode = 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && /fold-pdb$|cli\.[jt]s$/.test(process.argv[1]);
if (invokedDirectly) await main();
