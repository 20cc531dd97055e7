import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MdpError } from './errors.js';
import {
  canonicalMdp,
  getMdpNumber,
  getMdpWord,
  isKnownMdpOption,
  type MdpParams,
  type MdpValue,
  mergeMdp,
  normalizeMdpKey,
  parseMdp,
  renderMdp,
  validateMdpParams,
} from './mdp.js';
import { MDP_OPTION_NAMES } from './mdp-options.js';
import { referenceStepCounts, stagePreset, standardStages } from './presets.js';

const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.+-]{0,15}$/);
const scalar = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
  fc.boolean(),
  word,
);
const value: fc.Arbitrary<MdpValue> = fc.oneof(
  scalar,
  fc.array(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), word), {
    maxLength: 6,
  }),
);
const params: fc.Arbitrary<MdpParams> = fc
  .uniqueArray(fc.constantFrom(...MDP_OPTION_NAMES), { maxLength: 30 })
  .chain((keys) =>
    fc
      .tuple(...keys.map(() => value))
      .map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i] as MdpValue]))),
  );

describe('mdp rendering and parsing', () => {
  it('parses rendered parameters back to their canonical form', () => {
    fc.assert(
      fc.property(params, (p) => {
        expect(parseMdp(renderMdp(p))).toEqual(canonicalMdp(p));
      }),
      { numRuns: 300 },
    );
  });

  it('renders the parsed text to the same text again (the round trip is stable)', () => {
    fc.assert(
      fc.property(params, (p) => {
        const text = renderMdp(p);
        expect(renderMdp(parseMdp(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('renders booleans as yes/no and arrays space-separated', () => {
    const text = renderMdp({
      'gen-vel': true,
      continuation: false,
      'ref-t': [300, 310],
      'tc-grps': ['Protein', 'SOL'],
    });
    expect(text).toContain('gen-vel                  = yes');
    expect(text).toContain('continuation             = no');
    expect(text).toContain('ref-t                    = 300 310');
    expect(text).toContain('tc-grps                  = Protein SOL');
  });

  it('reads a hand-written file with comments, odd spacing and underscores', () => {
    const parsed = parseMdp(
      'title = CHARMM NVT ; a comment\n; full line comment\n\nintegrator=md\nref_t   = 300 300\n  nsteps = 50000   \ndefine =\n',
    );
    expect(parsed).toEqual({
      title: ['CHARMM', 'NVT'],
      integrator: 'md',
      ref_t: [300, 300],
      nsteps: 50000,
      define: '',
    });
  });

  it('refuses a line without "="', () => {
    expect(() => parseMdp('integrator md\n')).toThrow(MdpError);
  });

  it('refuses an option given twice under two spellings', () => {
    expect(() => parseMdp('ref_t = 300\nREF-T = 310\n')).toThrow(/repeats option 'ref_t'/);
  });
});

describe('mdp validation', () => {
  it('accepts the wire shape: scalars and arrays of scalars under known names', () => {
    const p = {
      integrator: 'md',
      nsteps: 5000,
      dt: 0.002,
      'ref-t': [300, 300],
      'tc-grps': ['Protein', 'Non-Protein'],
      'gen-vel': true,
    };
    expect(validateMdpParams(p)).toBe(p);
  });

  it.each([
    ['an unknown option', { integrater: 'md' }, /unknown option/],
    ['include (host paths)', { include: '-I/etc' }, /not allowed/],
    ['a value with ";"', { title: 'x ; rm -rf /' }, /";"/],
    ['a value with a newline', { title: 'x\ninclude = -I/etc' }, /control character/],
    ['a value with "="', { 'tc-grps': 'System = x' }, /"="/],
    ['a define that is not -D/-U', { define: '-DPOSRES $(touch pwned)' }, /not -DNAME/],
    ['a fractional step count', { nsteps: 10.5 }, /integer/],
    ['a non-finite number', { dt: Number.POSITIVE_INFINITY }, /./],
    ['an object value', { nsteps: { $gt: 1 } }, /invalid parameter set/],
    [
      'an array item with spaces',
      { 'tc-grps': ['Protein', 'Non Protein'] },
      /single non-empty words/,
    ],
    ['the same option twice', { ref_t: 300, 'ref-t': 310 }, /same option/],
  ])('refuses %s', (_what, input, message) => {
    expect(() => validateMdpParams(input)).toThrow(MdpError);
    expect(() => validateMdpParams(input)).toThrow(message);
  });

  it('refuses what is not an object', () => {
    expect(() => validateMdpParams(['integrator', 'md'])).toThrow(MdpError);
    expect(() => validateMdpParams(null)).toThrow(MdpError);
  });

  it('knows options of optional modules by prefix and legacy names', () => {
    expect(isKnownMdpOption('pull-coord1-k')).toBe(true);
    expect(isKnownMdpOption('nstxtcout')).toBe(true);
    expect(isKnownMdpOption('Tau_T')).toBe(true);
    expect(isKnownMdpOption('tau-x')).toBe(false);
  });

  it('passes shell-looking text through as inert words', () => {
    const p = validateMdpParams({ title: '$(touch pwned) `id` "quoted" \'single\'' });
    expect(renderMdp(p)).toContain('$(touch pwned) `id` "quoted" \'single\'');
  });
});

describe('mdp merging and lookup', () => {
  it('overrides an option under another spelling in place, taking the new spelling', () => {
    const merged = mergeMdp({ integrator: 'md', 'ref-t': 300, nsteps: 10 }, { ref_t: 310 });
    expect(Object.entries(merged)).toEqual([
      ['integrator', 'md'],
      ['ref_t', 310],
      ['nsteps', 10],
    ]);
  });

  it('removes an option overridden with null', () => {
    expect(mergeMdp({ define: '-DPOSRES', nsteps: 1 }, { define: null })).toEqual({ nsteps: 1 });
  });

  it('looks options up under any spelling', () => {
    const p = { Gen_Vel: 'YES', NSTEPS: '500' };
    expect(getMdpWord(p, 'gen-vel')).toBe('yes');
    expect(getMdpNumber(p, 'nsteps')).toBe(500);
    expect(normalizeMdpKey('Nstxout_Compressed')).toBe('nstxout-compressed');
  });
});

describe('stage presets', () => {
  it.each(['charmm27', 'amber03', 'amber99sb-ildn', 'gromos54a7', 'oplsaa'])(
    'are valid parameter sets for %s',
    (ff) => {
      for (const stage of ['em', 'nvt', 'npt', 'md'] as const) {
        expect(() => validateMdpParams(stagePreset(stage, { forceField: ff }))).not.toThrow();
      }
    },
  );

  it('use the CHARMM force switch for charmm27 and dispersion correction for AMBER', () => {
    expect(stagePreset('md', { forceField: 'charmm27' })).toMatchObject({
      rvdw: 1.2,
      'vdw-modifier': 'Force-switch',
      DispCorr: 'no',
    });
    expect(stagePreset('md', { forceField: 'amber03' })).toMatchObject({
      rvdw: 1.0,
      DispCorr: 'EnerPres',
    });
  });

  it('write the seed to gen-seed (NVT) and ld-seed, and restrain NVT and NPT only', () => {
    const nvt = stagePreset('nvt', { seed: 42 });
    expect(nvt).toMatchObject({
      'gen-seed': 42,
      'ld-seed': 42,
      'gen-vel': 'yes',
      define: '-DPOSRES',
    });
    expect(stagePreset('npt', { seed: 42 })).toMatchObject({
      'ld-seed': 42,
      'gen-vel': 'no',
      continuation: 'yes',
      define: '-DPOSRES',
    });
    expect(getMdpWord(stagePreset('md'), 'define')).toBeUndefined();
  });

  it('follow the reference step ratios: NVT a hundredth and NPT a tenth of production', () => {
    expect(referenceStepCounts(750_000)).toEqual({
      em: 50_000,
      nvt: 7_500,
      npt: 75_000,
      md: 750_000,
    });
    const stages = standardStages({ forceField: 'amber03', mdSteps: 10_000 });
    expect(stages.map((s) => [s.name, getMdpNumber(s.mdp, 'nsteps')])).toEqual([
      ['nvt', 100],
      ['npt', 1000],
      ['md', 10_000],
    ]);
  });

  it('write full-precision frames and energies at the intervals asked for', () => {
    const md = stagePreset('md', { outputs: { fullPrecisionSteps: 50, energySteps: 25 } });
    expect(md).toMatchObject({ nstxout: 50, nstvout: 50, nstenergy: 25, nstcalcenergy: 25 });
  });
});
