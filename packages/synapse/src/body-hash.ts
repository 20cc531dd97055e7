import { createHash } from 'node:crypto';
import { entryOf, type JsonNode } from './json-tree.js';
import { type PythonTypeHint, pythonStr } from './python-str.js';

/** SHA3-256 of a text's UTF-8 bytes as lowercase hex: the SDK's `get_hash` (bittensor/utils). */
export function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex');
}

/**
 * The Bittensor body hash of a request body: for each hash field in order, SHA3-256 of Python's
 * `str()` of the value the SDK's pydantic model holds for it, the hex digests joined, and SHA3-256
 * of that (bittensor/core/synapse.py, `Synapse.body_hash`). `schema` is the synapse's JSON schema:
 * its `number`/`integer` types decide whether a JSON `1` prints as `1.0` or `1`, as pydantic
 * coerces it. With no hash fields the result is SHA3-256 of the empty text, as in the SDK.
 * @param body the parsed body (an object node); a field absent from it prints as `None`.
 * @param schema the JSON schema of the synapse's fields (a TypeBox `TObject` or plain JSON schema).
 */
export function computeBodyHash(
  body: JsonNode,
  hashFields: readonly string[],
  schema: object,
): string {
  const hint = schema as PythonTypeHint;
  let joined = '';
  for (const field of hashFields) {
    joined += sha3Hex(pythonStr(entryOf(body, field), hint.properties?.[field]));
  }
  return sha3Hex(joined);
}
