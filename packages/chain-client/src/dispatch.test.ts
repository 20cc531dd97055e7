import { describe, expect, it } from '@jest/globals';
import { isRateLimitError, parsePoolRejection } from './dispatch.js';

describe('parsePoolRejection', () => {
  it("names Subtensor's custom validity codes as chopsticks reports them", () => {
    expect(parsePoolRejection('1010: {"invalid":{"custom":5}}')).toEqual({
      reason: 'invalid.custom.5',
      error: 'subtensorModule.TooManyRegistrationsThisInterval',
    });
    expect(parsePoolRejection('1010: {"invalid":{"custom":3}}').error).toBe(
      'subtensorModule.NotEnoughStakeToSetWeights',
    );
  });

  it("reads a Substrate node's wording too", () => {
    expect(parsePoolRejection('1010: Invalid Transaction: Custom error: 5').error).toBe(
      'subtensorModule.TooManyRegistrationsThisInterval',
    );
    expect(parsePoolRejection('1010: Invalid Transaction: Transaction is outdated')).toEqual({
      reason: 'invalid: Transaction is outdated',
    });
  });

  it('keeps other refusals by their variant and leaves unknown codes unnamed', () => {
    expect(parsePoolRejection('1010: {"invalid":{"badProof":null}}')).toEqual({
      reason: 'invalid.badProof',
    });
    expect(parsePoolRejection('1010: {"invalid":{"stale":null}}')).toEqual({
      reason: 'invalid.stale',
    });
    expect(parsePoolRejection('1010: {"invalid":{"custom":250}}')).toEqual({
      reason: 'invalid.custom.250',
    });
    expect(parsePoolRejection('something else')).toEqual({ reason: 'unknown' });
  });
});

describe('isRateLimitError', () => {
  it("knows the runtime's rate-limit errors and nothing else", () => {
    expect(isRateLimitError('subtensorModule.SettingWeightsTooFast')).toBe(true);
    expect(isRateLimitError('subtensorModule.ServingRateLimitExceeded')).toBe(true);
    expect(isRateLimitError('subtensorModule.InvalidIpAddress')).toBe(false);
  });
});
