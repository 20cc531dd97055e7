import { describe, expect, it } from '@jest/globals';
import { judgeStability } from './stability.js';

const criteria = { targetK: 300, toleranceK: 25 };
const calm = {
  logText: 'Started mdrun\nFinished mdrun\n',
  temperaturesK: [302, 250, 272, 280, 291, 294, 297, 300],
  potentialsKjMol: [-84000, -83000, -82500, -82400, -82300, -82300, -82250, -82200],
};

describe('judgeStability', () => {
  it('accepts a run that settles near the target temperature', () => {
    const v = judgeStability(calm, criteria);
    expect(v.stable).toBe(true);
    expect(v.meanTemperatureK).toBeCloseTo(295.5, 5);
    expect(v.finalPotentialKjMol).toBe(-82200);
  });

  it('rejects a run with LINCS warnings', () => {
    const logText = `${calm.logText}Step 40, time 0.08 (ps)  LINCS WARNING\nrelative constraint deviation\n`;
    const v = judgeStability({ ...calm, logText }, criteria);
    expect(v.stable).toBe(false);
    expect(v.lincsWarnings).toBe(1);
    expect(v.reason).toMatch(/LINCS/);
  });

  it('rejects a run whose water could not be settled', () => {
    const logText = 'step 12: One or more water molecules can not be settled.\n';
    expect(judgeStability({ ...calm, logText }, criteria).reason).toMatch(/SETTLE/);
  });

  it('rejects non-finite energies', () => {
    const v = judgeStability(
      { ...calm, potentialsKjMol: [...calm.potentialsKjMol.slice(0, -1), Number.NaN] },
      criteria,
    );
    expect(v.reason).toBe('non-finite energies');
  });

  it('rejects a run that heats far above the target', () => {
    const v = judgeStability({ ...calm, temperaturesK: [300, 310, 380, 420, 460, 500] }, criteria);
    expect(v.stable).toBe(false);
    expect(v.reason).toMatch(/from the target 300 K/);
  });

  it('rejects a run that wrote too few frames to judge', () => {
    expect(
      judgeStability({ ...calm, temperaturesK: [300], potentialsKjMol: [-1] }, criteria).stable,
    ).toBe(false);
  });
});
