import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { SchemaError } from './errors.js';

// One ajv instance for the package: strict so that a typo in a schema fails at start-up, and no
// coercion, defaults or removal, so that what a handler sees is exactly what was sent.
const ajv = new Ajv({
  strict: true,
  allowUnionTypes: true,
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
});
// Annotation only: how the Python mirror of a synapse types a value (see python-str.ts).
ajv.addKeyword({ keyword: 'x-python-untyped', schemaType: 'boolean' });

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(body)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${where} has a field that is not allowed: ${JSON.stringify(params.additionalProperty)}`;
  }
  if (error.keyword === 'enum') {
    return `${where} must be one of ${JSON.stringify(params.allowedValues)}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** A compiled check that returns its input typed, or throws naming the first wrong field. */
export type Validator<T> = (value: unknown) => T;

/**
 * Compiles a JSON schema (TypeBox) into a {@link Validator}.
 * @param what names the checked thing in error messages, e.g. "FoldAssign request".
 * @throws {SchemaError} from the returned function, with the JSON pointer of the field in
 *   `details.field`.
 */
export function compileValidator<S extends TSchema>(schema: S, what: string): Validator<Static<S>> {
  const validate = ajv.compile(schema);
  return (value: unknown): Static<S> => {
    if (validate(value)) return value as Static<S>;
    const first = validate.errors?.[0];
    const message = first === undefined ? 'is invalid' : describeError(first);
    throw new SchemaError(`Invalid ${what}: ${message}`, {
      details: { field: first?.instancePath ?? '', keyword: first?.keyword, schema: what },
    });
  };
}
