import { describe, expect, it } from '@jest/globals';
import { FormInvalidError } from './errors.js';
import {
  buildSubmission,
  fileProblem,
  formFieldOf,
  MAX_UPLOAD_BYTES,
  type SubmitFormInput,
  submitRulesFromOpenApi,
} from './submit-form.js';

// The submission schema as fastify-swagger writes it into the validator's /openapi.json.
const oneOf = (...values: string[]) => ({
  anyOf: values.map((v) => ({ type: 'string', enum: [v] })),
});
const OPENAPI = {
  openapi: '3.0.3',
  paths: {
    '/api/jobs': {
      post: {
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  pdbId: { type: 'string', pattern: '^[0-9][A-Za-z0-9]{3}$' },
                  pdb: { type: 'string', minLength: 1 },
                  params: {
                    type: 'object',
                    properties: {
                      forceField: oneOf('charmm27', 'amber03'),
                      water: oneOf('tip3p', 'spce'),
                      temperatureK: { type: 'number', minimum: 250, maximum: 450 },
                      mdSteps: { type: 'integer', minimum: 1, maximum: 500_000_000 },
                      stages: { type: 'array', items: oneOf('nvt', 'npt', 'md') },
                      futureSetting: { type: 'object' },
                    },
                  },
                  priority: { type: 'integer', minimum: 1, maximum: 9 },
                },
              },
            },
          },
        },
      },
    },
  },
};
const rules = submitRulesFromOpenApi(OPENAPI);
const PDB_TEXT =
  'ATOM      1  N   ASN A   1      -8.901   4.127  -0.555  1.00  0.00           N\nEND\n';

function input(overrides: Partial<SubmitFormInput>): SubmitFormInput {
  return {
    source: 'id',
    pdbId: '',
    file: null,
    params: {},
    stages: [],
    priority: '',
    ...overrides,
  };
}

function problemsOf(form: SubmitFormInput): Readonly<Record<string, string>> {
  try {
    buildSubmission(form, rules);
  } catch (error) {
    if (error instanceof FormInvalidError) return error.fields;
    throw error;
  }
  throw new Error('the form was accepted');
}

describe('submitRulesFromOpenApi', () => {
  it('reads choices, limits, stages and priority from the document', () => {
    expect(rules.params.map((p) => [p.key, p.kind, p.options, p.minimum, p.maximum])).toEqual([
      ['forceField', 'choice', ['charmm27', 'amber03'], null, null],
      ['water', 'choice', ['tip3p', 'spce'], null, null],
      ['temperatureK', 'number', [], 250, 450],
      ['mdSteps', 'integer', [], 1, 500_000_000],
    ]);
    expect(rules.stages).toEqual(['nvt', 'npt', 'md']);
    expect(rules.priority).toEqual({ minimum: 1, maximum: 9 });
    expect(rules.params.find((p) => p.key === 'temperatureK')?.unit).toBe('K');
  });

  it('reads `const` literals as choices too', () => {
    const doc = structuredClone(OPENAPI) as typeof OPENAPI;
    (
      doc.paths['/api/jobs'].post.requestBody.content['application/json'].schema.properties.params
        .properties as Record<string, unknown>
    ).box = { anyOf: [{ const: 'cubic' }, { const: 'octahedron' }] };
    expect(submitRulesFromOpenApi(doc).params.find((p) => p.key === 'box')?.options).toEqual([
      'cubic',
      'octahedron',
    ]);
  });

  it('refuses a document without a submission schema', () => {
    expect(() => submitRulesFromOpenApi({ paths: {} })).toThrow(/no job submission schema/);
  });
});

describe('buildSubmission', () => {
  it('sends a PDB id with only the parameters that were filled in', () => {
    expect(
      buildSubmission(
        input({
          pdbId: ' 1L2Y ',
          params: { forceField: 'charmm27', temperatureK: '300', mdSteps: '' },
          stages: ['md', 'nvt'],
          priority: '7',
        }),
        rules,
      ),
    ).toEqual({
      pdbId: '1L2Y',
      params: { forceField: 'charmm27', temperatureK: 300, stages: ['nvt', 'md'] },
      priority: 7,
    });
  });

  it('sends an uploaded file, with its label when one is given', () => {
    const file = { name: 'x.pdb', sizeBytes: PDB_TEXT.length, text: PDB_TEXT };
    expect(buildSubmission(input({ source: 'file', file }), rules)).toEqual({ pdb: PDB_TEXT });
    expect(buildSubmission(input({ source: 'file', file, pdbId: '9abc' }), rules)).toEqual({
      pdb: PDB_TEXT,
      pdbId: '9abc',
    });
  });

  it('asks for a PDB id, and says what one looks like', () => {
    expect(problemsOf(input({}))).toEqual({ pdbId: 'give a PDB id, e.g. 1L2Y' });
    expect(problemsOf(input({ pdbId: 'trp-cage' })).pdbId).toMatch(/digit and three/);
  });

  it('asks for a file in upload mode', () => {
    expect(problemsOf(input({ source: 'file' }))).toEqual({ pdb: 'choose a PDB file to upload' });
  });

  it('names every out-of-range, non-numeric and fractional parameter at once', () => {
    expect(
      problemsOf(
        input({ pdbId: '1l2y', params: { temperatureK: '20', mdSteps: '1.5', water: 'lava' } }),
      ),
    ).toEqual({
      'params.temperatureK': 'Temperature must be between 250 and 450 K',
      'params.mdSteps': 'Production (md) steps must be a whole number',
      'params.water': 'choose one of tip3p, spce',
    });
    expect(problemsOf(input({ pdbId: '1l2y', params: { temperatureK: 'warm' } }))).toEqual({
      'params.temperatureK': 'Temperature must be a number',
    });
  });

  it('checks the priority range', () => {
    expect(problemsOf(input({ pdbId: '1l2y', priority: '10' })).priority).toMatch(/1 to 9/);
  });
});

describe('fileProblem', () => {
  it('accepts text with ATOM records', () => {
    expect(fileProblem({ sizeBytes: PDB_TEXT.length, text: PDB_TEXT })).toBeNull();
  });

  it('refuses empty, oversized, binary and record-less files with a reason', () => {
    expect(fileProblem({ sizeBytes: 0 })).toBe('the file is empty');
    expect(fileProblem({ sizeBytes: MAX_UPLOAD_BYTES + 1 })).toMatch(/limited to 64.0 MiB/);
    expect(fileProblem({ sizeBytes: 4, text: 'PK\u0003\u0000' })).toMatch(/not a text file/);
    expect(fileProblem({ sizeBytes: 11, text: 'hello world' })).toMatch(/no ATOM records/);
  });
});

describe('formFieldOf', () => {
  const fields = ['pdbId', 'pdb', 'params.temperatureK', 'priority'];

  it('places a validator error beside the field it names', () => {
    expect(formFieldOf('pdb', fields)).toBe('pdb');
    expect(formFieldOf('params.temperatureK', fields)).toBe('params.temperatureK');
  });

  it('keeps errors about the whole request or unknown fields at form level', () => {
    expect(formFieldOf('params', fields)).toBeNull();
    expect(formFieldOf('body', fields)).toBeNull();
    expect(formFieldOf(undefined, fields)).toBeNull();
  });
});
