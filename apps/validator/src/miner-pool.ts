import { createHash } from 'node:crypto';
import type { ChainClient } from '@fold/chain-client';
import type { StaticMiner } from './config.js';

/** A miner the validator can assign jobs to: a neuron serving an axon. */
export interface MinerInfo {
  readonly uid: number;
  readonly hotkey: string;
  readonly ip: string;
  readonly port: number;
}

/** The miners of the subnet now, and every uid's hotkey (for the score book). */
export interface MinerSnapshot {
  readonly miners: readonly MinerInfo[];
  /** `hotkeys[uid]`: the hotkey registered at each uid (empty without a chain). */
  readonly hotkeys: readonly string[];
  /** The block the snapshot was read at; null without a chain. */
  readonly blockNumber: number | null;
}

/** Where miners come from: the metagraph, or a fixed list for networks without a chain. */
export interface MinerDirectory {
  snapshot(): Promise<MinerSnapshot>;
}

/**
 * Miners from the metagraph: every neuron other than the validator itself that serves an axon
 * at a routable address. The chain client caches the metagraph per block.
 */
export function chainMinerDirectory(
  client: ChainClient,
  netuid: number,
  selfHotkey: string,
): MinerDirectory {
  return {
    async snapshot() {
      const metagraph = await client.metagraph(netuid);
      const miners: MinerInfo[] = [];
      for (const neuron of metagraph.neurons) {
        if (neuron.hotkey === selfHotkey || neuron.axon === null) continue;
        const { ip, port } = neuron.axon;
        if (port === 0 || ip === '0.0.0.0' || /^0*:[0:]*$/.test(ip)) continue;
        miners.push({ uid: neuron.uid, hotkey: neuron.hotkey, ip, port });
      }
      return {
        miners,
        hotkeys: metagraph.neurons.map((n) => n.hotkey),
        blockNumber: metagraph.blockNumber,
      };
    },
  };
}

/** Miners given by hand (development networks without a chain). */
export function staticMinerDirectory(miners: readonly StaticMiner[]): MinerDirectory {
  const snapshot: MinerSnapshot = { miners: [...miners], hotkeys: [], blockNumber: null };
  return { snapshot: async () => snapshot };
}

/** What the validator last heard about a miner's capacity. */
export interface MinerCapacity {
  readonly freeSlots: number;
  readonly totalSlots: number | null;
  /** Jobs assigned to it since it reported `freeSlots`. */
  readonly assignedSince: number;
}

/** Inputs of {@link selectMiners}. */
export interface SelectMinersInput {
  readonly jobId: string;
  readonly candidates: readonly MinerInfo[];
  /** Uids that may not take this job (already in it, dropped from it). */
  readonly exclude: ReadonlySet<number>;
  /** Last known capacity per uid; a miner never heard from is tried. */
  readonly capacity: ReadonlyMap<number, MinerCapacity>;
  /** This validator's live assignments per uid, over all jobs. */
  readonly load: ReadonlyMap<number, number>;
  readonly count: number;
}

function spread(jobId: string, hotkey: string): number {
  return createHash('sha256').update(`${jobId}\0${hotkey}`).digest().readUInt32BE(0);
}

/**
 * Picks up to `count` miners for a job: miners not excluded and not busy beyond their reported
 * capacity (free slots minus what was assigned since they said so), the least loaded first, ties
 * broken by a hash of job and hotkey so that equal miners share the jobs. Pure.
 */
export function selectMiners(input: SelectMinersInput): MinerInfo[] {
  const eligible = input.candidates.filter((m) => {
    if (input.exclude.has(m.uid)) return false;
    const capacity = input.capacity.get(m.uid);
    return capacity === undefined || capacity.freeSlots - capacity.assignedSince > 0;
  });
  const keyed = eligible.map((m) => ({
    miner: m,
    load: input.load.get(m.uid) ?? 0,
    tie: spread(input.jobId, m.hotkey),
  }));
  keyed.sort((a, b) => a.load - b.load || a.tie - b.tie || a.miner.uid - b.miner.uid);
  return keyed.slice(0, Math.max(0, input.count)).map((k) => k.miner);
}
