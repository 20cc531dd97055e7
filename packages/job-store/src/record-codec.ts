import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CorruptRecordError, InvalidInputError } from './errors.js';

const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes: false, useDefaults: false });

/** Largest stored record accepted, in bytes; bigger values are refused before JSON.parse. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (first === undefined) return 'does not match its schema';
  return `${first.instancePath === '' ? '(root)' : first.instancePath} ${first.message ?? 'is invalid'}`;
}

/**
 * One schema, checked both ways: values the caller hands in ({@link InvalidInputError}) and JSON
 * read back from Redis ({@link CorruptRecordError}).
 */
export class RecordCodec<S extends TSchema> {
  private readonly validate: ValidateFunction<Static<S>>;

  constructor(
    readonly what: string,
    schema: S,
  ) {
    this.validate = ajv.compile<Static<S>>(schema);
  }

  /** Checks a value from the caller. @throws {InvalidInputError} */
  checkInput(value: unknown, details: Record<string, unknown> = {}): Static<S> {
    if (!this.validate(value)) {
      throw new InvalidInputError(`invalid ${this.what}: ${describeErrors(this.validate.errors)}`, {
        ...details,
        field: this.validate.errors?.[0]?.instancePath,
      });
    }
    return value;
  }

  /** Parses and checks a stored JSON text. @throws {CorruptRecordError} */
  parseStored(text: string, key: string): Static<S> {
    if (text.length > MAX_RECORD_BYTES) {
      throw new CorruptRecordError(
        `${key} holds ${text.length} bytes, more than a ${this.what} may`,
        {
          details: { key },
        },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new CorruptRecordError(`${key} is not valid JSON`, { details: { key }, cause });
    }
    if (!this.validate(value)) {
      throw new CorruptRecordError(
        `${key} is not a valid ${this.what}: ${describeErrors(this.validate.errors)}`,
        { details: { key, field: this.validate.errors?.[0]?.instancePath } },
      );
    }
    return value;
  }
}
