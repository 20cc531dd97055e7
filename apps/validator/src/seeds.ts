import { createHash } from 'node:crypto';

/** Largest seed the protocol carries (GROMACS reads `gen-seed` as a C int). */
export const MAX_SEED = 2_147_483_647;

/** What a miner's seed is derived from. */
export interface SeedInput {
  /** The validator's hotkey (SS58). */
  readonly validatorHotkey: string;
  /** The job id as the miner knows it (a rebased job has its own). */
  readonly jobId: string;
  /** The miner's hotkey (SS58). */
  readonly minerHotkey: string;
  /** The validator's secret salt (kept in Redis), so miners cannot predict each other's seeds. */
  readonly salt: string;
}

/**
 * The seed a miner gets for a job: SHA-256 over a domain tag and the length-prefixed inputs,
 * reduced to 0..2^31-1. Deterministic, so a restarted validator hands out the same seed again and
 * an assignment retried after a crash is the same assignment. `attempt` > 0 draws another seed
 * when the first collides with one already given in the job. Pure.
 */
export function minerSeed(input: SeedInput, attempt = 0): number {
  const hash = createHash('sha256').update('fold-validator-seed\0');
  for (const part of [input.validatorHotkey, input.jobId, input.minerHotkey, input.salt]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  const count = Buffer.alloc(4);
  count.writeUInt32BE(attempt);
  hash.update(count);
  return hash.digest().readUInt32BE(0) & MAX_SEED;
}

/**
 * The first seed of {@link minerSeed} not among `taken` (seeds must differ within a job).
 */
export function distinctMinerSeed(input: SeedInput, taken: ReadonlySet<number>): number {
  for (let attempt = 0; ; attempt++) {
    const seed = minerSeed(input, attempt);
    if (!taken.has(seed)) return seed;
  }
}
