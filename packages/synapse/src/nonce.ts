import { VerificationError } from './errors.js';

/**
 * How far behind the axon's clock a nonce seen for the first time may be, on top of the
 * request's timeout: 4 s (`ALLOWED_DELTA` in bittensor/utils/axon_utils.py).
 */
export const NONCE_ALLOWED_DELTA_NS = 4_000_000_000n;

/** Wall-clock time in nanoseconds since the Unix epoch (millisecond resolution). */
export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function seconds(ns: bigint): string {
  return (Number(ns) / 1e9).toFixed(2);
}

/**
 * The nonce rules of the SDK's axon (bittensor/core/axon.py, `Axon.default_verify`, for
 * dendrites of version 7.2 and later): per `hotkey:uuid`, a nonce must be strictly greater than
 * the last one accepted; a nonce seen for the first time must be newer than now - 4 s - timeout.
 * Unlike the SDK, the timeout used for that window is capped (a replayed request cannot widen
 * it by claiming a huge timeout), and entries old enough for the window alone to reject their
 * replays are forgotten, so the table does not grow without bound.
 */
export class NonceTracker {
  private readonly last = new Map<string, bigint>();
  private nextSweepNs = 0n;

  /**
   * @param maxTimeoutNs the largest timeout a request may claim for its window.
   * @param clock the axon's clock, in ns since the epoch (injectable for tests).
   */
  constructor(
    private readonly maxTimeoutNs: bigint,
    private readonly clock: () => bigint = wallClockNs,
  ) {}

  /**
   * Checks a nonce and, if it passes, records it as the last one of its endpoint. The caller
   * verifies the signature first, so that nobody can advance another dendrite's nonce.
   * @param timeoutS the request's timeout in seconds (capped at the tracker's maximum).
   * @throws {VerificationError} `NONCE_STALE` or `NONCE_REPLAYED`, with the SDK's messages.
   */
  accept(endpointKey: string, nonce: bigint, timeoutS: number): void {
    const now = this.clock();
    this.sweep(now);
    const previous = this.last.get(endpointKey);
    if (previous === undefined) {
      const timeoutNs = BigInt(Math.max(0, Math.round(timeoutS * 1e9)));
      const allowedNs =
        NONCE_ALLOWED_DELTA_NS + (timeoutNs < this.maxTimeoutNs ? timeoutNs : this.maxTimeoutNs);
      if (nonce <= now - allowedNs) {
        throw new VerificationError(
          'NONCE_STALE',
          `Nonce is too old: acceptable delta is ${seconds(allowedNs)} seconds but request was ${seconds(now - nonce)} seconds old`,
          { details: { peer: endpointKey } },
        );
      }
    } else if (nonce <= previous) {
      throw new VerificationError(
        'NONCE_REPLAYED',
        'Nonce is too old, a newer one was last processed',
        {
          details: { peer: endpointKey },
        },
      );
    }
    this.last.set(endpointKey, nonce);
  }

  /** How many endpoints the tracker currently remembers. */
  get size(): number {
    return this.last.size;
  }

  private sweep(now: bigint): void {
    if (now < this.nextSweepNs) return;
    this.nextSweepNs = now + 10_000_000_000n;
    // Any replay of a nonce at or below this line fails the first-sight window anyway.
    const forgettable = now - NONCE_ALLOWED_DELTA_NS - this.maxTimeoutNs;
    for (const [key, nonce] of this.last) if (nonce <= forgettable) this.last.delete(key);
  }
}
