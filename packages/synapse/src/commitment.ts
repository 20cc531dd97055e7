import { createHash } from 'node:crypto';
import { decodeAddress } from '@polkadot/util-crypto';
import { SchemaError } from './errors.js';

/** What a frame commitment binds. */
export interface FrameCommitmentInput {
  /** The job the frame belongs to. */
  readonly jobId: string;
  /** The SS58 address of the miner's hotkey (any SS58 prefix: the public key is what counts). */
  readonly minerHotkey: string;
  /** SHA-256 of the frame file's bytes, lowercase hex. */
  readonly frameSha256: string;
}

const DOMAIN = Buffer.from('fold/frame-commitment/v1\0', 'utf8');
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The commitment of a frame: SHA-256 over a domain tag, the job id (length-prefixed UTF-8), the
 * miner's 32-byte public key and the frame file's SHA-256. A miner sends it in progress answers
 * before anyone fetches the frame; a verifier recomputes it from the fetched bytes. Copying
 * another miner's frame cannot reproduce that miner's commitment under one's own hotkey, and the
 * earlier commitment wins.
 * @returns 64 lowercase hex characters.
 * @throws {SchemaError} when the hotkey is not an SS58 address or the hash is not SHA-256 hex.
 */
export function frameCommitment(input: FrameCommitmentInput): string {
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(input.minerHotkey);
  } catch (error) {
    throw new SchemaError(
      `Miner hotkey ${JSON.stringify(input.minerHotkey)} is not an SS58 address`,
      {
        details: { field: 'minerHotkey' },
        cause: error,
      },
    );
  }
  if (!SHA256_HEX.test(input.frameSha256)) {
    throw new SchemaError('frameSha256 must be 64 lowercase hex characters', {
      details: { field: 'frameSha256' },
    });
  }
  const jobId = Buffer.from(input.jobId, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(jobId.length);
  return createHash('sha256')
    .update(DOMAIN)
    .update(length)
    .update(jobId)
    .update(publicKey)
    .update(Buffer.from(input.frameSha256, 'hex'))
    .digest('hex');
}

/**
 * Recomputes the commitment of fetched frame bytes and compares it with the one a miner sent.
 * @returns true when the bytes, job and hotkey reproduce `commitment`.
 * @throws {SchemaError} as {@link frameCommitment}.
 */
export function verifyFrameCommitment(
  commitment: string,
  input: { readonly jobId: string; readonly minerHotkey: string; readonly frameBytes: Uint8Array },
): boolean {
  const frameSha256 = createHash('sha256').update(input.frameBytes).digest('hex');
  return (
    frameCommitment({ jobId: input.jobId, minerHotkey: input.minerHotkey, frameSha256 }) ===
    commitment
  );
}
