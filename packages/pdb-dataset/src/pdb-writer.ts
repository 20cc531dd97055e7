import type { CleanStructure } from './clean.js';

function atomNameField(name: string, element: string): string {
  // PDB convention: a one-letter element starts in column 14 unless the name fills 4 columns.
  if (name.length >= 4 || element.length === 2) return name.padEnd(4).slice(0, 4);
  return ` ${name}`.padEnd(4);
}

function fixed(value: number, width: number, decimals: number): string {
  return value.toFixed(decimals).padStart(width);
}

/**
 * Renders a cleaned structure as PDB ATOM records: every segment ends with TER so that pdb2gmx
 * (`-chainsep id_or_ter`, its default) makes it a separate molecule with its own termini, even
 * when segments share a chain id. Atoms are numbered from 1; residue numbers are the entry's.
 * Deterministic: the same structure gives the same bytes.
 */
export function renderPdb(
  structure: CleanStructure,
  title = 'cleaned by @fold/pdb-dataset',
): string {
  // pdb2gmx titles its .gro after TITLE; without one it picks a random GROMACS acronym, which
  // would make the same input give different bytes.
  const lines: string[] = [`TITLE     ${title}`.slice(0, 80).padEnd(80)];
  let serial = 0;
  for (const segment of structure.segments) {
    let last = '';
    for (const residue of segment.residues) {
      for (const atom of residue.atoms) {
        serial++;
        const [x, y, z] = atom.position;
        last =
          'ATOM  ' +
          String(serial % 100000).padStart(5) +
          ' ' +
          atomNameField(atom.name, atom.element) +
          ' ' +
          residue.resName.padStart(3) +
          ' ' +
          (segment.chainId || 'A') +
          String(residue.resSeq).padStart(4) +
          (residue.iCode || ' ') +
          '   ' +
          fixed(x, 8, 3) +
          fixed(y, 8, 3) +
          fixed(z, 8, 3) +
          fixed(1, 6, 2) +
          fixed(0, 6, 2) +
          '          ' +
          atom.element.padStart(2) +
          '  ';
        lines.push(last);
      }
    }
    lines.push(
      `TER   ${String((serial + 1) % 100000).padStart(5)}      ${last.slice(17, 27)}`.padEnd(80),
    );
  }
  lines.push('END'.padEnd(80));
  return `${lines.join('\n')}\n`;
}
