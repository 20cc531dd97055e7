import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * Simulation parameters as they travel in an assign request: per stage, GROMACS mdp options
 * keyed by their canonical mdp names (lower case, dashes: `nstxout-compressed`, `ref-t`), each
 * with its own type and bounds. Only the options below are accepted; strings are enumerations
 * or group names, never free text, so nothing from the wire can smuggle a line into an .mdp file
 * or an argument onto a command line. Seeds (`gen-seed`, `ld-seed`) and `include` (a search
 * path) are deliberately absent: the seed is its own field and miners never read paths from peers.
 */

function stringEnum<const T extends readonly string[]>(values: T): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

// GROMACS compares enumerated mdp values case-insensitively; the manual's spelling and the
// lower-case spelling are both accepted.
function mdpEnum(values: readonly string[]): TSchema {
  return stringEnum([...new Set([...values, ...values.map((v) => v.toLowerCase())])]);
}

const YES_NO = Type.Union([Type.Boolean(), stringEnum(['yes', 'no'])]);
const STEPS = Type.Integer({ minimum: 0, maximum: 2_000_000_000 });
const INTERVAL = Type.Integer({ minimum: 0, maximum: 2_000_000_000 });
const LENGTH_NM = Type.Number({ minimum: 0, maximum: 10 });
const GROUP_NAME = '[A-Za-z0-9_+-]{1,64}';
const GROUPS = Type.Union([
  Type.String({ pattern: `^${GROUP_NAME}(?: ${GROUP_NAME}){0,15}$` }),
  Type.Array(Type.String({ pattern: `^${GROUP_NAME}$` }), { minItems: 1, maxItems: 16 }),
]);

function perGroup(scalar: TSchema): TSchema {
  return Type.Union([scalar, Type.Array(scalar, { minItems: 1, maxItems: 16 })]);
}

/** The accepted mdp options and the schema of each value. */
export const MDP_OPTION_SCHEMAS = {
  define: Type.String({ pattern: '^(?:-D[A-Z][A-Z0-9_]{0,31}(?: -D[A-Z][A-Z0-9_]{0,31}){0,7})?$' }),
  integrator: mdpEnum(['md', 'md-vv', 'md-vv-avek', 'sd', 'bd', 'steep', 'cg', 'l-bfgs']),
  tinit: Type.Number({ minimum: 0 }),
  dt: Type.Number({ exclusiveMinimum: 0, maximum: 0.01 }),
  nsteps: STEPS,
  'init-step': STEPS,
  'comm-mode': mdpEnum(['Linear', 'Angular', 'Linear-acceleration-correction', 'None']),
  nstcomm: INTERVAL,
  'comm-grps': GROUPS,
  'bd-fric': Type.Number({ minimum: 0 }),
  emtol: Type.Number({ exclusiveMinimum: 0 }),
  emstep: Type.Number({ exclusiveMinimum: 0 }),
  niter: Type.Integer({ minimum: 1, maximum: 1000 }),
  nstcgsteep: INTERVAL,
  nstxout: INTERVAL,
  nstvout: INTERVAL,
  nstfout: INTERVAL,
  nstlog: INTERVAL,
  nstcalcenergy: INTERVAL,
  nstenergy: INTERVAL,
  'nstxout-compressed': INTERVAL,
  'compressed-x-precision': Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
  'compressed-x-grps': GROUPS,
  energygrps: GROUPS,
  'cutoff-scheme': mdpEnum(['Verlet']),
  nstlist: Type.Integer({ minimum: 1, maximum: 1000 }),
  pbc: mdpEnum(['xyz', 'no', 'xy', 'screw']),
  'periodic-molecules': YES_NO,
  'verlet-buffer-tolerance': Type.Number({ minimum: -1, maximum: 1 }),
  rlist: LENGTH_NM,
  coulombtype: mdpEnum(['Cut-off', 'Ewald', 'PME', 'P3M-AD', 'Reaction-Field']),
  'coulomb-modifier': mdpEnum(['Potential-shift-Verlet', 'Potential-shift', 'None']),
  'rcoulomb-switch': LENGTH_NM,
  rcoulomb: LENGTH_NM,
  'epsilon-r': Type.Number({ minimum: 0 }),
  'epsilon-rf': Type.Number({ minimum: 0 }),
  'vdw-type': mdpEnum(['Cut-off', 'PME', 'Shift', 'Switch']),
  'vdw-modifier': mdpEnum([
    'Potential-shift-Verlet',
    'Potential-shift',
    'None',
    'Force-switch',
    'Potential-switch',
  ]),
  'rvdw-switch': LENGTH_NM,
  rvdw: LENGTH_NM,
  dispcorr: mdpEnum(['no', 'EnerPres', 'Ener', 'AllEnerPres', 'AllEner']),
  fourierspacing: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  'fourier-nx': Type.Integer({ minimum: 0, maximum: 4096 }),
  'fourier-ny': Type.Integer({ minimum: 0, maximum: 4096 }),
  'fourier-nz': Type.Integer({ minimum: 0, maximum: 4096 }),
  'pme-order': Type.Integer({ minimum: 3, maximum: 12 }),
  'ewald-rtol': Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  'ewald-rtol-lj': Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  'lj-pme-comb-rule': mdpEnum(['Geometric', 'Lorentz-Berthelot']),
  'ewald-geometry': mdpEnum(['3d', '3dc']),
  'epsilon-surface': Type.Number({ minimum: 0 }),
  tcoupl: mdpEnum(['no', 'berendsen', 'nose-hoover', 'andersen', 'andersen-massive', 'V-rescale']),
  nsttcouple: Type.Integer({ minimum: -1, maximum: 1_000_000 }),
  'nh-chain-length': Type.Integer({ minimum: 0, maximum: 100 }),
  'tc-grps': GROUPS,
  'tau-t': perGroup(Type.Number({ minimum: -1, maximum: 1e4 })),
  'ref-t': perGroup(Type.Number({ minimum: 0, maximum: 1e4 })),
  pcoupl: mdpEnum(['no', 'Berendsen', 'Parrinello-Rahman', 'MTTK', 'C-rescale']),
  pcoupltype: mdpEnum(['isotropic', 'semiisotropic', 'anisotropic', 'surface-tension']),
  nstpcouple: Type.Integer({ minimum: -1, maximum: 1_000_000 }),
  'tau-p': Type.Number({ exclusiveMinimum: 0, maximum: 1e4 }),
  compressibility: perGroup(Type.Number({ minimum: 0, maximum: 1 })),
  'ref-p': perGroup(Type.Number({ minimum: -1e5, maximum: 1e5 })),
  'refcoord-scaling': mdpEnum(['no', 'all', 'com']),
  'gen-vel': YES_NO,
  'gen-temp': Type.Number({ minimum: 0, maximum: 1e4 }),
  constraints: mdpEnum(['none', 'h-bonds', 'all-bonds', 'h-angles', 'all-angles']),
  'constraint-algorithm': mdpEnum(['LINCS', 'SHAKE']),
  continuation: YES_NO,
  'shake-tol': Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  'lincs-order': Type.Integer({ minimum: 1, maximum: 64 }),
  'lincs-iter': Type.Integer({ minimum: 1, maximum: 64 }),
  'lincs-warnangle': Type.Number({ minimum: 0, maximum: 90 }),
  morse: YES_NO,
} as const satisfies Record<string, TSchema>;

/** The names of the accepted mdp options. */
export const MDP_OPTION_NAMES: readonly string[] = Object.freeze(Object.keys(MDP_OPTION_SCHEMAS));

/** A scalar mdp value on the wire. */
export type MdpScalar = string | number | boolean;

const stageProperties = Object.fromEntries(
  Object.entries(MDP_OPTION_SCHEMAS).map(([name, schema]) => [name, Type.Optional(schema)]),
);

/**
 * The mdp options of one stage: allowlisted names, typed and bounded values. Its Python mirror
 * is `dict[str, Union[bool, int, float, str, list[Union[int, float, str]]]]`, so for the body
 * hash its numbers print as written (`300` stays `300`, `300.0` stays `300.0`).
 */
export const StageParamsSchema = Type.Unsafe<Record<string, MdpScalar | MdpScalar[]>>(
  Type.Object(stageProperties, { additionalProperties: false, 'x-python-untyped': true }),
);

/** The stages a job may run, in the order miners run them. */
export const STAGE_NAMES = ['em', 'nvt', 'npt', 'md'] as const;

/** One of {@link STAGE_NAMES}. */
export type StageName = (typeof STAGE_NAMES)[number];

/** The schema of a stage name. */
export const StageNameSchema = Type.Unsafe<StageName>({ type: 'string', enum: [...STAGE_NAMES] });

/** Simulation parameters: at least one stage, each with its mdp options. */
export const SimulationParamsSchema = Type.Object(
  {
    em: Type.Optional(StageParamsSchema),
    nvt: Type.Optional(StageParamsSchema),
    npt: Type.Optional(StageParamsSchema),
    md: Type.Optional(StageParamsSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Simulation parameters as the miner's runner receives them. */
export type SimulationParams = Static<typeof SimulationParamsSchema>;
