import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RequestFormatError } from './errors.js';
import { entryOf, parseJsonTree, plainOf } from './json-tree.js';

describe('parseJsonTree', () => {
  it('gives the same plain value as JSON.parse for any JSON value', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small' }), (text) => {
        expect(plainOf(parseJsonTree(text))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('keeps object keys in the order they arrived, integer-like keys included', () => {
    const node = parseJsonTree('{"b": 1, "10": 2, "a": 3}');
    expect(node.kind === 'object' && node.entries.map(([k]) => k)).toEqual(['b', '10', 'a']);
  });

  it('keeps the text of numbers', () => {
    expect(entryOf(parseJsonTree('{"n": 2.0}'), 'n')).toEqual({
      kind: 'number',
      raw: '2.0',
      value: 2,
    });
  });

  it.each([
    ['a duplicate key', '{"a": 1, "a": 2}'],
    ['a trailing comma', '[1, 2,]'],
    ['NaN', '{"x": NaN}'],
    ['a number beyond the float range', '[1e400]'],
    ['a raw control character in a string', '["a\u0001b"]'],
    ['a lone surrogate', '["\\ud800"]'],
    ['text after the value', '{} {}'],
    ['an unterminated string', '{"a": "b'],
    ['an empty body', ''],
    ['a single quote string', "{'a': 1}"],
  ])('refuses %s', (_what, text) => {
    expect(() => parseJsonTree(text)).toThrow(RequestFormatError);
  });

  it('refuses nesting deeper than the limit without exhausting the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseJsonTree(deep)).toThrow(/nesting deeper than 64/);
    expect(() => parseJsonTree('[[[1]]]', { maxDepth: 2 })).toThrow(/nesting deeper than 2/);
  });

  it('adds a "__proto__" key as data, never as the prototype', () => {
    const value = plainOf(parseJsonTree('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
