import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { type TObject, Type } from '@sinclair/typebox';
import { computeBodyHash, sha3Hex } from './body-hash.js';
import { FoldAssign, FoldCancel, FoldProgress } from './fold-synapses.js';
import { entryOf, parseJsonTree } from './json-tree.js';
import { type PythonTypeHint, pythonStr } from './python-str.js';

interface HashCase {
  readonly synapse: string;
  readonly required_hash_fields: readonly string[];
  readonly body: string;
  readonly sdk_body: string;
  readonly field_strs: Readonly<Record<string, string>>;
  readonly body_hash: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../test/fixtures/body-hash.json', import.meta.url), 'utf8'),
) as { readonly cases: readonly HashCase[] };

// The TypeBox schemas that mirror the pydantic classes of make_fixtures.py.
const Any = Type.Unknown();
const SCHEMAS: Readonly<Record<string, TObject>> = {
  TextSynapse: Type.Object({
    text: Type.String(),
    empty: Type.String(),
    quotes: Type.String(),
    unicode: Type.String(),
    controls: Type.String(),
    words: Type.Array(Type.String()),
  }),
  NumberSynapse: Type.Object({
    count: Type.Integer(),
    negative: Type.Integer(),
    big: Type.Integer(),
    zero_float: Type.Number(),
    whole: Type.Number(),
    ratio: Type.Number(),
    tiny: Type.Number(),
    small: Type.Number(),
    huge: Type.Number(),
    precise: Type.Number(),
    neg_zero: Type.Number(),
    sixteen_digits: Type.Number(),
    loose: Type.Record(Type.String(), Any),
    either: Type.Array(Type.Union([Type.Integer(), Type.Number()])),
  }),
  FlagsSynapse: Type.Object({
    yes: Type.Boolean(),
    no: Type.Boolean(),
    missing: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    explicit_none: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    maybe_float: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  }),
  NestedSynapse: Type.Object({
    data: Type.Record(Type.String(), Any),
    matrix: Type.Array(Type.Array(Type.Number())),
    records: Type.Array(Type.Record(Type.String(), Any)),
  }),
  FoldAssign: FoldAssign.request,
  FoldProgress: FoldProgress.request,
  FoldCancel: FoldCancel.request,
};

describe('computeBodyHash against bodies hashed by the SDK rules in Python', () => {
  it('covers every fixture synapse', () => {
    expect([...new Set(fixtures.cases.map((c) => c.synapse))].sort()).toEqual(
      Object.keys(SCHEMAS).sort(),
    );
  });

  it.each(fixtures.cases.map((c) => [c.synapse, c] as const))(
    '%s: each field prints as Python str() prints it',
    (_name, c) => {
      const schema = SCHEMAS[c.synapse] as TObject;
      const tree = parseJsonTree(c.body);
      const printed = Object.fromEntries(
        c.required_hash_fields.map((f) => [
          f,
          pythonStr(entryOf(tree, f), schema.properties[f] as PythonTypeHint | undefined),
        ]),
      );
      expect(printed).toEqual(c.field_strs);
    },
  );

  it.each(fixtures.cases.map((c) => [c.synapse, c] as const))(
    '%s: the body hash equals the SDK body hash, for the sent body and for the full SDK dump',
    (_name, c) => {
      const schema = SCHEMAS[c.synapse] as TObject;
      expect(computeBodyHash(parseJsonTree(c.body), c.required_hash_fields, schema)).toBe(
        c.body_hash,
      );
      expect(computeBodyHash(parseJsonTree(c.sdk_body), c.required_hash_fields, schema)).toBe(
        c.body_hash,
      );
    },
  );

  it('declares the same hash fields for the fold synapses as their Python mirrors', () => {
    const byName = new Map(fixtures.cases.map((c) => [c.synapse, c.required_hash_fields]));
    expect(byName.get('FoldAssign')).toEqual(FoldAssign.hashFields);
    expect(byName.get('FoldProgress')).toEqual(FoldProgress.hashFields);
    expect(byName.get('FoldCancel')).toEqual(FoldCancel.hashFields);
  });

  it('hashes the empty text when a synapse has no hash fields, as the SDK does', () => {
    expect(computeBodyHash(parseJsonTree('{"x": 1}'), [], {})).toBe(sha3Hex(''));
    expect(sha3Hex('')).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
  });

  it('changes when any hashed value changes', () => {
    const a = parseJsonTree('{"job_id": "a", "reason": "deadline"}');
    const b = parseJsonTree('{"job_id": "b", "reason": "deadline"}');
    expect(computeBodyHash(a, FoldCancel.hashFields, FoldCancel.request)).not.toBe(
      computeBodyHash(b, FoldCancel.hashFields, FoldCancel.request),
    );
  });
});
