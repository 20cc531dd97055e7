import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pdbEntryPath } from '@fold/devkit';

/**
 * A PDB entry from the shared mirror reduced to what plain pdb2gmx takes: protein ATOM records of
 * the first model, first alternate location only, no HETATM/waters (cleaning proper belongs to
 * @fold/pdb-dataset; tests need only this much).
 */
export function cleanProteinPdb(id: string): string {
  const text = gunzipSync(readFileSync(pdbEntryPath(id))).toString('latin1');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('ENDMDL')) break;
    if (line.startsWith('TER')) out.push('TER');
    if (!line.startsWith('ATOM  ')) continue;
    const altLoc = line[16] ?? ' ';
    if (altLoc !== ' ' && altLoc !== 'A' && altLoc !== '1') continue;
    out.push(`${line.slice(0, 16)} ${line.slice(17)}`);
  }
  out.push('END');
  return `${out.join('\n')}\n`;
}

/** A fresh directory under the system temp dir, and its removal. */
export async function tempDir(
  prefix: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `fold-gmx-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
