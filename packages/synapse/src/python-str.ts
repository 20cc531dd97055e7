import { isFloatLexeme, type JsonNode } from './json-tree.js';

/**
 * The part of a JSON schema that decides how Python renders a value: pydantic turns a JSON `1`
 * into `1.0` for a `float` field and keeps it `1` for an `int` or untyped one.
 */
export interface PythonTypeHint {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, PythonTypeHint>>;
  readonly patternProperties?: Readonly<Record<string, PythonTypeHint>>;
  readonly additionalProperties?: boolean | PythonTypeHint;
  readonly items?: PythonTypeHint | readonly PythonTypeHint[];
  readonly anyOf?: readonly PythonTypeHint[];
  readonly oneOf?: readonly PythonTypeHint[];
  /**
   * True when the Python mirror types this value's contents loosely (`dict[str, Any]`, or
   * unions such as `Union[bool, int, float, str]`): numbers then print as they were written,
   * whatever narrower types the JSON schema checks.
   */
  readonly 'x-python-untyped'?: boolean;
}

/**
 * Python's `repr(float)` (and `str(float)`): the shortest digits that round-trip, in fixed
 * notation with a trailing `.0` when the decimal point falls within 16 digits of the first one,
 * otherwise in exponent notation with at least two exponent digits (`1e-05`, `1e+16`). This is
 * CPython's `float_repr` with `Py_DTSF_ADD_DOT_0` (Objects/floatobject.c, Python/pystrtod.c,
 * `format_float_short`: exponent form when `decpt <= -4 or decpt > 16`).
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-tripping digits.
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decpt = Number(exponent) + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${head}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

// Python's str.isprintable() is false for the categories Other (Cc, Cf, Cs, Co, Cn) and
// Separator (Zl, Zp, Zs), except the ASCII space (Objects/unicodectype.c, _PyUnicode_IsPrintable).
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Python's `repr(str)`: single quotes unless the text holds a single quote and no double quote,
 * backslash escapes for the quote, backslash, \t \n \r, \xNN for other ASCII controls, and
 * \xNN / \uNNNN / \UNNNNNNNN for non-printable non-ASCII characters (Objects/unicodeobject.c,
 * `unicode_repr`). Printable non-ASCII characters stay as they are.
 */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (!NOT_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

type NumberKind = 'int' | 'float' | 'lexeme';

function typesOf(hint: PythonTypeHint | undefined): readonly string[] {
  if (hint === undefined || hint.type === undefined) return [];
  return typeof hint.type === 'string' ? [hint.type] : hint.type;
}

function alternativesOf(hint: PythonTypeHint | undefined): readonly PythonTypeHint[] {
  if (hint === undefined) return [];
  return [...(hint.anyOf ?? []), ...(hint.oneOf ?? [])];
}

// pydantic's smart union keeps an exact type match first (a JSON int in Union[int, float] stays
// int), then converts: a JSON int becomes float where only float is allowed.
function numberKindOf(hint: PythonTypeHint | undefined, raw: string): NumberKind {
  const types = new Set<string>(typesOf(hint));
  for (const alt of alternativesOf(hint)) for (const t of typesOf(alt)) types.add(t);
  const hasInt = types.has('integer');
  const hasFloat = types.has('number');
  if (!hasInt && !hasFloat) return 'lexeme';
  const lexemeIsFloat = isFloatLexeme(raw);
  if (hasInt && hasFloat) return lexemeIsFloat ? 'float' : 'int';
  return hasFloat ? 'float' : 'int';
}

function renderInt(raw: string, value: number): string {
  if (!isFloatLexeme(raw)) return /^-0+$/.test(raw) ? '0' : raw;
  // pydantic (lax mode) accepts 2.0 or 2e3 for an int field; fractional values fail validation.
  return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
}

function renderFloat(raw: string, value: number): string {
  // int("-0") is 0, so float(int("-0")) prints 0.0, not -0.0.
  return pythonFloatRepr(isFloatLexeme(raw) ? value : value === 0 ? 0 : value);
}

function renderNumber(
  node: { raw: string; value: number },
  hint: PythonTypeHint | undefined,
): string {
  const kind = numberKindOf(hint, node.raw);
  if (kind === 'int') return renderInt(node.raw, node.value);
  if (kind === 'float') return renderFloat(node.raw, node.value);
  return isFloatLexeme(node.raw)
    ? renderFloat(node.raw, node.value)
    : renderInt(node.raw, node.value);
}

const patternCache = new Map<string, RegExp>();

function childHint(hint: PythonTypeHint | undefined, key: string): PythonTypeHint | undefined {
  const objectHints = [hint, ...alternativesOf(hint)].filter(
    (h): h is PythonTypeHint => h !== undefined && typesOf(h).includes('object'),
  );
  for (const h of objectHints) {
    const direct = h.properties?.[key];
    if (direct !== undefined && Object.hasOwn(h.properties ?? {}, key)) return direct;
    for (const [pattern, sub] of Object.entries(h.patternProperties ?? {})) {
      let re = patternCache.get(pattern);
      if (re === undefined) {
        re = new RegExp(pattern, 'u');
        patternCache.set(pattern, re);
      }
      if (re.test(key)) return sub;
    }
    if (typeof h.additionalProperties === 'object') return h.additionalProperties;
  }
  return undefined;
}

function itemHint(hint: PythonTypeHint | undefined, index: number): PythonTypeHint | undefined {
  const arrayHints = [hint, ...alternativesOf(hint)].filter(
    (h): h is PythonTypeHint => h !== undefined && typesOf(h).includes('array'),
  );
  for (const h of arrayHints) {
    const items = h.items;
    if (items === undefined) continue;
    if (Array.isArray(items)) return (items as readonly PythonTypeHint[])[index];
    return items as PythonTypeHint;
  }
  return undefined;
}

/**
 * Python's `repr()` of the value pydantic builds from a JSON node: how a value prints inside a
 * dict or list. Objects print as dicts in the order their keys arrived.
 */
export function pythonRepr(node: JsonNode, hint?: PythonTypeHint): string {
  if (hint?.['x-python-untyped'] === true) return pythonRepr(node);
  switch (node.kind) {
    case 'string':
      return pythonStrRepr(node.value);
    case 'number':
      return renderNumber(node, hint);
    case 'boolean':
      return node.value ? 'True' : 'False';
    case 'null':
      return 'None';
    case 'array':
      return `[${node.items.map((item, i) => pythonRepr(item, itemHint(hint, i))).join(', ')}]`;
    case 'object':
      return `{${node.entries
        .map(([key, child]) => `${pythonStrRepr(key)}: ${pythonRepr(child, childHint(hint, key))}`)
        .join(', ')}}`;
  }
}

/**
 * Python's `str()` of the value pydantic builds from a JSON node: a string prints bare, every
 * other value as its {@link pythonRepr}. A missing field prints as `None`, the default of the
 * optional fields this package declares.
 */
export function pythonStr(node: JsonNode | undefined, hint?: PythonTypeHint): string {
  if (node === undefined) return 'None';
  return node.kind === 'string' ? node.value : pythonRepr(node, hint);
}
