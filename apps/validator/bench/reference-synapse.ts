// The reference validator's progress query, on the same protocol stack as fold's: the request
// names the protein, the answer carries every file of the miner's current stage as base64 in
// JSON (`md_output`), on every query.
import { defineSynapse } from '@fold/synapse';
import { Type } from '@sinclair/typebox';

const MiB = 1024 * 1024;

export const ReferenceQuery = defineSynapse({
  name: 'ReferenceQuery',
  request: Type.Object({ pdb_id: Type.String({ maxLength: 8 }) }, { additionalProperties: false }),
  response: Type.Object(
    { md_output: Type.Record(Type.String({ maxLength: 100 }), Type.String()) },
    { additionalProperties: false },
  ),
  hashFields: ['pdb_id'],
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: 64 * MiB,
});
