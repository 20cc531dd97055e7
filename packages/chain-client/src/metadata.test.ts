import { describe, expect, it } from '@jest/globals';
import { MetadataMismatchError } from './errors.js';
import { callMismatch } from './metadata.js';

const serveAxonArgs = [
  ['netuid', 'u16'],
  ['version', 'u32'],
  ['ip', 'u128'],
  ['port', 'u16'],
  ['ipType', 'u8'],
  ['protocol', 'u8'],
  ['placeholder1', 'u8'],
  ['placeholder2', 'u8'],
] as const;

describe('callMismatch', () => {
  it('accepts the argument list of spec 218', () => {
    expect(callMismatch('subtensorModule.serveAxon', serveAxonArgs)).toBeUndefined();
  });

  it('names both lists when a newer runtime adds an argument', () => {
    const error = callMismatch('subtensorModule.serveAxon', [
      ...serveAxonArgs,
      ['certificate', 'Vec<u8>'],
    ]);
    expect(error).toBeInstanceOf(MetadataMismatchError);
    expect(error?.code).toBe('METADATA_MISMATCH');
    expect(error?.message).toMatch(/certificate: Vec<u8>/);
    expect(error?.details).toMatchObject({ call: 'subtensorModule.serveAxon' });
  });

  it('refuses a retyped or renamed argument', () => {
    expect(
      callMismatch('subtensorModule.burnedRegister', [
        ['netuid', 'Compact<u16>'],
        ['hotkey', 'AccountId32'],
      ]),
    ).toBeInstanceOf(MetadataMismatchError);
    expect(
      callMismatch('subtensorModule.registerNetwork', [['hotkey', 'AccountId32']]),
    ).toBeInstanceOf(MetadataMismatchError);
  });

  it('refuses a call the runtime does not have', () => {
    expect(callMismatch('subtensorModule.commitWeights', undefined)?.message).toMatch(
      /has no call subtensorModule.commitWeights/,
    );
  });
});
