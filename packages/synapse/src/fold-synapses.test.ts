import { describe, expect, it } from '@jest/globals';
import { SchemaError } from './errors.js';
import { FoldArtefacts, FoldAssign, FoldCancel, FoldProgress } from './fold-synapses.js';
import { MDP_OPTION_NAMES } from './mdp-params.js';

const assign = {
  job_id: 'job-1ubq-0001',
  protein_id: '1ubq',
  input_bundle: '',
  params: {
    nvt: {
      integrator: 'md',
      nsteps: 5000,
      dt: 0.002,
      tcoupl: 'V-rescale',
      'tc-grps': 'Protein Non-Protein',
      'tau-t': [0.1, 0.1],
      'ref-t': [300, 300],
      'gen-vel': 'yes',
      constraints: 'h-bonds',
    },
  },
  seed: 42,
  deadline_unix_ms: 1_764_054_000_000,
};

function withNvt(extra: Record<string, unknown>) {
  return { ...assign, params: { nvt: { ...assign.params.nvt, ...extra } } };
}

describe('FoldAssign request schema', () => {
  it('accepts a typical NVT job', () => {
    expect(FoldAssign.validateRequest(assign)).toBe(assign);
  });

  it.each([
    [
      'an mdp option outside the allowlist',
      withNvt({ 'mdrun-args': '-nb gpu' }),
      /not allowed: "mdrun-args"/,
    ],
    [
      'a seed option (the seed is its own field)',
      withNvt({ 'gen-seed': 7 }),
      /not allowed: "gen-seed"/,
    ],
    ['an include path', withNvt({ include: '-I/etc' }), /not allowed: "include"/],
    ['an underscore spelling', withNvt({ ref_t: 300 }), /not allowed: "ref_t"/],
    [
      'a free-form enumerated value',
      withNvt({ integrator: 'md\ninclude = /etc' }),
      /integrator must be one of/,
    ],
    ['a group name with a newline', withNvt({ 'tc-grps': 'Protein\nSOL' }), /tc-grps/],
    ['a preprocessor define that is not a -D flag', withNvt({ define: '-I/home' }), /define/],
    ['a negative step count', withNvt({ nsteps: -1 }), /nsteps must be >= 0/],
    ['a fractional step count', withNvt({ nsteps: 1.5 }), /nsteps must be integer/],
    ['a string where a number is expected', withNvt({ dt: '0.002' }), /dt must be number/],
    ['a time step above 10 fs', withNvt({ dt: 0.02 }), /dt must be <= 0.01/],
  ])('rejects %s', (_what, request, message) => {
    expect(() => FoldAssign.validateRequest(request)).toThrow(SchemaError);
    expect(() => FoldAssign.validateRequest(request)).toThrow(message);
  });

  it.each([
    ['a seed above 2^31 - 1', { ...assign, seed: 2 ** 31 }, /seed must be <= 2147483647/],
    ['a negative seed', { ...assign, seed: -1 }, /seed must be >= 0/],
    ['an unknown stage', { ...assign, params: { prod: {} } }, /not allowed: "prod"/],
    ['no stage at all', { ...assign, params: {} }, /params must NOT have fewer than 1 properties/],
    ['a job id with a path', { ...assign, job_id: '../job' }, /job_id must match pattern/],
    ['a protein id that is not a PDB id', { ...assign, protein_id: 'ubiquitin' }, /protein_id/],
    ['an extra field', { ...assign, mdrun_args: '-v' }, /not allowed: "mdrun_args"/],
  ])('rejects %s', (_what, request, message) => {
    expect(() => FoldAssign.validateRequest(request)).toThrow(message);
  });

  it('allowlists only known option names, none of them seeds or paths', () => {
    expect(MDP_OPTION_NAMES).toEqual(
      expect.arrayContaining(['nsteps', 'nstxout-compressed', 'ref-t', 'rcoulomb']),
    );
    expect(MDP_OPTION_NAMES).not.toEqual(expect.arrayContaining(['gen-seed']));
    expect(MDP_OPTION_NAMES).not.toEqual(expect.arrayContaining(['ld-seed']));
    expect(MDP_OPTION_NAMES).not.toEqual(expect.arrayContaining(['include']));
  });
});

describe('wire bodies', () => {
  it('accept the base fields and null response fields a Python dendrite sends, and drop them', () => {
    const body = {
      ...assign,
      name: 'FoldAssign',
      timeout: 12.0,
      total_size: 0,
      header_size: 0,
      dendrite: { nonce: 1, hotkey: 'x', signature: null },
      axon: { hotkey: 'y' },
      computed_body_hash: '',
      accepted: null,
      free_slots: null,
    };
    expect(FoldAssign.parseRequestBody(body)).toEqual(assign);
  });

  it('refuse a response field carrying a value in a request', () => {
    expect(() => FoldAssign.parseRequestBody({ ...assign, accepted: true })).toThrow(SchemaError);
  });

  it('accept a response that echoes the request fields, as a Python axon sends it', () => {
    const response = { cancelled: true, state: 'cancelled', free_slots: 3 };
    expect(
      FoldCancel.parseResponseBody({
        ...response,
        job_id: 'j',
        reason: 'deadline',
        name: 'FoldCancel',
      }),
    ).toEqual(response);
  });
});

describe('FoldProgress and FoldArtefacts schemas', () => {
  it('limit a progress query to 256 jobs with safe ids', () => {
    const jobs = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`job-${i}`, '']));
    expect(() => FoldProgress.validateRequest({ jobs })).toThrow(
      /must NOT have more than 256 properties/,
    );
    expect(() => FoldProgress.validateRequest({ jobs: { '../x': '' } })).toThrow(SchemaError);
  });

  it('accept an artefact request listing wanted roles and held hashes, and refuse unknown roles', () => {
    const request = {
      job_id: 'j',
      stage: 'nvt',
      step: 5000,
      want: ['frame', 'edr', 'log'],
      held_sha256: ['a'.repeat(64)],
    };
    expect(FoldArtefacts.validateRequest(request)).toBe(request);
    expect(() => FoldArtefacts.validateRequest({ ...request, want: ['frame', 'frame'] })).toThrow(
      SchemaError,
    );
    expect(() => FoldArtefacts.validateRequest({ ...request, want: ['mdp'] })).toThrow(SchemaError);
  });
});
