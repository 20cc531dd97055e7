import { BundleFileNameError } from './errors.js';

/**
 * The file extensions a bundle may carry: GROMACS inputs (gro, top, itp, ndx) and outputs (tpr,
 * trr, xtc, edr, log, cpt). Parameter files (.mdp) never travel: miners render them from typed
 * parameters.
 */
export const BUNDLE_FILE_EXTENSIONS = [
  'cpt',
  'edr',
  'gro',
  'itp',
  'log',
  'ndx',
  'top',
  'tpr',
  'trr',
  'xtc',
] as const;

/** One of {@link BUNDLE_FILE_EXTENSIONS}. */
export type BundleFileExtension = (typeof BUNDLE_FILE_EXTENSIONS)[number];

/** Longest file name accepted, in characters. */
export const MAX_FILE_NAME_LENGTH = 100;

// One path component of ASCII letters, digits, '_', '-', '+', dot-separated (so never '..'),
// starting with a letter or digit (so never hidden), ending in an allowed extension.
const FILE_NAME = new RegExp(
  `^[A-Za-z0-9][A-Za-z0-9_+-]*(?:\\.[A-Za-z0-9_+-]+)*\\.(?:${BUNDLE_FILE_EXTENSIONS.join('|')})$`,
);

/** The JSON-schema pattern of an allowed file name (same rule as {@link checkFileName}). */
export const FILE_NAME_PATTERN: string = FILE_NAME.source;

function describe(name: string): string {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_FILE_NAME_LENGTH)
    return `is longer than ${MAX_FILE_NAME_LENGTH} characters`;
  if (/[/\\]/.test(name)) return 'contains a path separator';
  if (name.includes('..')) return "contains '..'";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (!/^[\x20-\x7e]*$/.test(name)) return 'contains a non-ASCII character';
  const ext = /\.([^.]*)$/.exec(name)?.[1];
  if (ext === undefined || !(BUNDLE_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    return `does not end in one of .${BUNDLE_FILE_EXTENSIONS.join(', .')}`;
  }
  return 'must be letters, digits, _ - + and single dots, starting with a letter or digit';
}

/**
 * Checks a bundle file name against the allowlist: a single path component (no `/` or `\`),
 * no `..`, no control or non-ASCII characters, not hidden, at most
 * {@link MAX_FILE_NAME_LENGTH} characters, ending in one of {@link BUNDLE_FILE_EXTENSIONS}.
 * @returns the name, unchanged.
 * @throws {BundleFileNameError} naming the rule the name breaks.
 */
export function checkFileName(name: string): string {
  if (name.length <= MAX_FILE_NAME_LENGTH && FILE_NAME.test(name)) return name;
  const shown = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}...` : name);
  throw new BundleFileNameError(`File name ${shown} ${describe(name)}`, {
    details: { file: name.slice(0, 200) },
  });
}
