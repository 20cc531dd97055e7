import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseJsonTree } from './json-tree.js';
import { pythonFloatRepr, pythonRepr, pythonStr, pythonStrRepr } from './python-str.js';

interface ReprFixtures {
  readonly floats: readonly { readonly bits: string; readonly repr: string }[];
  readonly strings: readonly { readonly text: string; readonly repr: string }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../test/fixtures/python-repr.json', import.meta.url), 'utf8'),
) as ReprFixtures;

describe('pythonFloatRepr', () => {
  it('prints every fixture float exactly as CPython repr() does', () => {
    const mismatches = fixtures.floats
      .map(({ bits, repr }) => ({ x: Buffer.from(bits, 'hex').readDoubleLE(0), repr }))
      .filter(({ x, repr }) => pythonFloatRepr(x) !== repr)
      .map(({ x, repr }) => `${x}: ${pythonFloatRepr(x)} != ${repr}`);
    expect(fixtures.floats.length).toBeGreaterThan(900);
    expect(mismatches).toEqual([]);
  });

  it('switches to exponent form below 1e-4 and from 1e16', () => {
    expect([1e-4, 1e-5, 1e15, 1e16].map(pythonFloatRepr)).toEqual([
      '0.0001',
      '1e-05',
      '1000000000000000.0',
      '1e+16',
    ]);
  });

  it('round-trips through Number() for any finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(Number(pythonFloatRepr(x)), x)).toBe(true);
      }),
    );
  });
});

describe('pythonStrRepr', () => {
  it('escapes every fixture string exactly as CPython repr() does', () => {
    const mismatches = fixtures.strings
      .filter(({ text, repr }) => pythonStrRepr(text) !== repr)
      .map(({ text, repr }) => `${JSON.stringify(text)}: ${pythonStrRepr(text)} != ${repr}`);
    expect(fixtures.strings.length).toBeGreaterThan(400);
    expect(mismatches).toEqual([]);
  });

  it('uses double quotes only when the text has a single quote and no double quote', () => {
    expect(pythonStrRepr("it's")).toBe('"it\'s"');
    expect(pythonStrRepr('both \' and "')).toBe("'both \\' and \"'");
  });
});

describe('pythonStr', () => {
  it('prints a top-level string bare and a nested one quoted', () => {
    const node = parseJsonTree('{"a": "x"}');
    expect(pythonStr({ kind: 'string', value: "it's" })).toBe("it's");
    expect(pythonStr(node)).toBe("{'a': 'x'}");
  });

  it('prints a JSON integer as a float where the schema says number', () => {
    const node = parseJsonTree('[1, 2]');
    expect(pythonRepr(node, { type: 'array', items: { type: 'number' } })).toBe('[1.0, 2.0]');
    expect(pythonRepr(node)).toBe('[1, 2]');
  });

  it('keeps the written form of numbers in untyped positions', () => {
    expect(
      pythonRepr(parseJsonTree('[2, 2.0, 2e3, -0, -0.0, 123456789012345678901234567890]')),
    ).toBe('[2, 2.0, 2000.0, 0, -0.0, 123456789012345678901234567890]');
  });

  it('prints a missing field as None', () => {
    expect(pythonStr(undefined)).toBe('None');
  });
});
