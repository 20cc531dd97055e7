import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@fold/gromacs-runner';
import type { ValidatorJob } from '@fold/job-store';
import {
  candidateHyperparameters,
  cleanStructure,
  InvalidOptionsError,
  normalizePdbId,
  PdbDatasetError,
  parsePdb,
} from '@fold/pdb-dataset';
import { type Static, Type } from '@sinclair/typebox';
import type { ValidatorContext } from '../context.js';
import { ApiError } from '../errors.js';
import { jobLayout } from '../job-layout.js';
import { createJob, defaultSettings } from '../job-lifecycle.js';
import { fixedHyperparameters, JobChoicesSchema, type JobSettings } from '../job-settings.js';

/** Most atoms an uploaded structure may have. */
export const MAX_UPLOAD_ATOMS = 200_000;

/** The body of `POST /api/jobs`. */
export const SubmitJobSchema = Type.Object(
  {
    pdbId: Type.Optional(
      Type.String({
        pattern: '^[0-9][A-Za-z0-9]{3}$',
        description: "a PDB id (fetched from the validator's source), or the label of an upload",
      }),
    ),
    pdb: Type.Optional(
      Type.String({ minLength: 1, description: 'the text of a PDB file to simulate instead' }),
    ),
    params: Type.Optional(JobChoicesSchema),
    priority: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 9, description: 'higher runs first; default 5' }),
    ),
  },
  { additionalProperties: false },
);
/** {@link SubmitJobSchema}. */
export type SubmitJobBody = Static<typeof SubmitJobSchema>;

function unprocessable(field: string, error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof PdbDatasetError ? error.code : undefined;
  return new ApiError('API_UNPROCESSABLE', message, {
    details: { field, ...(code === undefined ? {} : { reason: code }) },
    cause: error,
  });
}

/**
 * A researcher's job: checked now (the entry can be fetched and parsed, or the upload parses and
 * leaves a protein after cleaning; the fixed parameters exist in the search space), then created
 * as a `pending` organic job that is prepared before sampled ones. An upload is written to the
 * job's directory under a name of the validator's, never one from the request.
 * @throws {ApiError} API_BAD_REQUEST (neither or both of pdbId and pdb), API_UNPROCESSABLE (the
 *   entry or upload cannot be used: `details.field` names it, `details.reason` the parser's code).
 */
export async function submitJob(
  context: ValidatorContext,
  body: SubmitJobBody,
): Promise<ValidatorJob> {
  const jobId = `o-${randomBytes(8).toString('hex')}`;
  let label: string;
  let upload: string | undefined;
  if (body.pdb !== undefined) {
    let idCode: string | null;
    try {
      const structure = parsePdb(body.pdb, { maxAtoms: MAX_UPLOAD_ATOMS, label: 'upload' });
      cleanStructure(structure);
      idCode = structure.idCode;
    } catch (error) {
      if (error instanceof PdbDatasetError) throw unprocessable('pdb', error);
      throw error;
    }
    // The label the job is known by on the wire: the request's, the file's HEADER id, or a
    // digit-led id derived from the content (uploads need not come from the PDB).
    const fromContent = `0${createHash('sha256').update(body.pdb).digest('hex').slice(0, 3)}`;
    label = normalizePdbId(
      body.pdbId ?? (idCode !== null && /^[0-9][a-z0-9]{3}$/.test(idCode) ? idCode : fromContent),
    );
    upload = body.pdb;
  } else if (body.pdbId !== undefined) {
    label = normalizePdbId(body.pdbId);
    try {
      const entry = await context.source.fetchEntry(label);
      cleanStructure(parsePdb(entry.text, { label: `pdb${label}` }));
    } catch (error) {
      if (error instanceof PdbDatasetError) throw unprocessable('pdbId', error);
      throw error;
    }
  } else {
    throw new ApiError('API_BAD_REQUEST', 'give a PDB id (pdbId) or a PDB file (pdb)', {
      details: { field: 'pdbId' },
    });
  }

  const params = body.params ?? {};
  const base = defaultSettings(context, label, jobId);
  const settings: JobSettings = {
    ...base,
    upload: upload !== undefined,
    ...(params.forceField === undefined ? {} : { forceField: params.forceField }),
    ...(params.water === undefined ? {} : { water: params.water }),
    ...(params.box === undefined ? {} : { box: params.box }),
    ...(params.boxDistanceNm === undefined ? {} : { boxDistanceNm: params.boxDistanceNm }),
    ...(params.ionConcentrationMolar === undefined
      ? {}
      : { ionConcentrationMolar: params.ionConcentrationMolar }),
    ...(params.temperatureK === undefined ? {} : { temperatureK: params.temperatureK }),
    ...(params.pressureBar === undefined ? {} : { pressureBar: params.pressureBar }),
    ...(params.stages === undefined ? {} : { stages: params.stages }),
    ...(params.mdSteps === undefined ? {} : { mdSteps: params.mdSteps }),
    ...(params.nvtSteps === undefined ? {} : { nvtSteps: params.nvtSteps }),
    ...(params.nptSteps === undefined ? {} : { nptSteps: params.nptSteps }),
  };
  try {
    candidateHyperparameters(label, settings.seed, {
      space: context.config.searchSpace,
      fixed: fixedHyperparameters(settings),
    });
  } catch (error) {
    if (error instanceof InvalidOptionsError)
      throw new ApiError('API_UNPROCESSABLE', error.message, {
        details: { field: 'params' },
        cause: error,
      });
    throw error;
  }

  if (upload !== undefined) {
    const path = jobLayout(context.config.workDir, jobId).uploadPath;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, upload);
  }
  return createJob(context, {
    jobId,
    settings,
    source: 'organic',
    priority: body.priority ?? 5,
  });
}
