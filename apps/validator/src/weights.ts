import {
  type ChainClient,
  RateLimitedError,
  type Signer,
  weightsAllowedAtBlock,
} from '@fold/chain-client';
import type { ValidatorContext } from './context.js';
import type { WeightsRecord } from './validator-state.js';

/** The chain side of a validator: where weights go. */
export interface ChainSide {
  readonly client: ChainClient;
  readonly netuid: number;
  readonly signer: Signer;
}

/** Whether weights are due, and why not when they are not. Pure. */
export function weightsDue(input: {
  readonly currentBlock: number;
  /** The block of the validator's last weights (or its registration). */
  readonly lastUpdate: number;
  /** Blocks between settings (the tempo, or the configured interval). */
  readonly intervalBlocks: number;
  readonly rateLimitBlocks: number;
}): { due: true } | { due: false; nextBlock: number } {
  const byInterval = input.lastUpdate === 0 ? 0 : input.lastUpdate + input.intervalBlocks;
  const byLimit = weightsAllowedAtBlock(input.lastUpdate, input.rateLimitBlocks);
  const next = Math.max(byInterval, byLimit);
  // The extrinsic lands in the next block: that block must be allowed.
  return input.currentBlock + 1 >= next ? { due: true } : { due: false, nextBlock: next };
}

/**
 * The block weights count from: the validator's last update on chain, or, in a dry run (which
 * never moves it), the block of the last weights it logged. Pure.
 */
export function effectiveLastUpdate(
  chainLastUpdate: number,
  lastRecord: Pick<WeightsRecord, 'mode' | 'blockNumber'> | undefined,
): number {
  const logged = lastRecord?.mode === 'dry-run' ? (lastRecord.blockNumber ?? 0) : 0;
  return Math.max(chainLastUpdate, logged);
}

/**
 * Sets weights when they are due: once per tempo (or `weightsIntervalBlocks`) since the
 * validator's last update on chain, and never within the subnet's rate limit. The score book's
 * epoch closes, its scores become u16 weights, and they are set (plain or by commit-reveal, as
 * the subnet has it) or, in a dry run, logged (a dry run on a chain counts its last logged
 * weights as the last update). Without a chain (a dry run on a static miner list) every call is
 * due. Returns what was done, or null when nothing was due or there was
 * nothing to set.
 * @throws {ChainError} when the chain refuses for another reason than the rate limit.
 */
export async function setWeightsIfDue(
  context: ValidatorContext,
  chain: ChainSide | null,
): Promise<WeightsRecord | null> {
  const { config, logger, metrics } = context;
  const book = context.ledger.book;
  let blockNumber: number | null = null;
  if (chain !== null) {
    const [hyper, metagraph] = await Promise.all([
      chain.client.hyperparameters(chain.netuid),
      chain.client.metagraph(chain.netuid),
    ]);
    const self = metagraph.neurons.find((n) => n.hotkey === chain.signer.address);
    if (self === undefined) {
      logger.warn(
        { event: 'weights.not-registered', netuid: chain.netuid },
        `the validator hotkey is not registered on subnet ${chain.netuid}`,
      );
      return null;
    }
    const lastUpdate = effectiveLastUpdate(
      self.lastUpdate,
      config.dryRun ? await context.state.lastWeights() : undefined,
    );
    const due = weightsDue({
      currentBlock: metagraph.blockNumber,
      lastUpdate,
      intervalBlocks: config.weightsIntervalBlocks ?? hyper.tempo,
      rateLimitBlocks: hyper.weightsRateLimit,
    });
    if (!due.due) {
      logger.debug(
        { event: 'weights.not-due', block: metagraph.blockNumber, nextBlock: due.nextBlock },
        `weights are due at block #${due.nextBlock}`,
      );
      return null;
    }
    book.syncMetagraph(metagraph.neurons.map((n) => n.hotkey));
    blockNumber = metagraph.blockNumber;
  }
  book.closeEpoch();
  await context.ledger.save();
  const { uids, values } = book.chainWeights();
  if (uids.length === 0) {
    logger.info(
      { event: 'weights.empty', block: blockNumber },
      'no miner has a score yet: no weights to set',
    );
    return null;
  }
  const at = context.now();
  if (config.dryRun || chain === null) {
    const record: WeightsRecord = { at, mode: 'dry-run', blockNumber, uids, weights: values };
    await context.state.addWeights(record);
    metrics.weights.inc({ mode: 'dry-run', outcome: 'ok' });
    logger.info(
      { event: 'weights.dry-run', block: blockNumber, uids, weights: values },
      `dry run: weights ${uids.map((u, i) => `${u}=${values[i]}`).join(' ')}`,
    );
    return record;
  }
  try {
    const result = await chain.client.setWeights({
      netuid: chain.netuid,
      hotkey: chain.signer,
      uids,
      weights: values,
    });
    const record: WeightsRecord = {
      at,
      mode: result.mode,
      blockNumber: result.inclusion.blockNumber,
      uids,
      weights: values,
    };
    await context.state.addWeights(record);
    metrics.weights.inc({ mode: result.mode, outcome: 'ok' });
    logger.info(
      {
        event: 'weights.set',
        mode: result.mode,
        block: result.inclusion.blockNumber,
        uids,
        weights: values,
      },
      `weights ${result.mode === 'commit' ? 'committed' : 'set'} at block #${result.inclusion.blockNumber}`,
    );
    return record;
  } catch (error) {
    if (error instanceof RateLimitedError) {
      metrics.weights.inc({ mode: 'set', outcome: 'rate-limited' });
      logger.info(
        { event: 'weights.rate-limited', allowedAtBlock: error.allowedAtBlock ?? null },
        error.message,
      );
      return null;
    }
    metrics.weights.inc({ mode: 'set', outcome: 'failed' });
    throw error;
  }
}

/** Reveals committed weights whose window has come (commit-reveal subnets). */
export async function revealWeights(context: ValidatorContext, chain: ChainSide): Promise<number> {
  const outcomes = await chain.client.revealDue(chain.signer);
  let revealed = 0;
  for (const outcome of outcomes) {
    if (outcome.status === 'waiting') continue;
    if (outcome.status === 'revealed') revealed++;
    context.metrics.weights.inc({ mode: 'reveal', outcome: outcome.status });
    context.logger.info(
      {
        event: `weights.${outcome.status}`,
        commitHash: outcome.commitHash,
        block: outcome.inclusion?.blockNumber ?? null,
      },
      `weights commit ${outcome.commitHash.slice(0, 10)}… ${outcome.status}`,
    );
  }
  return revealed;
}
