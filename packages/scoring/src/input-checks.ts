import { InvalidInputError, InvalidParameterError } from './errors.js';

// Checks at the boundary: every public entry point validates what it is given once, so that the
// arithmetic inside can trust its types.

/** The largest uid Subtensor can address (uids are u16 on chain). */
export const MAX_UID = 65_535;
/** Longest hotkey or job id accepted; SS58 addresses are 48 characters. */
export const MAX_ID_LENGTH = 256;
/** Most C-alpha atoms accepted per structure (the largest PDB chains have a few thousand). */
export const MAX_CA_ATOMS = 100_000;

export function checkFinite(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, value, 'a finite number');
  }
  return value;
}

export function checkTimeMs(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(
      field,
      value,
      'milliseconds since the epoch (a finite number >= 0)',
    );
  }
  return value;
}

export function checkUid(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_UID) {
    throw new InvalidInputError(field, value, `an integer uid in 0..${MAX_UID}`);
  }
  return value;
}

export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new InvalidInputError(
      field,
      value,
      `a non-empty string of at most ${MAX_ID_LENGTH} characters`,
    );
  }
  return value;
}

export function checkCount(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidInputError(field, value, `an integer in 0..${max}`);
  }
  return value;
}

/**
 * Copies flat C-alpha coordinates `[x0, y0, z0, x1, ...]` into a Float64Array after checking them:
 * a whole number of atoms, at least one, at most {@link MAX_CA_ATOMS}, all finite.
 */
export function checkCoordinates(field: string, value: unknown): Float64Array {
  const arrayLike =
    Array.isArray(value) || value instanceof Float64Array || value instanceof Float32Array;
  if (!arrayLike) {
    throw new InvalidInputError(field, value, 'an array of numbers [x0, y0, z0, x1, ...]', {
      code: 'INVALID_COORDINATES',
    });
  }
  const values = value as ArrayLike<unknown>;
  const length = values.length;
  if (length === 0 || length % 3 !== 0 || length > MAX_CA_ATOMS * 3) {
    throw new InvalidInputError(
      `${field}.length`,
      length,
      `a positive multiple of 3 of at most ${MAX_CA_ATOMS * 3}`,
      { code: 'INVALID_COORDINATES' },
    );
  }
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidInputError(`${field}[${i}]`, v, 'a finite number', {
        code: 'INVALID_COORDINATES',
      });
    }
    out[i] = v;
  }
  return out;
}

// Parameter checks: configuration errors, reported with the parameter's path.

export function paramNumber(
  field: string,
  value: unknown,
  min: number,
  max: number,
  options?: { minExclusive?: boolean },
): number {
  const tooLow =
    typeof value === 'number' && (options?.minExclusive === true ? value <= min : value < min);
  if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || value > max) {
    const low = options?.minExclusive === true ? `> ${min}` : `>= ${min}`;
    throw new InvalidParameterError(field, value, `a finite number ${low} and <= ${max}`);
  }
  return value;
}

export function paramInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameterError(field, value, `an integer in ${min}..${max}`);
  }
  return value;
}

export function paramBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidParameterError(field, value, 'true or false');
  return value;
}

export function paramChoice<T extends string>(
  field: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidParameterError(
      field,
      value,
      `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
    );
  }
  return value as T;
}

export function paramObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidParameterError(field, value, 'an object');
  }
  return value as Record<string, unknown>;
}
