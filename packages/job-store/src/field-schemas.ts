import { Type } from '@sinclair/typebox';

// Field schemas shared by the validator's job records, the miner's assignment records and the
// simulation queue payloads: one definition of what a hotkey, an energy or a step may be.

/** An SS58 address (base58, 46 to 48 characters). */
export const HotkeySchema = Type.String({ pattern: '^[1-9A-HJ-NP-Za-km-z]{46,48}$' });
/** A metagraph uid. */
export const UidSchema = Type.Integer({ minimum: 0, maximum: 65_535 });
/** Milliseconds since the Unix epoch. */
export const TimeMsSchema = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
/** A finite potential energy in kJ/mol. */
export const EnergyKjMolSchema = Type.Number({ minimum: -1e15, maximum: 1e15 });
/** An MD step number. */
export const StepSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A stage name such as `em`, `nvt`, `npt`, `md`. */
export const StageSchema = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' });
/** A random seed handed to GROMACS (`gen_seed`, `ld-seed`). */
export const SeedSchema = Type.Integer({ minimum: 0, maximum: 4_294_967_295 });
/** A validator's job id (also part of a simulation job id). */
export const JobIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' });
/** A protein id such as a PDB id (`1ubq`). */
export const ProteinIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
/** A commitment (a hash a miner publishes over its state), in a text encoding. */
export const CommitmentSchema = Type.String({ pattern: '^[A-Za-z0-9+/=:_.-]{1,256}$' });
/** A short free-text reason. */
export const ReasonSchema = Type.String({ maxLength: 512 });
/** An absolute, normalised path without `..` segments or control characters. */
export const AbsolutePathSchema = Type.String({
  maxLength: 1_024,
  pattern: '^/(?!.*//)(?!.*/\\.\\.?(/|$))[^\\u0000-\\u001f]*$',
});
/** Simulation parameters as flat key/value pairs (force field, water, box, temperature, ...). */
export const ParamsSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  Type.Union([Type.String({ maxLength: 1_024 }), Type.Number(), Type.Boolean(), Type.Null()]),
  { maxProperties: 128 },
);
