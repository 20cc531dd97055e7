import { InvalidPdbIdError } from './errors.js';

const PDB_ID = /^[0-9][a-z0-9]{3}$/;

/**
 * Validates a PDB id and returns it in lower case (`1UBQ` → `1ubq`).
 * @throws {InvalidPdbIdError} when `id` is not a digit followed by three letters or digits.
 */
export function normalizePdbId(id: string): string {
  const lower = id.toLowerCase();
  if (!PDB_ID.test(lower)) throw new InvalidPdbIdError(id);
  return lower;
}

/**
 * The path of an entry in the wwPDB "divided" layout, relative to the layout's root:
 * `<id[1:3]>/pdb<id>.ent.gz` (1UBQ → `ub/pdb1ubq.ent.gz`).
 * @throws {InvalidPdbIdError}
 */
export function dividedEntryPath(id: string): string {
  const lower = normalizePdbId(id);
  return `${lower.slice(1, 3)}/pdb${lower}.ent.gz`;
}
