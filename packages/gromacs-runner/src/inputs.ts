import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { InvalidInputError } from './errors.js';

// Checks on values that become gmx arguments or file names. Arguments travel as an array, never
// through a shell, so quotes, `;` and `$()` are inert there; what remains dangerous is a value that
// gmx itself would read as an option (a leading `-`), a line break inside a file GROMACS reads
// line by line, and a name that leaves the work directory.

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

/** A path given to gmx: no control characters, and never mistakable for an option. */
export function pathArg(field: string, path: string, extensions?: readonly string[]): string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) {
    throw new InvalidInputError(field, 'expected a non-empty path of at most 4096 characters');
  }
  if (CONTROL.test(path)) {
    throw new InvalidInputError(field, 'path contains control characters', { details: { path } });
  }
  if (extensions && !extensions.some((ext) => path.toLowerCase().endsWith(ext))) {
    throw new InvalidInputError(field, `expected a file ending in ${extensions.join(', ')}`, {
      details: { path },
    });
  }
  // gmx parses any argument that starts with '-' as an option.
  return path.startsWith('-') && !isAbsolute(path) ? `./${path}` : path;
}

/**
 * A bare file name that will be created or read inside a work directory: letters, digits and
 * `_ . + -`, not starting with `.` or `-`, at most 128 characters.
 */
export function assertFileName(field: string, name: string): string {
  if (typeof name !== 'string' || !SAFE_FILE_NAME.test(name) || name !== basename(name)) {
    throw new InvalidInputError(
      field,
      `'${String(name)}' is not an allowed file name (letters, digits, '_', '.', '+', '-'; no directories)`,
      { details: { name } },
    );
  }
  return name;
}

/** A GROMACS word such as a force field, water model, ion or group name. */
export function assertWord(field: string, value: string): string {
  if (typeof value !== 'string' || !SAFE_WORD.test(value)) {
    throw new InvalidInputError(field, `'${String(value)}' is not an allowed name`, {
      details: { value },
    });
  }
  return value;
}

/** A finite number within bounds. */
export function assertNumber(
  field: string,
  value: number,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, `expected a finite number, got ${String(value)}`);
  }
  if (bounds.integer && !Number.isInteger(value)) {
    throw new InvalidInputError(field, `expected an integer, got ${value}`);
  }
  if (bounds.min !== undefined && value < bounds.min) {
    throw new InvalidInputError(field, `must be at least ${bounds.min}, got ${value}`);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new InvalidInputError(field, `must be at most ${bounds.max}, got ${value}`);
  }
  return value;
}

/**
 * Reads a file after checking its size, so that a hostile or mistaken input cannot make the
 * process allocate without bound.
 * @throws {InvalidInputError} when the file is larger than `maxBytes`.
 */
export async function readFileLimited(
  field: string,
  path: string,
  maxBytes: number,
): Promise<Buffer> {
  const size = (await stat(path)).size;
  if (size > maxBytes) {
    throw new InvalidInputError(
      field,
      `${path} is ${size} bytes, more than the ${maxBytes} allowed`,
      {
        details: { path, sizeBytes: size, maxBytes },
      },
    );
  }
  return readFile(path);
}
