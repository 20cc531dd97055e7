import type { SubmitJobRequest } from './api-client.js';
import { DashboardError, FormInvalidError } from './errors.js';
import { formatBytes } from './format.js';

// The submit form's rules. Its choices and limits are read from the validator's own OpenAPI
// document, so the form offers exactly what that validator accepts; the checks here give
// readable messages before sending, and the validator checks everything again.

/** Largest file the form reads (the most a validator can be configured to take), bytes. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** One job parameter the form offers. */
export interface ParamField {
  readonly key: string;
  readonly label: string;
  readonly unit: string | null;
  readonly kind: 'choice' | 'number' | 'integer';
  /** The values of a choice. */
  readonly options: readonly string[];
  readonly minimum: number | null;
  readonly maximum: number | null;
}

/** What a validator accepts in a submission. */
export interface SubmitRules {
  readonly pdbIdPattern: RegExp;
  readonly params: readonly ParamField[];
  /** Stages a job may run, in order. */
  readonly stages: readonly string[];
  readonly priority: { readonly minimum: number; readonly maximum: number };
}

const LABELS: Readonly<Record<string, readonly [string, string | null]>> = {
  forceField: ['Force field', null],
  water: ['Water model', null],
  box: ['Box shape', null],
  boxDistanceNm: ['Box distance', 'nm'],
  ionConcentrationMolar: ['Salt concentration', 'mol/L'],
  temperatureK: ['Temperature', 'K'],
  pressureBar: ['Pressure', 'bar'],
  nvtSteps: ['NVT steps', 'steps'],
  nptSteps: ['NPT steps', 'steps'],
  mdSteps: ['Production (md) steps', 'steps'],
};

type JsonObject = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const numberOr = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** The string values a JSON-schema fragment allows (`enum`, `const`, or a union of them). */
function choicesOf(schema: JsonObject): string[] {
  if (Array.isArray(schema.enum)) return schema.enum.filter((v) => typeof v === 'string');
  if (typeof schema.const === 'string') return [schema.const];
  if (Array.isArray(schema.anyOf))
    return schema.anyOf.flatMap((s) => (isObject(s) ? choicesOf(s) : []));
  return [];
}

function dig(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * The submission rules in a validator's OpenAPI document (the body schema of `POST /api/jobs`).
 * Pure.
 * @throws {DashboardError} API_BAD_RESPONSE when the document has no such schema.
 */
export function submitRulesFromOpenApi(doc: unknown): SubmitRules {
  const body = dig(doc, [
    'paths',
    '/api/jobs',
    'post',
    'requestBody',
    'content',
    'application/json',
    'schema',
    'properties',
  ]);
  const params = dig(body, ['params', 'properties']);
  if (!isObject(body) || !isObject(params))
    throw new DashboardError(
      'API_BAD_RESPONSE',
      "the validator's OpenAPI document has no job submission schema",
      { details: { path: '/openapi.json' } },
    );
  const fields: ParamField[] = [];
  let stages: string[] = [];
  for (const [key, schema] of Object.entries(params)) {
    if (!isObject(schema)) continue;
    if (key === 'stages') {
      stages = isObject(schema.items) ? choicesOf(schema.items) : [];
      continue;
    }
    const options = choicesOf(schema);
    const kind =
      options.length > 0
        ? 'choice'
        : schema.type === 'integer'
          ? 'integer'
          : schema.type === 'number'
            ? 'number'
            : null;
    if (kind === null) continue;
    const [label, unit] = LABELS[key] ?? [key, null];
    fields.push({
      key,
      label,
      unit,
      kind,
      options,
      minimum: numberOr(schema.minimum),
      maximum: numberOr(schema.maximum),
    });
  }
  const pdbId = dig(body, ['pdbId', 'pattern']);
  const priority = dig(body, ['priority']);
  return {
    pdbIdPattern: new RegExp(typeof pdbId === 'string' ? pdbId : '^[0-9][A-Za-z0-9]{3}$'),
    params: fields,
    stages,
    priority: {
      minimum: isObject(priority) ? (numberOr(priority.minimum) ?? 1) : 1,
      maximum: isObject(priority) ? (numberOr(priority.maximum) ?? 9) : 9,
    },
  };
}

/** A file chosen in the form, read as text. */
export interface ChosenFile {
  readonly name: string;
  readonly sizeBytes: number;
  readonly text: string;
}

/** What the researcher typed and chose. Empty text means "let the validator choose". */
export interface SubmitFormInput {
  readonly source: 'id' | 'file';
  readonly pdbId: string;
  readonly file: ChosenFile | null;
  readonly params: Readonly<Record<string, string>>;
  readonly stages: readonly string[];
  readonly priority: string;
}

/**
 * Why a file cannot be a PDB upload, or null: it must be non-empty text under
 * {@link MAX_UPLOAD_BYTES} with ATOM records. Pure.
 */
export function fileProblem(file: {
  readonly sizeBytes: number;
  readonly text?: string;
}): string | null {
  if (file.sizeBytes === 0) return 'the file is empty';
  if (file.sizeBytes > MAX_UPLOAD_BYTES)
    return `the file is ${formatBytes(file.sizeBytes)}; uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}`;
  if (file.text === undefined) return null;
  if (file.text.includes('\u0000')) return 'this is not a text file; choose a PDB file (.pdb)';
  if (!/^(ATOM {2}|HETATM)/m.test(file.text))
    return 'the file has no ATOM records; choose a PDB file (.pdb)';
  return null;
}

function describeRange(field: ParamField): string {
  const unit = field.unit === null || field.unit === 'steps' ? '' : ` ${field.unit}`;
  if (field.minimum !== null && field.maximum !== null)
    return `between ${field.minimum} and ${field.maximum}${unit}`;
  if (field.minimum !== null) return `at least ${field.minimum}${unit}`;
  return `at most ${field.maximum}${unit}`;
}

/**
 * The request body of a filled-in form. Pure.
 * @throws {FormInvalidError} naming every field that is wrong (`pdbId`, `pdb`, `params.<key>`,
 *   `stages`, `priority`) with what to do.
 */
export function buildSubmission(input: SubmitFormInput, rules: SubmitRules): SubmitJobRequest {
  const problems: Record<string, string> = {};
  const pdbId = input.pdbId.trim();
  let pdb: string | undefined;
  if (input.source === 'id') {
    if (pdbId === '') problems.pdbId = 'give a PDB id, e.g. 1L2Y';
    else if (!rules.pdbIdPattern.test(pdbId))
      problems.pdbId = 'a PDB id is a digit and three letters or digits, e.g. 1L2Y';
  } else {
    if (pdbId !== '' && !rules.pdbIdPattern.test(pdbId))
      problems.pdbId =
        'a label is a digit and three letters or digits, e.g. 9ABC (or leave it empty)';
    if (input.file === null) problems.pdb = 'choose a PDB file to upload';
    else {
      const problem = fileProblem(input.file);
      if (problem === null) pdb = input.file.text;
      else problems.pdb = problem;
    }
  }

  const params: Record<string, string | number | readonly string[]> = {};
  for (const field of rules.params) {
    const text = (input.params[field.key] ?? '').trim();
    if (text === '') continue;
    if (field.kind === 'choice') {
      if (field.options.includes(text)) params[field.key] = text;
      else problems[`params.${field.key}`] = `choose one of ${field.options.join(', ')}`;
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) {
      problems[`params.${field.key}`] = `${field.label} must be a number`;
    } else if (field.kind === 'integer' && !Number.isInteger(value)) {
      problems[`params.${field.key}`] = `${field.label} must be a whole number`;
    } else if (
      (field.minimum !== null && value < field.minimum) ||
      (field.maximum !== null && value > field.maximum)
    ) {
      problems[`params.${field.key}`] = `${field.label} must be ${describeRange(field)}`;
    } else {
      params[field.key] = value;
    }
  }
  if (input.stages.length > 0) {
    const unknown = input.stages.filter((s) => !rules.stages.includes(s));
    if (unknown.length > 0) problems.stages = `unknown stages: ${unknown.join(', ')}`;
    // The validator runs stages in their fixed order; send them that way.
    else params.stages = rules.stages.filter((s) => input.stages.includes(s));
  }

  let priority: number | undefined;
  const priorityText = input.priority.trim();
  if (priorityText !== '') {
    const value = Number(priorityText);
    if (
      !Number.isInteger(value) ||
      value < rules.priority.minimum ||
      value > rules.priority.maximum
    )
      problems.priority = `priority is a whole number from ${rules.priority.minimum} to ${rules.priority.maximum}`;
    else priority = value;
  }

  if (Object.keys(problems).length > 0) throw new FormInvalidError(problems);
  return {
    ...(pdbId === '' ? {} : { pdbId }),
    ...(pdb === undefined ? {} : { pdb }),
    ...(Object.keys(params).length === 0 ? {} : { params }),
    ...(priority === undefined ? {} : { priority }),
  };
}

/**
 * The form field a validator error names (`params.temperatureK`, `pdb`...), so the message is
 * shown beside it; null for errors about the whole request. Pure.
 */
export function formFieldOf(
  apiField: string | undefined,
  fields: readonly string[],
): string | null {
  if (apiField === undefined) return null;
  if (fields.includes(apiField)) return apiField;
  // `params` alone (a combination the search space lacks) and `body` stay form-level.
  const parent = fields.find((f) => apiField.startsWith(`${f}.`));
  return parent ?? null;
}
