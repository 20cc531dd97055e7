import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { type BundleLimits, DEFAULT_BUNDLE_LIMITS } from './codec.js';
import { ConfigError } from './errors.js';
import { compileValidator, type Validator } from './schema.js';

/** What {@link defineSynapse} takes. Field names are snake_case, as a Python synapse has them. */
export interface SynapseSpec<N extends string, Q extends TProperties, R extends TProperties> {
  /** The route and class name, e.g. `FoldAssign` (POST `/FoldAssign`). */
  readonly name: N;
  /** The fields a dendrite fills. */
  readonly request: TObject<Q>;
  /** The fields an axon's handler fills. */
  readonly response: TObject<R>;
  /** The request fields the body hash covers, in order (`required_hash_fields` in Python). */
  readonly hashFields: readonly (keyof Q & string)[];
  /** Request fields holding a base64 bundle, decoded by the axon before the handler runs. */
  readonly requestBundleFields?: readonly (keyof Q & string)[];
  /** Response fields holding a base64 bundle (or null), decoded by the dendrite. */
  readonly responseBundleFields?: readonly (keyof R & string)[];
  /** Largest request body accepted, in bytes. */
  readonly maxRequestBytes: number;
  /** Largest response body accepted, in bytes. */
  readonly maxResponseBytes: number;
  /** Limits for the bundles this synapse carries; {@link DEFAULT_BUNDLE_LIMITS} otherwise. */
  readonly bundleLimits?: Partial<BundleLimits>;
}

/** A synapse ready for an axon to serve and a dendrite to call. */
export interface SynapseDefinition<
  N extends string = string,
  Q extends TProperties = TProperties,
  R extends TProperties = TProperties,
> {
  readonly name: N;
  readonly request: TObject<Q>;
  readonly response: TObject<R>;
  readonly hashFields: readonly (keyof Q & string)[];
  readonly requestBundleFields: readonly (keyof Q & string)[];
  readonly responseBundleFields: readonly (keyof R & string)[];
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly bundleLimits: BundleLimits;
  /** Checks request fields as a caller builds them. @throws {SchemaError} */
  readonly validateRequest: Validator<Static<TObject<Q>>>;
  /** Checks response fields as a handler returns them. @throws {SchemaError} */
  readonly validateResponse: Validator<Static<TObject<R>>>;
  /**
   * Checks a request body as it arrives (the SDK's base fields and null response fields, which
   * Python dendrites send, are allowed) and returns the request fields alone.
   * @throws {SchemaError}
   */
  readonly parseRequestBody: (body: unknown) => Static<TObject<Q>>;
  /**
   * Checks a response body as it arrives (base fields and echoed request fields allowed, as
   * Python axons send them) and returns the response fields alone.
   * @throws {SchemaError}
   */
  readonly parseResponseBody: (body: unknown) => Static<TObject<R>>;
}

/** Any synapse definition. */
// biome-ignore lint/suspicious/noExplicitAny: the widest definition type must accept every property map
export type AnySynapseDefinition = SynapseDefinition<string, any, any>;

/** The request fields of a synapse. */
export type SynapseRequest<D extends AnySynapseDefinition> = Static<D['request']>;

/** The response fields of a synapse. */
export type SynapseResponse<D extends AnySynapseDefinition> = Static<D['response']>;

const SYNAPSE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const Loose = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Null()]);
const TerminalInfoBody = Type.Union([
  Type.Object(
    {
      status_code: Type.Optional(Loose),
      status_message: Type.Optional(Loose),
      process_time: Type.Optional(Loose),
      ip: Type.Optional(Loose),
      port: Type.Optional(Loose),
      version: Type.Optional(Loose),
      nonce: Type.Optional(Loose),
      uuid: Type.Optional(Loose),
      hotkey: Type.Optional(Loose),
      signature: Type.Optional(Loose),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

/**
 * The fields every SDK synapse has (bittensor/core/synapse.py, `Synapse`). Python peers put them
 * in bodies; this package reads them from headers only, so in bodies they are allowed and ignored.
 */
const BASE_FIELDS: TProperties = {
  name: Type.Optional(Loose),
  timeout: Type.Optional(Loose),
  total_size: Type.Optional(Loose),
  header_size: Type.Optional(Loose),
  dendrite: Type.Optional(TerminalInfoBody),
  axon: Type.Optional(TerminalInfoBody),
  computed_body_hash: Type.Optional(Loose),
};

function nullableOptional(properties: TProperties): TProperties {
  return Object.fromEntries(
    Object.entries(properties).map(([key, schema]) => [
      key,
      Type.Optional(Type.Union([schema as TSchema, Type.Null()])),
    ]),
  );
}

/** Response fields in a request: Python dendrites send them as null, nothing else is allowed. */
function nullOnly(properties: TProperties): TProperties {
  return Object.fromEntries(
    Object.keys(properties).map((key) => [key, Type.Optional(Type.Null())]),
  );
}

function pick<T>(value: unknown, keys: readonly string[]): T {
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (Object.hasOwn(source, key)) out[key] = source[key];
  return out as T;
}

/**
 * Defines a synapse: its name, request and response schemas, hash fields, bundle fields and size
 * limits, with validators compiled once.
 * @throws {ConfigError} for a name that cannot be a route, overlapping field names, or a hash or
 *   bundle field that the schema does not have.
 */
export function defineSynapse<N extends string, Q extends TProperties, R extends TProperties>(
  spec: SynapseSpec<N, Q, R>,
): SynapseDefinition<N, Q, R> {
  if (!SYNAPSE_NAME.test(spec.name)) {
    throw new ConfigError(`Synapse name ${JSON.stringify(spec.name)} is not a valid route name`);
  }
  const requestKeys = Object.keys(spec.request.properties);
  const responseKeys = Object.keys(spec.response.properties);
  for (const key of [...requestKeys, ...responseKeys]) {
    if (Object.hasOwn(BASE_FIELDS, key)) {
      throw new ConfigError(`${spec.name} field ${key} clashes with a base synapse field`);
    }
  }
  for (const key of requestKeys) {
    if (responseKeys.includes(key)) {
      throw new ConfigError(`${spec.name} field ${key} is both a request and a response field`);
    }
  }
  const missing = [
    ...spec.hashFields.filter((f) => !requestKeys.includes(f)),
    ...(spec.requestBundleFields ?? []).filter((f) => !requestKeys.includes(f)),
    ...(spec.responseBundleFields ?? []).filter((f) => !responseKeys.includes(f)),
  ];
  if (missing.length > 0) {
    throw new ConfigError(`${spec.name} names fields its schemas lack: ${missing.join(', ')}`);
  }

  const requestWire = Type.Object(
    {
      ...BASE_FIELDS,
      ...spec.request.properties,
      ...nullOnly(spec.response.properties),
    },
    { additionalProperties: false },
  );
  const responseWire = Type.Object(
    {
      ...BASE_FIELDS,
      ...nullableOptional(spec.request.properties),
      ...spec.response.properties,
    },
    { additionalProperties: false },
  );
  const checkRequestWire = compileValidator(requestWire, `${spec.name} request`);
  const checkResponseWire = compileValidator(responseWire, `${spec.name} response`);

  return Object.freeze({
    name: spec.name,
    request: spec.request,
    response: spec.response,
    hashFields: [...spec.hashFields],
    requestBundleFields: [...(spec.requestBundleFields ?? [])],
    responseBundleFields: [...(spec.responseBundleFields ?? [])],
    maxRequestBytes: spec.maxRequestBytes,
    maxResponseBytes: spec.maxResponseBytes,
    bundleLimits: { ...DEFAULT_BUNDLE_LIMITS, ...spec.bundleLimits },
    validateRequest: compileValidator(spec.request, `${spec.name} request`),
    validateResponse: compileValidator(spec.response, `${spec.name} response`),
    parseRequestBody: (body: unknown) =>
      pick<Static<TObject<Q>>>(checkRequestWire(body), requestKeys),
    parseResponseBody: (body: unknown) =>
      pick<Static<TObject<R>>>(checkResponseWire(body), responseKeys),
  });
}
