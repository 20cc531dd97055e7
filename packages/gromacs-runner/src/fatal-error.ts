/**
 * Reading GROMACS's own failure reports. GROMACS ends a failed command with a block framed by
 * dashed lines: `Program:`, `Source file:`, optionally `Function:`, then a heading such as
 * `Fatal error:` or `Inconsistency in user input:` and the message, then a pointer to the website.
 * Command-line mistakes are reported before that machinery starts, as `Invalid command-line options`.
 */

/** The error block of a failed gmx run. */
export interface FatalErrorReport {
  /** The heading without its colon, e.g. `Fatal error`. */
  readonly kind: string;
  /** The message, lines joined with single spaces. */
  readonly message: string;
}

const RULE = /^-{20,}\s*$/;

/** Finds the last error block in gmx stderr; null when there is none. */
export function parseFatalError(stderr: string): FatalErrorReport | null {
  const lines = stderr.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!/^Program:\s/.test(lines[i] ?? '')) continue;
    let j = i + 1;
    while (j < lines.length && /^(Source file|Function|MPI rank):/.test(lines[j] ?? '')) j++;
    while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
    const heading = (lines[j] ?? '').trim();
    if (!heading.endsWith(':')) return null;
    const body: string[] = [];
    for (j++; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (RULE.test(line) || /^For more information and tips/.test(line)) break;
      body.push(line.trim());
    }
    return { kind: heading.slice(0, -1), message: body.filter(Boolean).join(' ') };
  }
  const invalid = lines.findIndex((l) => l.startsWith('Invalid command-line options'));
  if (invalid >= 0) {
    const body = lines
      .slice(invalid + 1)
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 6);
    return { kind: 'Invalid command-line options', message: body.join(' ') };
  }
  return null;
}

/** The texts of grompp's `WARNING n [file ...]:` entries, in order. */
export function parseGromppWarnings(stderr: string): string[] {
  const lines = stderr.split(/\r?\n/);
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^WARNING \d+ \[([^\]]*)\]:\s*$/.exec(lines[i] ?? '');
    if (!head) continue;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? '').trim() !== ''; i++)
      body.push((lines[i] ?? '').trim());
    warnings.push(`${body.join(' ')} [${head[1]}]`);
  }
  return warnings;
}

/** What pdb2gmx's message says is wrong with the structure. */
export type Pdb2gmxProblem =
  | {
      kind: 'missing-atom';
      residueName: string;
      residueNumber: number | null;
      atomName: string | null;
    }
  | { kind: 'unknown-residue'; residueName: string; residueNumber: number | null }
  | { kind: 'unexpected-atom'; residueName: string; residueNumber: number | null; atomName: string }
  | { kind: 'unknown-force-field'; forceField: string };

/** Classifies a pdb2gmx error message; null for failures that name no residue. */
export function classifyPdb2gmxError(message: string): Pdb2gmxProblem | null {
  let m =
    /Residue (-?\d+) named (\S+) of a molecule in the input file was mapped to an entry in the topology database, but the atom (\S+) used in that entry is not found/.exec(
      message,
    );
  if (m) {
    return {
      kind: 'missing-atom',
      residueNumber: Number(m[1]),
      residueName: m[2] as string,
      atomName: m[3] as string,
    };
  }
  m = /Incomplete ring in ([A-Z0-9]+)-?(-?\d+)/.exec(message);
  if (m) {
    return {
      kind: 'missing-atom',
      residueName: m[1] as string,
      residueNumber: Number(m[2]),
      atomName: null,
    };
  }
  m = /Residue '([^']+)' not found in residue topology database/.exec(message);
  if (m) return { kind: 'unknown-residue', residueName: m[1] as string, residueNumber: null };
  m =
    /The residues in the chain (\D+?)(-?\d+)--\S+ do not have a consistent type\. The first residue has type '([^']+)', while residue (\D+?)(-?\d+) is of type '([^']+)'/.exec(
      message,
    );
  if (m) {
    // The odd one out is whichever is not a standard type; GROMACS names both ends of the mismatch.
    const firstIsOther = m[3] === 'Other';
    return {
      kind: 'unknown-residue',
      residueName: (firstIsOther ? m[1] : m[4]) as string,
      residueNumber: Number(firstIsOther ? m[2] : m[5]),
    };
  }
  m = /Atom (\S+) in residue (\S+) (-?\d+) was not found in rtp entry/.exec(message);
  if (m) {
    return {
      kind: 'unexpected-atom',
      atomName: m[1] as string,
      residueName: m[2] as string,
      residueNumber: Number(m[3]),
    };
  }
  m = /Could not find force field '([^']+)'/.exec(message);
  if (m) return { kind: 'unknown-force-field', forceField: m[1] as string };
  return null;
}
