import { GmxParseError } from './errors.js';

/** Columns of an .xvg file: the x column (time in ps for energies) and named series. */
export interface XvgTable {
  readonly x: readonly number[];
  /** Series by legend (`Potential`, `Temperature`, ...), each as long as `x`. */
  readonly series: Readonly<Record<string, readonly number[]>>;
}

/**
 * Parses the .xvg text gmx tools write (`#` comments, `@` directives with `legend` lines, rows of
 * numbers).
 * @throws {GmxParseError} on a row with a non-number or the wrong column count.
 */
export function parseXvg(text: string): XvgTable {
  const legends: string[] = [];
  const x: number[] = [];
  const columns: number[][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@')) {
      const m = /^@\s*s(\d+)\s+legend\s+"(.*)"\s*$/.exec(line);
      if (m) legends[Number(m[1])] = m[2] as string;
      continue;
    }
    const values = line.split(/\s+/).map(Number);
    if (values.some((v) => Number.isNaN(v))) {
      throw new GmxParseError(`xvg row is not numeric: ${JSON.stringify(line)}`);
    }
    if (columns.length === 0) for (let i = 1; i < values.length; i++) columns.push([]);
    if (values.length !== columns.length + 1) {
      throw new GmxParseError(
        `xvg row has ${values.length} columns, expected ${columns.length + 1}`,
      );
    }
    x.push(values[0] as number);
    for (let i = 1; i < values.length; i++) columns[i - 1]?.push(values[i] as number);
  }
  const series: Record<string, number[]> = {};
  columns.forEach((col, i) => {
    series[legends[i] ?? `s${i}`] = col;
  });
  return { x, series };
}
