import { RequestFormatError } from './errors.js';

/**
 * A parsed JSON value that keeps what `JSON.parse` forgets and Python's `json.loads` sees: whether
 * a number was written as an integer (`2`) or a float (`2.0`, `2e3`), the digits of integers
 * beyond 2^53, and the order of object keys as they arrived (JavaScript objects put integer-like
 * keys first). The body hash depends on all three.
 */
export type JsonNode =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly raw: string; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, JsonNode])[] };

/** Limits of {@link parseJsonTree}. */
export interface JsonParseOptions {
  /** Deepest nesting of arrays and objects accepted; bounds recursion on hostile input. */
  readonly maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const LONE_SURROGATE = /\p{Cs}/u;

/** True when a JSON number's text makes Python's `json.loads` return a float, not an int. */
export function isFloatLexeme(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2e || c === 0x65 || c === 0x45) return true;
  }
  return false;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parse(): JsonNode {
    this.skipSpace();
    const node = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the JSON value');
    return node;
  }

  private fail(what: string): never {
    throw new RequestFormatError(
      'JSON_MALFORMED',
      `Malformed JSON body: ${what} at offset ${this.pos}`,
      {
        details: { offset: this.pos },
      },
    );
  }

  private skipSpace(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private value(depth: number): JsonNode {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x22) return { kind: 'string', value: this.string() };
    if (c === 0x7b) return this.object(depth + 1);
    if (c === 0x5b) return this.array(depth + 1);
    if (c === 0x74) return this.literal('true', { kind: 'boolean', value: true });
    if (c === 0x66) return this.literal('false', { kind: 'boolean', value: false });
    if (c === 0x6e) return this.literal('null', { kind: 'null' });
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail(Number.isNaN(c) ? 'unexpected end of input' : 'unexpected character');
  }

  private literal(word: string, node: JsonNode): JsonNode {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return node;
  }

  private number(): JsonNode {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('malformed number');
    const raw = match[0];
    const value = Number(raw);
    // Python would read 1e400 as inf, which no synapse field means; refuse it here.
    if (!Number.isFinite(value)) this.fail('number out of the float range');
    this.pos += raw.length;
    return { kind: 'number', raw, value };
  }

  private string(): string {
    const t = this.text;
    let p = this.pos + 1;
    let out = '';
    for (;;) {
      PLAIN_RUN.lastIndex = p;
      PLAIN_RUN.exec(t);
      const end = PLAIN_RUN.lastIndex;
      if (end > p) out += t.slice(p, end);
      p = end;
      const c = t.charCodeAt(p);
      if (c === 0x22) break;
      if (c !== 0x5c) {
        this.pos = p;
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string');
      }
      const e = t.charCodeAt(p + 1);
      p += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = t.slice(p, p + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p;
            this.fail('malformed \\u escape');
          }
          out += String.fromCharCode(Number.parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.pos = p - 2;
          this.fail('unknown escape in string');
      }
    }
    this.pos = p + 1;
    // A lone surrogate cannot be encoded as UTF-8, so Python could not hash it either.
    if (out.length > 0 && LONE_SURROGATE.test(out)) this.fail('lone surrogate in string');
    return out;
  }

  private array(depth: number): JsonNode {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth));
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) return { kind: 'array', items };
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  private object(depth: number): JsonNode {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++;
    const entries: [string, JsonNode][] = [];
    const seen = new Set<string>();
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const keyAt = this.pos;
      const key = this.string();
      if (seen.has(key)) {
        this.pos = keyAt;
        this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      seen.add(key);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      entries.push([key, this.value(depth)]);
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) return { kind: 'object', entries };
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * Parses JSON text strictly (RFC 8259: no NaN, no comments, no trailing commas), refusing
 * duplicate keys, lone surrogates, numbers beyond the float range and nesting deeper than
 * `maxDepth`.
 * @throws {RequestFormatError} code `JSON_MALFORMED`, with the offset in `details`.
 */
export function parseJsonTree(text: string, options: JsonParseOptions = {}): JsonNode {
  return new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH).parse();
}

/** The plain JavaScript value of a tree, as `JSON.parse` would give it. */
export function plainOf(node: JsonNode): unknown {
  switch (node.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return node.value;
    case 'null':
      return null;
    case 'array':
      return node.items.map(plainOf);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of node.entries) {
        // Plain assignment of "__proto__" would replace the prototype instead of adding a key.
        Object.defineProperty(out, key, {
          value: plainOf(child),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
}

/** The entry of an object node, or undefined when absent or when the node is not an object. */
export function entryOf(node: JsonNode, key: string): JsonNode | undefined {
  if (node.kind !== 'object') return undefined;
  for (const [k, child] of node.entries) if (k === key) return child;
  return undefined;
}
