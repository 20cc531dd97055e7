import { Value } from '@sinclair/typebox/value';
import { type Verdict, type VerdictDetail, VerdictDetailSchema } from './api-schemas.js';
import { formatEnergy, formatNm, shortHotkey } from './format.js';

/** A job's verification reports, with how many could not be read. */
export interface VerdictDetails {
  readonly details: readonly VerdictDetail[];
  /** Reports that do not have the shape this page reads (a newer validator, say). */
  readonly unreadable: number;
}

/** Reads the reports of `GET /api/jobs/:id` one by one. Pure. */
export function readVerdictDetails(values: readonly unknown[] | undefined): VerdictDetails {
  const details: VerdictDetail[] = [];
  let unreadable = 0;
  for (const value of values ?? []) {
    if (Value.Check(VerdictDetailSchema, value)) details.push(value);
    else unreadable++;
  }
  return { details, unreadable };
}

/** The report on a verdict: same miner, step and outcome, the latest if several. Pure. */
export function detailOf(
  verdict: Verdict,
  details: readonly VerdictDetail[],
): VerdictDetail | undefined {
  let found: VerdictDetail | undefined;
  for (const d of details) {
    if (d.uid !== verdict.uid || d.step !== verdict.step || d.accepted !== verdict.accepted)
      continue;
    if (found === undefined || (d.at ?? 0) >= (found.at ?? 0)) found = d;
  }
  return found;
}

const relative = (value: number) => value.toExponential(1);
const number = (digits: number) => (value: number) => value.toFixed(digits);

// The measurements a researcher reads first, with their units; others are listed raw after.
const MEASUREMENTS: readonly (readonly [string, string, (value: number) => string])[] = [
  ['potentialKjMol', 'recomputed potential energy', (v) => formatEnergy(v)],
  ['claimRelative', 'claim vs recomputed (relative)', relative],
  ['edrRelative', '.edr vs recomputed (relative)', relative],
  ['temperatureK', 'temperature of the frame', (v) => `${v.toFixed(1)} K`],
  ['kineticRelative', 'kinetic energy vs expected (relative)', relative],
  ['maxForceKjMolNm', 'largest force', (v) => `${Math.round(v).toLocaleString('en-US')} kJ/mol/nm`],
  ['rmsForceKjMolNm', 'RMS force', (v) => `${Math.round(v).toLocaleString('en-US')} kJ/mol/nm`],
  ['maxConstraintDeviation', 'largest constraint deviation', relative],
  ['closestAtomsNm', 'closest atom pair', (v) => formatNm(v)],
  ['gradientSigmas', 'continuation: first-step change', (v) => `${v.toFixed(2)} σ`],
  ['driftSigmas', 'continuation: drift', (v) => `${v.toFixed(2)} σ`],
  ['reproductionDeviation', 'reproduction: largest deviation', relative],
  ['reproductionSteps', 'reproduction: steps compared', number(0)],
  ['inputRmsdNm', 'all-atom RMSD to the start', (v) => formatNm(v)],
  ['atomStepsPerSecond', 'reported speed', (v) => `${v.toExponential(2)} atom·steps/s`],
];

/**
 * The measurements of a report as label/value rows: known ones first, in a fixed order, with
 * units; unknown numeric or text ones after, as given; missing ones left out. Pure.
 */
export function measurementRows(detail: VerdictDetail): [string, string][] {
  const m = detail.measurements ?? {};
  const rows: [string, string][] = [];
  if (detail.claimedEnergyKjMol !== undefined)
    rows.push(['claimed potential energy', formatEnergy(detail.claimedEnergyKjMol)]);
  const known = new Set<string>();
  for (const [key, label, format] of MEASUREMENTS) {
    known.add(key);
    const value = m[key];
    if (typeof value === 'number' && Number.isFinite(value)) rows.push([label, format(value)]);
  }
  const copy = m.closestCopy;
  known.add('closestCopy');
  if (typeof copy === 'object' && copy !== null) {
    const c = copy as { hotkey?: unknown; rmsdNm?: unknown; kind?: unknown };
    if (typeof c.rmsdNm === 'number')
      rows.push([
        'closest earlier submission of another miner',
        `${formatNm(c.rmsdNm)} ${String(c.kind ?? '')} RMSD (${shortHotkey(typeof c.hotkey === 'string' ? c.hotkey : null)})`,
      ]);
  }
  for (const [key, value] of Object.entries(m)) {
    if (known.has(key) || value === null) continue;
    if (typeof value === 'number' || typeof value === 'string') rows.push([key, String(value)]);
  }
  if (detail.fetchMs !== undefined && detail.verifyMs !== undefined)
    rows.push(['fetch / verification time', `${detail.fetchMs} ms / ${detail.verifyMs} ms`]);
  return rows;
}
