import { InvalidOptionsError } from './errors.js';
import { seededRandom } from './random.js';

/** Force fields searched: the reference's two plus AMBER99SB-ILDN. */
export const FORCE_FIELDS = ['charmm27', 'amber03', 'amber99sb-ildn'] as const;
/** Force fields of the reference search. */
export const REFERENCE_FORCE_FIELDS = ['charmm27', 'amber03'] as const;
/** Water models searched. */
export const WATER_MODELS = ['tip3p', 'spce'] as const;
/** Box shapes searched (`editconf -bt`). */
export const BOX_SHAPES = ['dodecahedron', 'octahedron', 'cubic'] as const;

export type ForceField = (typeof FORCE_FIELDS)[number];
export type WaterModel = (typeof WATER_MODELS)[number];
export type BoxShape = (typeof BOX_SHAPES)[number];

/**
 * The perturbations that multiply the job space, each a short grid around the usual value so that
 * every value stays physically reasonable: 7 temperatures x 5 pressures x 5 salt
 * concentrations x 4 box distances = 700 variants of each of the 18 base combinations.
 */
export const PERTURBATIONS = {
  /** Thermostat reference temperature, K. */
  temperatureK: [290, 295, 300, 305, 310, 315, 320],
  /** Barostat reference pressure, bar. */
  pressureBar: [0.8, 0.9, 1.0, 1.1, 1.2],
  /** NaCl added on top of the neutralising counter-ions, mol/L. */
  ionConcentrationMolar: [0, 0.05, 0.1, 0.15, 0.2],
  /** Minimum distance from the protein to the box edge, nm. */
  boxDistanceNm: [1.0, 1.1, 1.2, 1.3],
} as const;

/** One point of the job space. */
export interface Hyperparameters {
  readonly forceField: ForceField;
  readonly water: WaterModel;
  readonly box: BoxShape;
  readonly boxDistanceNm: number;
  readonly ionConcentrationMolar: number;
  readonly temperatureK: number;
  readonly pressureBar: number;
}

/** Which part of the space to search. */
export type SearchSpace = 'full' | 'reference';

function baseCombinations(
  space: SearchSpace,
): { forceField: ForceField; water: WaterModel; box: BoxShape }[] {
  const forceFields: readonly ForceField[] =
    space === 'reference' ? REFERENCE_FORCE_FIELDS : FORCE_FIELDS;
  return forceFields.flatMap((forceField) =>
    WATER_MODELS.flatMap((water) => BOX_SHAPES.map((box) => ({ forceField, water, box }))),
  );
}

/**
 * Number of distinct configurations per protein: 18 x 700 = 12,600 for the full space (the
 * reference searched 12). The reference space has no perturbations.
 */
export function jobSpaceSize(space: SearchSpace = 'full'): number {
  const base = baseCombinations(space).length;
  if (space === 'reference') return base;
  const p = PERTURBATIONS;
  return (
    base *
    p.temperatureK.length *
    p.pressureBar.length *
    p.ionConcentrationMolar.length *
    p.boxDistanceNm.length
  );
}

/** `charmm27/tip3p/dodecahedron d1.0nm 0.15M 300K 1bar`, for logs, tables and provenance. */
export function hyperparameterLabel(h: Hyperparameters): string {
  return `${h.forceField}/${h.water}/${h.box} d${h.boxDistanceNm}nm ${h.ionConcentrationMolar}M ${h.temperatureK}K ${h.pressureBar}bar`;
}

/** Options of {@link candidateHyperparameters}. */
export interface CandidateOptions {
  /** `full` (default): 18 base combinations with perturbations; `reference`: the reference's 12, unperturbed. */
  readonly space?: SearchSpace;
  /** How many candidates to return (default: one per base combination). */
  readonly maxCandidates?: number;
  /**
   * Values every candidate must have (a researcher's choice of force field, temperature, ...):
   * only base combinations with the fixed force field, water and box are tried, and fixed
   * perturbations replace the drawn ones. Without it the list is exactly as before.
   */
  readonly fixed?: Partial<Hyperparameters>;
}

function checkFixed(fixed: Partial<Hyperparameters>): void {
  const choice = <T extends string>(field: string, value: T | undefined, allowed: readonly T[]) => {
    if (value !== undefined && !allowed.includes(value))
      throw new InvalidOptionsError(
        `fixed.${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`,
      );
  };
  choice('forceField', fixed.forceField, FORCE_FIELDS);
  choice('water', fixed.water, WATER_MODELS);
  choice('box', fixed.box, BOX_SHAPES);
  const ranges = {
    boxDistanceNm: [0.1, 10],
    ionConcentrationMolar: [0, 5],
    temperatureK: [1, 1000],
    pressureBar: [0, 10000],
  } as const;
  for (const [field, [min, max]] of Object.entries(ranges)) {
    const value = fixed[field as keyof typeof ranges];
    if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= max))
      throw new InvalidOptionsError(`fixed.${field} must be in [${min}, ${max}] (got ${value})`);
  }
}

/**
 * The candidates tried for (pdbId, seed), in order: the base combinations in a seeded random
 * order, each with seeded perturbations. Pure and deterministic: the same (id, seed) always gives
 * the same list; other seeds reach other corners of the space. The reference space keeps the
 * reference's defaults (1.0 nm, no salt, 300 K, 1 bar).
 * @throws {InvalidOptionsError} for a non-integer seed or a bad `maxCandidates`.
 */
export function candidateHyperparameters(
  pdbId: string,
  seed: number,
  options: CandidateOptions = {},
): Hyperparameters[] {
  if (!Number.isSafeInteger(seed))
    throw new InvalidOptionsError(`seed must be an integer (got ${seed})`);
  const space = options.space ?? 'full';
  const fixed = options.fixed ?? {};
  checkFixed(fixed);
  const bases = baseCombinations(space).filter(
    (b) =>
      (fixed.forceField === undefined || b.forceField === fixed.forceField) &&
      (fixed.water === undefined || b.water === fixed.water) &&
      (fixed.box === undefined || b.box === fixed.box),
  );
  if (bases.length === 0)
    throw new InvalidOptionsError(
      `the ${space} search space has no ${fixed.forceField}/${fixed.water}/${fixed.box} combination`,
    );
  const max = options.maxCandidates ?? bases.length;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new InvalidOptionsError(`maxCandidates must be a positive integer (got ${max})`);
  }
  const random = seededRandom(`hyperparameters:${space}:${pdbId.toLowerCase()}:${seed}`);
  const order = random.shuffle(bases);
  const out: Hyperparameters[] = [];
  for (let i = 0; i < max; i++) {
    const base = order[i % order.length]!;
    if (space === 'reference') {
      out.push({
        ...base,
        boxDistanceNm: 1.0,
        ionConcentrationMolar: 0,
        temperatureK: 300,
        pressureBar: 1.0,
        ...fixed,
      });
      if (i + 1 === order.length) break;
      continue;
    }
    // Drawn even when fixed, so that fixing one value leaves the others' draws as they were.
    out.push({
      ...base,
      boxDistanceNm: random.pick(PERTURBATIONS.boxDistanceNm),
      ionConcentrationMolar: random.pick(PERTURBATIONS.ionConcentrationMolar),
      temperatureK: random.pick(PERTURBATIONS.temperatureK),
      pressureBar: random.pick(PERTURBATIONS.pressureBar),
      ...fixed,
    });
  }
  return out;
}
