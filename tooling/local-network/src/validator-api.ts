import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ApiError } from './errors.js';

// The parts of the validator's API that the local network reads, as schemas: every answer is
// checked before use, and a validator that answers something else fails loudly here.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Energy = Type.Number();

/** What the validator has done for one miner of a job. */
export const JobMinerSchema = Type.Object({
  uid: Type.Integer({ minimum: 0 }),
  hotkey: Type.String(),
  state: Type.String(),
  stage: Nullable(Type.String()),
  step: Nullable(Type.Integer({ minimum: 0 })),
  nsPerDay: Nullable(Type.Number()),
  claimedEnergyKjMol: Nullable(Energy),
  verifiedEnergyKjMol: Nullable(Energy),
  accepted: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
  error: Nullable(Type.String()),
});
/** {@link JobMinerSchema}. */
export type JobMiner = Static<typeof JobMinerSchema>;

/** One verdict on a miner's claim. */
export const VerdictSchema = Type.Object({
  at: Type.Number(),
  uid: Type.Integer({ minimum: 0 }),
  accepted: Type.Boolean(),
  step: Type.Integer({ minimum: 0 }),
  energyKjMol: Nullable(Energy),
  reason: Nullable(Type.String()),
});
/** {@link VerdictSchema}. */
export type Verdict = Static<typeof VerdictSchema>;

/** `GET /api/jobs/:jobId`, the parts read here. */
export const JobDetailSchema = Type.Object({
  jobId: Type.String({ minLength: 1, maxLength: 128 }),
  proteinId: Type.String(),
  status: Type.String(),
  statusReason: Nullable(Type.String()),
  endedAt: Nullable(Type.Number()),
  system: Nullable(Type.Object({ atomCount: Type.Integer({ minimum: 0 }) })),
  stages: Type.Array(Type.Object({ name: Type.String(), nsteps: Nullable(Type.Integer()) })),
  minerDetails: Type.Array(JobMinerSchema),
  best: Nullable(
    Type.Object({ uid: Type.Integer(), energyKjMol: Energy, step: Type.Integer({ minimum: 0 }) }),
  ),
  verdicts: Type.Array(VerdictSchema),
});
/** {@link JobDetailSchema}. */
export type JobDetail = Static<typeof JobDetailSchema>;

/** Weights the validator set, as it recorded them. */
export const WeightsRecordSchema = Type.Object({
  at: Type.Number(),
  mode: Type.String(),
  blockNumber: Nullable(Type.Integer()),
  uids: Type.Array(Type.Integer({ minimum: 0 })),
  weights: Type.Array(Type.Integer({ minimum: 0 })),
});
/** {@link WeightsRecordSchema}. */
export type WeightsRecord = Static<typeof WeightsRecordSchema>;

/** `GET /api/status`, the parts read here. */
export const StatusSchema = Type.Object({
  validator: Type.Object({ blockNumber: Nullable(Type.Integer()) }),
  pendingVerifications: Type.Integer({ minimum: 0 }),
  lastWeights: Nullable(WeightsRecordSchema),
});
/** {@link StatusSchema}. */
export type ValidatorStatus = Static<typeof StatusSchema>;

const SubmittedSchema = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 128 }) });

/** The parameters a job may fix (the validator's `JobChoices`). */
export interface JobParams {
  readonly forceField?: string;
  readonly water?: string;
  readonly box?: string;
  readonly boxDistanceNm?: number;
  readonly ionConcentrationMolar?: number;
  readonly temperatureK?: number;
  readonly pressureBar?: number;
  readonly stages?: readonly string[];
  readonly nvtSteps?: number;
  readonly nptSteps?: number;
  readonly mdSteps?: number;
}

const ajv = new Ajv({ allErrors: false, strict: false });
const checkJob = ajv.compile<JobDetail>(JobDetailSchema);
const checkStatus = ajv.compile<ValidatorStatus>(StatusSchema);
const checkSubmitted = ajv.compile<Static<typeof SubmittedSchema>>(SubmittedSchema);

const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;

/** A client of one validator's API. */
export class ValidatorApi {
  constructor(
    /** `http://127.0.0.1:<port>`. */
    readonly url: string,
    private readonly token: string,
  ) {}

  /**
   * Submits a job of a PDB entry with fixed parameters.
   * @throws {ApiError} when the validator refuses it (the message is the validator's)
   */
  async submitJob(pdbId: string, params: JobParams): Promise<string> {
    const body = await this.#request('POST', '/api/jobs', { pdbId, params }, 202);
    if (!checkSubmitted(body)) throw invalid('POST /api/jobs', checkSubmitted.errors?.[0]);
    return body.jobId;
  }

  /** A job in full. @throws {ApiError} */
  async job(jobId: string): Promise<JobDetail> {
    const path = `/api/jobs/${encodeURIComponent(jobId)}`;
    const body = await this.#request('GET', path, undefined, 200);
    if (!checkJob(body)) throw invalid(`GET ${path}`, checkJob.errors?.[0]);
    return body;
  }

  /** What the validator does now. @throws {ApiError} */
  async status(): Promise<ValidatorStatus> {
    const body = await this.#request('GET', '/api/status', undefined, 200);
    if (!checkStatus(body)) throw invalid('GET /api/status', checkStatus.errors?.[0]);
    return body;
  }

  async #request(method: string, path: string, json: unknown, expected: number): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new ApiError(`${method} ${path} failed: ${(cause as Error).message}`, { path }, cause);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_ANSWER_BYTES) {
      throw new ApiError(`${method} ${path}: the answer is over ${MAX_ANSWER_BYTES} bytes`, {
        path,
      });
    }
    const text = await response.text();
    if (text.length > MAX_ANSWER_BYTES) {
      throw new ApiError(`${method} ${path}: the answer is over ${MAX_ANSWER_BYTES} bytes`, {
        path,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new ApiError(
        `${method} ${path}: the answer is not JSON`,
        { path, status: response.status },
        cause,
      );
    }
    if (response.status !== expected) {
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? String(body.message)
          : text.slice(0, 300);
      throw new ApiError(`${method} ${path} answered ${response.status}: ${message}`, {
        path,
        status: response.status,
      });
    }
    return body;
  }
}

function invalid(
  what: string,
  error: { instancePath: string; message?: string } | undefined,
): ApiError {
  return new ApiError(
    `${what}: the answer does not match the validator's API (${error?.instancePath || '/'} ${error?.message ?? 'is invalid'})`,
    { field: error?.instancePath ?? '' },
  );
}
