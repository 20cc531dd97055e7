/**
 * Replaces the comment block that pdb2gmx writes at the top of a topology or include file (user,
 * host, date, working directory, command line: different on every run) with a fixed line, so that
 * the same system gives the same bytes and the same sha256. Comments carry no meaning for grompp;
 * everything from the first non-comment line on is kept as is. Pure.
 */
export function normalizeTopologyHeader(text: string, name: string): string {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && (lines[first]!.startsWith(';') || lines[first]!.trim() === ''))
    first++;
  return [
    `; ${name}: written by gmx pdb2gmx, header normalised by @fold/pdb-dataset`,
    '',
    ...lines.slice(first),
  ].join('\n');
}
