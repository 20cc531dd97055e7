import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root: this package lives at `<root>/tooling/devkit`. */
export const workspaceRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The data shared beside the repository (a PDB mirror, a chain spec). `FOLD_SHARED_DIR` overrides
 * the default `<workspace>/../shared`.
 */
export function sharedDir(): string {
  return resolve(process.env.FOLD_SHARED_DIR ?? resolve(workspaceRoot, '..', 'shared'));
}

/** Raised when shared data a test or benchmark needs is not where its variable points. */
export class MissingSharedDataError extends Error {
  override readonly name = 'MissingSharedDataError';
  readonly code = 'SHARED_DATA_MISSING' as const;
  constructor(readonly details: { readonly path: string; readonly envVar: string }) {
    super(
      `shared data not found at ${details.path}: set ${details.envVar} (or FOLD_SHARED_DIR) to its location`,
    );
  }
}

function located(envVar: string, fallback: string): string {
  const path = resolve(process.env[envVar] ?? fallback);
  if (!existsSync(path)) throw new MissingSharedDataError({ path, envVar });
  return path;
}

/**
 * The PDB mirror in the RCSB layout (`mirror/<id[1:3]>/pdb<id>.ent.gz`, `MANIFEST.json`,
 * `catalog.json`). `FOLD_PDB_DIR` overrides the default `<shared>/pdb`.
 * Missing data is always an error, never a reason to skip a test.
 * @throws {MissingSharedDataError}
 */
export function pdbMirrorDir(): string {
  return located('FOLD_PDB_DIR', resolve(sharedDir(), 'pdb'));
}

/**
 * The raw Subtensor chain spec that chopsticks runs. `FOLD_CHAIN_SPEC` overrides the default
 * `<shared>/chain/subtensor-raonet.json`.
 * @throws {MissingSharedDataError}
 */
export function chainSpecPath(): string {
  return located('FOLD_CHAIN_SPEC', resolve(sharedDir(), 'chain', 'subtensor-raonet.json'));
}

/** The path of one entry of the PDB mirror, e.g. `pdbEntryPath('1ubq')`. @throws {MissingSharedDataError} */
export function pdbEntryPath(id: string): string {
  const lower = id.toLowerCase();
  const path = resolve(pdbMirrorDir(), 'mirror', lower.slice(1, 3), `pdb${lower}.ent.gz`);
  if (!existsSync(path)) throw new MissingSharedDataError({ path, envVar: 'FOLD_PDB_DIR' });
  return path;
}
