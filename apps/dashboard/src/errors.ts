/**
 * Every failure the dashboard reports is a {@link DashboardError} with a string-literal `code`,
 * the `details` a view needs to place it (the form field, the HTTP status, the path) and the
 * original `cause`. Views show `message`; they decide where from `code` and `details.field`.
 */
export type DashboardErrorCode =
  // The validator refused the request: its own error code is in `details.apiCode`.
  | 'API_REJECTED'
  // A token is missing or wrong (HTTP 401).
  | 'API_UNAUTHORIZED'
  // The validator could not be reached (network, CORS, server down).
  | 'API_UNREACHABLE'
  // The validator answered something that is not the JSON this dashboard expects.
  | 'API_BAD_RESPONSE'
  // The submit form has invalid fields (`details.fields`: field -> message).
  | 'FORM_INVALID';

/** Options shared by every error constructor. */
export interface DashboardErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error this app throws. */
export class DashboardError extends Error {
  override name = 'DashboardError';
  readonly code: DashboardErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DashboardErrorCode, message: string, options?: DashboardErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/**
 * The validator answered a request with an error status. `status` is the HTTP status,
 * `apiCode` the validator's code (`API_UNPROCESSABLE`, ...), `field` the request field it names.
 */
export class ApiResponseError extends DashboardError {
  override name = 'ApiResponseError';
  readonly status: number;
  readonly apiCode: string;
  readonly field: string | undefined;

  constructor(input: {
    readonly status: number;
    readonly apiCode: string;
    readonly message: string;
    readonly field?: string | undefined;
    readonly path: string;
  }) {
    super(input.status === 401 ? 'API_UNAUTHORIZED' : 'API_REJECTED', input.message, {
      details: {
        status: input.status,
        apiCode: input.apiCode,
        path: input.path,
        ...(input.field === undefined ? {} : { field: input.field }),
      },
    });
    this.status = input.status;
    this.apiCode = input.apiCode;
    this.field = input.field;
  }
}

/** The submit form is not ready to send: `fields` maps each bad field to what is wrong. */
export class FormInvalidError extends DashboardError {
  override name = 'FormInvalidError';
  readonly fields: Readonly<Record<string, string>>;

  constructor(fields: Readonly<Record<string, string>>) {
    const names = Object.keys(fields);
    super('FORM_INVALID', `check ${names.join(', ')}`, { details: { fields } });
    this.fields = Object.freeze({ ...fields });
  }
}
