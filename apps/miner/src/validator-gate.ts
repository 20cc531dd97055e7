import type { ChainClient, Metagraph } from '@fold/chain-client';
import type { BlacklistVerdict } from '@fold/synapse';
import type { Logger } from 'pino';

/** Who may call the miner. */
export interface GatePolicy {
  /** Least stake of a served validator, rao. */
  readonly minStakeRao: bigint;
  /** Development: hotkeys served without any chain check. */
  readonly devAllow: ReadonlySet<string>;
  /** Whether the miner reads a chain at all (without one, only the allowlist is served). */
  readonly chain: boolean;
}

/** What the gate knows about a registered hotkey. */
export interface ValidatorStanding {
  readonly uid: number;
  readonly stakeRao: bigint;
  readonly validatorPermit: boolean;
}

/** The hotkeys of a metagraph with their standing, at one block. */
export interface GateSnapshot {
  readonly blockNumber: number;
  readonly neurons: ReadonlyMap<string, ValidatorStanding>;
}

/** A gate decision: served or not, why, and the priority among waiting requests. */
export interface GateDecision extends BlacklistVerdict {
  readonly priority: number;
}

const RAO_PER_TAO = 1_000_000_000n;

/** Stake in TAO as a number, for priorities (exact enough to order validators). */
export function stakeTao(stakeRao: bigint): number {
  return Number(stakeRao / RAO_PER_TAO) + Number(stakeRao % RAO_PER_TAO) / 1e9;
}

/** TAO to rao, rounded down. */
export function taoToRao(tao: number): bigint {
  return BigInt(Math.floor(tao * 1e9));
}

/** A snapshot of the hotkeys registered in a metagraph. Pure. */
export function snapshotOf(metagraph: Metagraph): GateSnapshot {
  return {
    blockNumber: metagraph.blockNumber,
    neurons: new Map(
      metagraph.neurons.map((n) => [
        n.hotkey,
        { uid: n.uid, stakeRao: n.stakeRao, validatorPermit: n.validatorPermit },
      ]),
    ),
  };
}

/**
 * Decides whether a (signature-verified) hotkey is served: development allowlist first; then it
 * must be registered on the subnet, hold a validator permit and at least the minimum stake.
 * Without a snapshot (no chain configured, or not read yet) only the allowlist is served.
 * Priority is the stake in TAO, so that under load the largest validators are answered first. Pure.
 */
export function judgeCaller(
  hotkey: string,
  snapshot: GateSnapshot | undefined,
  policy: GatePolicy,
): GateDecision {
  const standing = snapshot?.neurons.get(hotkey);
  const priority = standing === undefined ? 0 : stakeTao(standing.stakeRao);
  if (policy.devAllow.has(hotkey)) return { blacklisted: false, priority };
  if (snapshot === undefined) {
    const reason = policy.chain
      ? 'the metagraph is not available yet'
      : 'hotkey is not in the development allowlist (this miner reads no chain)';
    return { blacklisted: true, reason, priority };
  }
  if (standing === undefined) {
    return { blacklisted: true, reason: 'hotkey is not registered on the subnet', priority };
  }
  if (!standing.validatorPermit) {
    return { blacklisted: true, reason: 'hotkey has no validator permit', priority };
  }
  if (standing.stakeRao < policy.minStakeRao) {
    return { blacklisted: true, reason: 'stake below the minimum', priority };
  }
  return { blacklisted: false, priority };
}

/**
 * The axon's blacklist and priority hooks, on a snapshot of the metagraph refreshed at every new
 * block (the chain client caches the metagraph per block). Requests are judged on the latest
 * snapshot without waiting for the chain.
 */
export class ValidatorGate {
  #snapshot: GateSnapshot | undefined;
  #unsubscribe: (() => void) | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;

  private constructor(
    private readonly policy: GatePolicy,
    private readonly chain: { client: ChainClient; netuid: number } | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the gate: reads the metagraph once (so that the first requests are judged on it) and
   * follows new blocks. Without a chain, only the allowlist is served.
   * @throws {ChainError} when the first read fails (unknown subnet, chain unreachable).
   */
  static async open(
    policy: GatePolicy,
    chain: { client: ChainClient; netuid: number } | undefined,
    logger: Logger,
  ): Promise<ValidatorGate> {
    const gate = new ValidatorGate(policy, chain, logger);
    if (chain !== undefined) {
      gate.#snapshot = snapshotOf(await chain.client.metagraph(chain.netuid));
      gate.#unsubscribe = await chain.client.subscribeNewHeads(() => gate.refresh());
    }
    return gate;
  }

  /** The snapshot requests are judged on. */
  get snapshot(): GateSnapshot | undefined {
    return this.#snapshot;
  }

  /** Judges a caller on the current snapshot. */
  judge(hotkey: string): GateDecision {
    return judgeCaller(hotkey, this.#snapshot, this.policy);
  }

  /** Reads the metagraph again (coalesced: one read at a time, one more if blocks came meanwhile). */
  refresh(): void {
    const chain = this.chain;
    if (chain === undefined) return;
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        try {
          this.#snapshot = snapshotOf(await chain.client.metagraph(chain.netuid));
        } catch (error) {
          // The previous snapshot stays in force; the next block tries again.
          this.logger.warn({ err: error }, 'metagraph refresh failed; keeping the last one');
        }
      } while (this.#again);
      this.#refreshing = undefined;
    })();
  }

  /** Stops following blocks and waits for a running refresh. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#refreshing;
  }
}
