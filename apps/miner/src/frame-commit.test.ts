import { describe, expect, it } from '@jest/globals';
import { frameFileName, parseSingleFrameCheck } from './frame-commit.js';

describe('frame files', () => {
  it('names a best frame by stage and step', () => {
    expect(frameFileName('npt', 2_500)).toBe('best-npt-2500.trr');
  });

  it('reads the time of a single-frame trajectory from gmx check', () => {
    const text = [
      'trr version: GMX_trn_file (single precision)',
      'Reading frame       0 time    0.500   ',
      '# Atoms  5933',
      'Last frame          0 time    0.500   ',
    ].join('\n');
    expect(parseSingleFrameCheck(text)).toEqual({ timePs: 0.5 });
  });

  it('refuses a trajectory of several frames or no frame', () => {
    expect(parseSingleFrameCheck('Last frame          3 time    1.000')).toBeUndefined();
    expect(parseSingleFrameCheck('Fatal error: no frames')).toBeUndefined();
  });
});
