import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { MdpError } from './errors.js';
import {
  MDP_LEGACY_OPTION_NAMES,
  MDP_MODULE_OPTION_PREFIXES,
  MDP_OPTION_NAMES,
} from './mdp-options.js';

/** One mdp value: a number, a word, or a boolean (rendered `yes`/`no`). */
export type MdpScalar = string | number | boolean;
/** A value, or several (rendered space-separated, e.g. `ref-t = 300 300`). */
export type MdpValue = MdpScalar | readonly MdpScalar[];
/**
 * GROMACS run parameters keyed by mdp option name, exactly as the protocol carries them:
 * `{ integrator: 'md', nsteps: 5000, dt: 0.002, 'ref-t': [300, 300], 'tc-grps': ['Protein', 'Non-Protein'] }`.
 * Keys are matched the way grompp matches them (case-insensitive, `_` equal to `-`).
 */
export type MdpParams = Readonly<Record<string, MdpValue>>;

const KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
const MAX_OPTIONS = 512;
const MAX_STRING_CHARS = 1024;
const MAX_ARRAY_ITEMS = 1024;
const MAX_MDP_TEXT_BYTES = 1024 * 1024;

const Scalar = Type.Union([
  Type.String({ maxLength: MAX_STRING_CHARS }),
  Type.Number(),
  Type.Boolean(),
]);

/**
 * JSON schema (TypeBox) of {@link MdpParams} as it travels on the wire: a flat object of scalars or
 * arrays of scalars, with bounded sizes. {@link validateMdpParams} applies it and the checks a schema
 * cannot express (known option names, inert characters).
 */
export const MdpParamsSchema = Type.Record(
  Type.String({ pattern: KEY_PATTERN }),
  Type.Union([Scalar, Type.Array(Scalar, { maxItems: MAX_ARRAY_ITEMS })]),
  { maxProperties: MAX_OPTIONS },
);
type MdpParamsWire = Static<typeof MdpParamsSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const checkWire = ajv.compile<MdpParamsWire>(MdpParamsSchema);

/** The form grompp compares option names in: lower case, `_` read as `-`. */
export function normalizeMdpKey(key: string): string {
  return key.toLowerCase().replaceAll('_', '-');
}

/** Whether GROMACS 2022 knows an option name (any spelling grompp accepts). */
export function isKnownMdpOption(key: string): boolean {
  const k = normalizeMdpKey(key);
  return (
    MDP_OPTION_NAMES.has(k) ||
    MDP_LEGACY_OPTION_NAMES.has(k) ||
    MDP_MODULE_OPTION_PREFIXES.some((prefix) => k.startsWith(prefix))
  );
}

// Characters that would change the meaning of an mdp line: ';' starts a comment, '=' a new
// assignment, control characters (newline above all) a new line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const UNSAFE_VALUE = /[\u0000-\u001f\u007f;=]/;
const DEFINE_TOKEN = /^-[DU][A-Za-z_][A-Za-z0-9_]*(=[A-Za-z0-9_.+-]*)?$/;
const INTEGER_KEYS = new Set(['nsteps', 'init-step', 'gen-seed', 'ld-seed', 'simulation-part']);

function checkScalar(key: string, value: MdpScalar, inArray: boolean): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MdpError(key, `value ${value} is not a finite number`);
    return;
  }
  if (typeof value === 'boolean') return;
  if (UNSAFE_VALUE.test(value)) {
    throw new MdpError(
      key,
      'value contains a control character, ";" or "=", which mdp files cannot carry',
      {
        details: { value },
      },
    );
  }
  if (inArray && (value.length === 0 || /\s/.test(value))) {
    throw new MdpError(key, 'array items must be single non-empty words', { details: { value } });
  }
}

/**
 * Checks a parameter set from any source (the wire, a user, a file) and returns it typed.
 * Accepts what grompp would read as intended; refuses what would be misread or reach outside the
 * work directory: unknown option names (grompp only warns), duplicate spellings of one option,
 * values with `;`, `=` or control characters, non-integer step counts and seeds, `define` tokens
 * other than `-DNAME[=value]`/`-UNAME`, and `include` (it names directories of the host).
 * @throws {MdpError} naming the offending option.
 */
export function validateMdpParams(input: unknown): MdpParams {
  if (!checkWire(input)) {
    const first = checkWire.errors?.[0];
    const where = first?.instancePath ? first.instancePath.slice(1) : '(root)';
    throw new MdpError(where, `invalid parameter set: ${first?.message ?? 'not an object'}`, {
      details: { schemaError: first },
    });
  }
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    const norm = normalizeMdpKey(key);
    const previous = seen.get(norm);
    if (previous !== undefined) {
      throw new MdpError(key, `same option as '${previous}' (grompp ignores case and '_' vs '-')`);
    }
    seen.set(norm, key);
    if (!isKnownMdpOption(key)) {
      throw new MdpError(key, 'unknown option for GROMACS 2022 (check the spelling)');
    }
    if (norm === 'include') {
      throw new MdpError(key, 'not allowed: it adds host directories to the topology search path');
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) checkScalar(key, item, Array.isArray(value));
    if (norm === 'define') {
      for (const token of renderValue(value).split(/\s+/).filter(Boolean)) {
        if (!DEFINE_TOKEN.test(token)) {
          throw new MdpError(key, `token '${token}' is not -DNAME[=value] or -UNAME`);
        }
      }
    }
    if (INTEGER_KEYS.has(norm) || norm.startsWith('nst')) {
      for (const item of items) {
        const n = typeof item === 'string' ? Number(item) : item;
        if (typeof n !== 'number' || !Number.isInteger(n)) {
          throw new MdpError(key, `expected an integer, got ${JSON.stringify(item)}`);
        }
      }
    }
  }
  return input;
}

function renderScalar(value: MdpScalar): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value === 0 ? 0 : value);
  return value.trim();
}

function renderValue(value: MdpValue): string {
  return Array.isArray(value)
    ? value.map(renderScalar).join(' ')
    : renderScalar(value as MdpScalar);
}

/**
 * Renders parameters as `.mdp` text, one `key = value` line each, in the object's order.
 * Booleans become `yes`/`no`, arrays space-separated values. Run {@link validateMdpParams} first on
 * anything that did not come from this package.
 */
export function renderMdp(params: MdpParams, options?: { comment?: string }): string {
  const lines: string[] = [];
  if (options?.comment) {
    for (const line of options.comment.split('\n')) lines.push(`; ${line}`);
  }
  for (const [key, value] of Object.entries(params)) {
    lines.push(`${key.padEnd(24)} = ${renderValue(value)}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

const NUMBER_TOKEN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseToken(token: string): MdpScalar {
  if (NUMBER_TOKEN.test(token)) {
    const n = Number(token);
    if (Number.isFinite(n)) return n === 0 ? 0 : n;
  }
  return token;
}

function canonicalValue(value: MdpValue): MdpValue {
  const tokens = renderValue(value).split(/\s+/).filter(Boolean).map(parseToken);
  if (tokens.length === 0) return '';
  if (tokens.length === 1) return tokens[0] as MdpScalar;
  return tokens;
}

/**
 * The form {@link parseMdp} returns for a parameter set: booleans as `yes`/`no`, numeric words as
 * numbers, several words as an array. `parseMdp(renderMdp(p))` equals `canonicalMdp(p)`.
 */
export function canonicalMdp(params: MdpParams): MdpParams {
  const out: Record<string, MdpValue> = {};
  for (const [key, value] of Object.entries(params)) out[key] = canonicalValue(value);
  return out;
}

/**
 * Parses `.mdp` text (comments after `;`, blank lines, `key = value`) into parameters, keys as
 * written. Values are in canonical form (see {@link canonicalMdp}).
 * @throws {MdpError} on a line without `=`, a malformed key, a repeated option, or text over 1 MiB.
 */
export function parseMdp(text: string): MdpParams {
  if (text.length > MAX_MDP_TEXT_BYTES) {
    throw new MdpError('(file)', `mdp text is over ${MAX_MDP_TEXT_BYTES} characters`);
  }
  const out: Record<string, MdpValue> = {};
  const seen = new Map<string, string>();
  const keyPattern = new RegExp(KEY_PATTERN);
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = (raw.split(';', 1)[0] ?? '').trim();
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      throw new MdpError('(line)', `line ${index + 1} has no '=': ${JSON.stringify(raw)}`);
    }
    const key = line.slice(0, eq).trim();
    if (!keyPattern.test(key)) {
      throw new MdpError(key, `line ${index + 1}: not an option name`);
    }
    const norm = normalizeMdpKey(key);
    const previous = seen.get(norm);
    if (previous !== undefined) {
      throw new MdpError(key, `line ${index + 1} repeats option '${previous}'`);
    }
    seen.set(norm, key);
    out[key] = canonicalValue(line.slice(eq + 1));
  });
  return out;
}

/**
 * Layers parameter sets: later layers override earlier ones option by option (matching names the
 * way grompp does, so `ref_t` replaces `ref-t`); an overridden option keeps its position and takes
 * the later spelling; a `null`/`undefined` override removes the option.
 */
export function mergeMdp(
  ...layers: readonly (Readonly<Record<string, MdpValue | null | undefined>> | undefined)[]
): MdpParams {
  const entries = new Map<string, [string, MdpValue]>();
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      const norm = normalizeMdpKey(key);
      if (value === null || value === undefined) {
        entries.delete(norm);
      } else if (entries.has(norm)) {
        const slot = entries.get(norm);
        if (slot) {
          slot[0] = key;
          slot[1] = value;
        }
      } else {
        entries.set(norm, [key, value]);
      }
    }
  }
  const out: Record<string, MdpValue> = {};
  for (const [key, value] of entries.values()) out[key] = value;
  return out;
}

/** Looks an option up under any spelling grompp accepts; undefined when absent. */
export function getMdpValue(params: MdpParams, key: string): MdpValue | undefined {
  const norm = normalizeMdpKey(key);
  for (const [k, v] of Object.entries(params)) if (normalizeMdpKey(k) === norm) return v;
  return undefined;
}

/** An option as one number (`nsteps`, `dt`); undefined when absent or not a single number. */
export function getMdpNumber(params: MdpParams, key: string): number | undefined {
  const value = getMdpValue(params, key);
  if (value === undefined || Array.isArray(value)) return undefined;
  const parsed = parseToken(renderScalar(value as MdpScalar));
  return typeof parsed === 'number' ? parsed : undefined;
}

/** An option as one lower-case word (`integrator`, `gen-vel`); undefined when absent. */
export function getMdpWord(params: MdpParams, key: string): string | undefined {
  const value = getMdpValue(params, key);
  if (value === undefined) return undefined;
  return renderValue(value).toLowerCase();
}
