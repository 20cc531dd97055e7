import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';
import { type BlockWindow, commitHash, generateSalt, revealWindow } from './commit-reveal.js';
import { Connection, type ConnectOptions } from './connection.js';
import type { RateLimitContext } from './dispatch.js';
import {
  ChainError,
  DispatchError,
  InvalidArgumentError,
  RateLimitedError,
  TransactionRejectedError,
} from './errors.js';
import {
  type Hyperparameters,
  readHyperparameters,
  servingAllowedAtBlock,
  weightsAllowedAtBlock,
} from './hyperparameters.js';
import { encodeIp } from './ip.js';
import { type Signer, toSubtensorAddress } from './keys.js';
import { buildCall, storageEntry } from './metadata.js';
import { type Metagraph, readMetagraph } from './metagraph.js';
import { FileRevealStore, type PendingReveal, type RevealStore } from './reveal-store.js';
import { type InclusionResult, Submitter } from './submitter.js';
import { validateWeights } from './weights.js';

/** Options of {@link ChainClient.connect}. */
export interface ChainClientOptions extends ConnectOptions {
  /**
   * Where commit-reveal salts are kept until revealed. Default: a {@link FileRevealStore} at
   * `revealStorePath`.
   */
  readonly revealStore?: RevealStore;
  /** File of the default reveal store; default `.fold/chain/pending-reveals.json`. */
  readonly revealStorePath?: string;
  /** How long an extrinsic may take to reach a block; default 120 s. */
  readonly inclusionTimeoutMs?: number;
}

/** A block header's number and hash. */
export interface BlockHead {
  readonly number: number;
  readonly hash: string;
}

/** What {@link ChainClient.setWeights} did. */
export type SetWeightsResult =
  | { readonly mode: 'set'; readonly inclusion: InclusionResult }
  | {
      readonly mode: 'commit';
      readonly inclusion: InclusionResult;
      readonly commitHash: string;
      /** The blocks in which {@link ChainClient.revealDue} will reveal it. */
      readonly revealWindow: BlockWindow;
    };

/** What {@link ChainClient.revealDue} did with one pending reveal. */
export interface RevealOutcome {
  readonly commitHash: string;
  readonly netuid: number;
  /** `revealed` now; `waiting` for its window; `expired` (window passed, dropped); `missing` (no such commit on chain, dropped). */
  readonly status: 'revealed' | 'waiting' | 'expired' | 'missing';
  readonly revealWindow?: BlockWindow;
  readonly inclusion?: InclusionResult;
}

const U16_MAX = 65_535;
const U32_MAX = 4_294_967_295;

/**
 * A Subtensor client for validators and miners: metagraph, hyperparameters, registration, axons
 * and weights (plain or commit-reveal, as the subnet is configured), over a connection that
 * reconnects with backoff.
 */
export class ChainClient {
  readonly #connection: Connection;
  readonly #submitter: Submitter;
  readonly #revealStore: RevealStore;
  readonly #metagraphs = new Map<number, { blockHash: string; value: Promise<Metagraph> }>();
  readonly #hyperparameters = new Map<
    number,
    { blockHash: string; value: Promise<Hyperparameters> }
  >();
  #weightsQueue: Promise<unknown> = Promise.resolve();

  private constructor(connection: Connection, options: ChainClientOptions) {
    this.#connection = connection;
    this.#submitter = new Submitter(connection, { inclusionTimeoutMs: options.inclusionTimeoutMs });
    this.#revealStore =
      options.revealStore ??
      new FileRevealStore(options.revealStorePath ?? '.fold/chain/pending-reveals.json');
  }

  /**
   * Connects to a node and loads its metadata.
   * @throws {ConnectionError} CONNECTION_FAILED
   * @throws {InvalidArgumentError} on a malformed endpoint
   */
  static async connect(options: ChainClientOptions): Promise<ChainClient> {
    return new ChainClient(await Connection.open(options), options);
  }

  /** The underlying @polkadot/api instance, for reads this client does not cover. */
  get api(): Connection['api'] {
    return this.#connection.api;
  }

  get endpoint(): string {
    return this.#connection.endpoint;
  }

  /** Whether the socket is open now (it reopens by itself after a drop). */
  get isConnected(): boolean {
    return this.#connection.isConnected;
  }

  /** How many times the socket dropped since connecting. */
  get dropCount(): number {
    return this.#connection.dropCount;
  }

  /** The pending-reveal store in use. */
  get revealStore(): RevealStore {
    return this.#revealStore;
  }

  /** The best block's number and hash. @throws {ConnectionError} */
  async head(): Promise<BlockHead> {
    const header = await this.#connection.read(() => this.api.rpc.chain.getHeader());
    return { number: header.number.toNumber(), hash: header.hash.toHex() };
  }

  /** The best block number. @throws {ConnectionError} */
  async blockNumber(): Promise<number> {
    return (await this.head()).number;
  }

  /**
   * Calls `listener` with every new best head; the subscription survives reconnects.
   * @returns the function that ends the subscription
   */
  async subscribeNewHeads(listener: (head: BlockHead) => void): Promise<() => void> {
    await this.#connection.waitConnected();
    return this.api.rpc.chain.subscribeNewHeads((header) => {
      listener({ number: header.number.toNumber(), hash: header.hash.toHex() });
    });
  }

  /**
   * A subnet's hyperparameters at the best block, cached per block.
   * @throws {ChainError} NOT_FOUND for a subnet that does not exist
   * @throws {MetadataMismatchError}
   */
  async hyperparameters(netuid: number): Promise<Hyperparameters> {
    checkNetuid(netuid);
    const head = await this.head();
    return cachedPerBlock(this.#hyperparameters, netuid, head.hash, () =>
      this.#connection.read(() => readHyperparameters(this.api, netuid, head)),
    );
  }

  /**
   * A subnet's metagraph at the best block, read in one runtime call and cached per block (a new
   * block reads it again; `refresh` forces a read).
   * @throws {ChainError} NOT_FOUND for a subnet that does not exist, DECODE_FAILED when the
   *   runtime's neuron layout differs from spec 218's
   * @throws {MetadataMismatchError}
   */
  async metagraph(netuid: number, options: { refresh?: boolean } = {}): Promise<Metagraph> {
    checkNetuid(netuid);
    const head = await this.head();
    if (options.refresh) this.#metagraphs.delete(netuid);
    return cachedPerBlock(this.#metagraphs, netuid, head.hash, () =>
      this.#connection.read(() => readMetagraph(this.api, netuid, head)),
    );
  }

  /** The uid of a hotkey on a subnet, or undefined when it is not registered there. */
  async uidOf(netuid: number, hotkey: string): Promise<number | undefined> {
    checkNetuid(netuid);
    const value = (await this.#connection.read(() =>
      storageEntry(this.api, 'subtensorModule.uids')(netuid, hotkey),
    )) as unknown as {
      isSome: boolean;
      unwrap(): { toNumber(): number };
    };
    return value.isSome ? value.unwrap().toNumber() : undefined;
  }

  /**
   * The weights a uid has set on a subnet, as stored: max-normalised so that the largest is 65535.
   */
  async weights(netuid: number, uid: number): Promise<{ uids: number[]; weights: number[] }> {
    checkNetuid(netuid);
    checkInteger(uid, 'uid', 0, U16_MAX);
    const pairs = (
      await this.#connection.read(() =>
        storageEntry(this.api, 'subtensorModule.weights')(netuid, uid),
      )
    ).toPrimitive() as [number, number][];
    return { uids: pairs.map(([target]) => target), weights: pairs.map(([, weight]) => weight) };
  }

  /**
   * Registers `hotkey` on a subnet by burning the registration cost from `coldkey`, which signs
   * and becomes the hotkey's owner.
   * @returns the new uid and the inclusion
   * @throws {DispatchError} e.g. `subtensorModule.HotKeyAlreadyRegisteredInSubNet`,
   *   `subtensorModule.NotEnoughBalanceToStake`; {@link RateLimitedError} for
   *   `TooManyRegistrationsThisBlock` / `...ThisInterval`
   */
  async register(options: {
    netuid: number;
    hotkey: string;
    coldkey: Signer;
  }): Promise<{ uid: number; inclusion: InclusionResult }> {
    const { netuid, coldkey } = options;
    checkNetuid(netuid);
    const hotkey = toSubtensorAddress(options.hotkey);
    await this.#connection.waitConnected();
    const call = buildCall(this.api, 'subtensorModule.burnedRegister', { netuid, hotkey });
    const inclusion = await this.#submitter.submit(
      coldkey,
      call,
      'subtensorModule.burnedRegister',
      async (error) => {
        const currentBlock = await this.blockNumber();
        return {
          currentBlock,
          allowedAtBlock:
            error === 'subtensorModule.TooManyRegistrationsThisBlock'
              ? currentBlock + 1
              : undefined,
        };
      },
    );
    const registered = inclusion.events.find(
      ({ event }) => event.section === 'subtensorModule' && event.method === 'NeuronRegistered',
    );
    const uid = registered
      ? Number(registered.event.data[1]!.toPrimitive())
      : await this.uidOf(netuid, hotkey);
    if (uid === undefined) {
      throw new ChainError(
        'NOT_FOUND',
        `${hotkey} is not registered on subnet ${netuid} after burnedRegister`,
        {
          details: { netuid, hotkey },
        },
      );
    }
    return { uid, inclusion };
  }

  /**
   * Announces where a hotkey's axon serves. `ip` is IPv4 or IPv6 text; the runtime refuses
   * 127.0.0.1, 0.0.0.0 and ::1 (`InvalidIpAddress`) but takes other loopback addresses.
   * @throws {RateLimitedError} (not submitted) within the subnet's serving rate limit
   * @throws {DispatchError} e.g. `subtensorModule.InvalidIpAddress`,
   *   `subtensorModule.HotKeyNotRegisteredInNetwork`
   * @throws {InvalidArgumentError} on a malformed ip, port, version or protocol
   */
  async serveAxon(options: {
    netuid: number;
    hotkey: Signer;
    ip: string;
    port: number;
    /** Application-defined version number (u32); default 0. */
    version?: number;
    /** Application-defined protocol number (u8); default 4 as the Python SDK. */
    protocol?: number;
  }): Promise<InclusionResult> {
    const { netuid, hotkey, port, version = 0, protocol = 4 } = options;
    checkNetuid(netuid);
    checkInteger(port, 'port', 0, U16_MAX);
    checkInteger(version, 'version', 0, U32_MAX);
    checkInteger(protocol, 'protocol', 0, 255);
    const { ip, ipType } = encodeIp(options.ip);
    const hyperparameters = await this.hyperparameters(netuid);
    const allowedAt = async () => {
      // An Option: null until the hotkey first serves.
      const axon = (
        await storageEntry(this.api, 'subtensorModule.axons')(netuid, hotkey.address)
      ).toPrimitive() as {
        block: number | string;
      } | null;
      return servingAllowedAtBlock(Number(axon?.block ?? 0), hyperparameters.servingRateLimit);
    };
    const nextBlock = hyperparameters.blockNumber + 1;
    const allowedAtBlock = await allowedAt();
    if (nextBlock < allowedAtBlock) {
      throw predictedRateLimit(
        'subtensorModule.serveAxon',
        'ServingRateLimitExceeded',
        allowedAtBlock,
        hyperparameters.blockNumber,
      );
    }
    const call = buildCall(this.api, 'subtensorModule.serveAxon', {
      netuid,
      version,
      ip,
      port,
      ipType,
      protocol,
      placeholder1: 0,
      placeholder2: 0,
    });
    return this.#submitter.submit(hotkey, call, 'subtensorModule.serveAxon', async () => ({
      currentBlock: await this.blockNumber(),
      allowedAtBlock: await allowedAt(),
    }));
  }

  /**
   * Sets a validator's weights on a subnet, by commit-reveal when the subnet has it enabled (the
   * salt is saved in the reveal store before the commit is sent; {@link revealDue} reveals it in
   * its window) and by `setWeights` otherwise. Weights are u16 values (the chain max-normalises
   * them); the version key defaults to the subnet's.
   * @throws {InvalidArgumentError} on unequal lengths, duplicate or unknown uids, values outside u16
   * @throws {RateLimitedError} (not submitted) within the subnet's weights rate limit
   * @throws {ChainError} NOT_FOUND when the hotkey is not registered on the subnet
   * @throws {DispatchError} e.g. `subtensorModule.NeuronNoValidatorPermit`
   */
  setWeights(options: {
    netuid: number;
    hotkey: Signer;
    uids: readonly number[];
    weights: readonly number[];
    versionKey?: bigint;
  }): Promise<SetWeightsResult> {
    return this.#exclusiveWeights(() => this.#setWeights(options));
  }

  async #setWeights(options: {
    netuid: number;
    hotkey: Signer;
    uids: readonly number[];
    weights: readonly number[];
    versionKey?: bigint;
  }): Promise<SetWeightsResult> {
    const { netuid, hotkey, uids, weights } = options;
    checkNetuid(netuid);
    const hyperparameters = await this.hyperparameters(netuid);
    validateWeights({ uids, weights }, hyperparameters.subnetworkN);
    const versionKey = options.versionKey ?? hyperparameters.weightsVersionKey;
    if (versionKey < 0n || versionKey >= 2n ** 64n) {
      throw new InvalidArgumentError('INVALID_ARGUMENT', 'versionKey must be a u64', {
        details: { field: 'versionKey' },
      });
    }
    const uid = await this.uidOf(netuid, hotkey.address);
    if (uid === undefined) {
      throw new ChainError('NOT_FOUND', `${hotkey.address} is not registered on subnet ${netuid}`, {
        details: { netuid, hotkey: hotkey.address },
      });
    }
    const rateLimitError = hyperparameters.commitRevealEnabled
      ? 'CommittingWeightsTooFast'
      : 'SettingWeightsTooFast';
    const allowedAt = async () => {
      const lastUpdate = (
        await storageEntry(this.api, 'subtensorModule.lastUpdate')(netuid)
      ).toPrimitive() as number[];
      const fresh = await this.hyperparameters(netuid);
      return weightsAllowedAtBlock(Number(lastUpdate[uid] ?? 0), fresh.weightsRateLimit);
    };
    const allowedAtBlock = await allowedAt();
    if (hyperparameters.blockNumber + 1 < allowedAtBlock) {
      throw predictedRateLimit(
        hyperparameters.commitRevealEnabled
          ? 'subtensorModule.commitWeights'
          : 'subtensorModule.setWeights',
        rateLimitError,
        allowedAtBlock,
        hyperparameters.blockNumber,
      );
    }
    const rateLimit: RateLimitContext = async () => ({
      currentBlock: await this.blockNumber(),
      allowedAtBlock: await allowedAt(),
    });
    if (!hyperparameters.commitRevealEnabled) {
      const call = buildCall(this.api, 'subtensorModule.setWeights', {
        netuid,
        dests: uids,
        weights,
        versionKey,
      });
      const inclusion = await this.#submitter.submit(
        hotkey,
        call,
        'subtensorModule.setWeights',
        rateLimit,
      );
      return { mode: 'set', inclusion };
    }
    return this.#commitWeights({
      netuid,
      hotkey,
      uids,
      weights,
      versionKey,
      hyperparameters,
      rateLimit,
    });
  }

  async #commitWeights(options: {
    netuid: number;
    hotkey: Signer;
    uids: readonly number[];
    weights: readonly number[];
    versionKey: bigint;
    hyperparameters: Hyperparameters;
    rateLimit: RateLimitContext;
  }): Promise<SetWeightsResult> {
    const { netuid, hotkey, uids, weights, versionKey, hyperparameters } = options;
    const salt = generateSalt();
    const hash = commitHash({ hotkey: hotkey.publicKey, netuid, uids, weights, salt, versionKey });
    const pending: PendingReveal = {
      netuid,
      hotkey: hotkey.address,
      commitHash: hash,
      uids: [...uids],
      weights: [...weights],
      salt,
      versionKey,
      createdAt: new Date().toISOString(),
    };
    // The salt must be on disk before the commit can exist on chain: without it the commit can
    // never be revealed.
    await this.#revealStore.save(pending);
    const call = buildCall(this.api, 'subtensorModule.commitWeights', { netuid, commitHash: hash });
    let inclusion: InclusionResult;
    try {
      inclusion = await this.#submitter.submit(
        hotkey,
        call,
        'subtensorModule.commitWeights',
        options.rateLimit,
      );
    } catch (error) {
      // Only a definite refusal proves there is no commit; after a timeout or a lost connection
      // the commit may exist, and its salt is kept so that revealDue can settle it.
      if (error instanceof DispatchError || error instanceof TransactionRejectedError) {
        await this.#revealStore.remove(hash);
      }
      throw error;
    }
    const recorded = await this.#chainRevealWindow(
      netuid,
      hotkey.address,
      hash,
      inclusion.blockHash,
    );
    const window: BlockWindow = recorded
      ? { firstBlock: recorded.firstBlock, lastBlock: recorded.lastBlock }
      : revealWindow(
          inclusion.blockNumber,
          netuid,
          hyperparameters.tempo,
          hyperparameters.revealPeriodEpochs,
        );
    await this.#revealStore.save({
      ...pending,
      commitBlock: inclusion.blockNumber,
      firstRevealBlock: window.firstBlock,
      lastRevealBlock: window.lastBlock,
    });
    return { mode: 'commit', inclusion, commitHash: hash, revealWindow: window };
  }

  /** The reveal window the chain recorded for a commit, or undefined when it has no such commit. */
  async #chainRevealWindow(
    netuid: number,
    hotkey: string,
    hash: string,
    blockHash?: string,
  ): Promise<(BlockWindow & { commitBlock: number }) | undefined> {
    const entry = storageEntry(this.api, 'subtensorModule.weightCommits');
    const value = (
      blockHash
        ? (
            (await this.api.rpc.state.queryStorageAt(
              [[entry.creator, [netuid, hotkey]]] as never,
              blockHash,
            )) as unknown as Codec[]
          )[0]!
        : await entry(netuid, hotkey)
    ).toPrimitive() as [string, number, number, number][] | null;
    const match = value?.find(([commit]) => commit.toLowerCase() === hash.toLowerCase());
    if (!match) return undefined;
    return {
      commitBlock: Number(match[1]),
      firstBlock: Number(match[2]),
      lastBlock: Number(match[3]),
    };
  }

  /**
   * Reveals the pending commits of `hotkey` whose window has come (the next block falls in it),
   * drops those whose window has passed or that the chain does not hold, and leaves the rest.
   * Call it every block or on a timer.
   * @throws {DispatchError} when a reveal fails for another reason (the reveal stays pending)
   */
  revealDue(hotkey: Signer): Promise<RevealOutcome[]> {
    return this.#exclusiveWeights(() => this.#revealDue(hotkey));
  }

  async #revealDue(hotkey: Signer): Promise<RevealOutcome[]> {
    const outcomes: RevealOutcome[] = [];
    const pending = (await this.#revealStore.list()).filter(
      (reveal) => reveal.hotkey === hotkey.address,
    );
    for (const stored of pending) {
      let reveal = stored;
      if (reveal.firstRevealBlock === undefined || reveal.lastRevealBlock === undefined) {
        const onChain = await this.#chainRevealWindow(
          reveal.netuid,
          reveal.hotkey,
          reveal.commitHash,
        );
        if (!onChain) {
          await this.#revealStore.remove(reveal.commitHash);
          outcomes.push({
            commitHash: reveal.commitHash,
            netuid: reveal.netuid,
            status: 'missing',
          });
          continue;
        }
        reveal = {
          ...reveal,
          commitBlock: onChain.commitBlock,
          firstRevealBlock: onChain.firstBlock,
          lastRevealBlock: onChain.lastBlock,
        };
        await this.#revealStore.save(reveal);
      }
      const window = { firstBlock: reveal.firstRevealBlock!, lastBlock: reveal.lastRevealBlock! };
      // The reveal lands in the next block at the earliest: judge the window by that block.
      const nextBlock = (await this.blockNumber()) + 1;
      if (nextBlock < window.firstBlock) {
        outcomes.push({
          commitHash: reveal.commitHash,
          netuid: reveal.netuid,
          status: 'waiting',
          revealWindow: window,
        });
        continue;
      }
      if (nextBlock > window.lastBlock) {
        await this.#revealStore.remove(reveal.commitHash);
        outcomes.push({
          commitHash: reveal.commitHash,
          netuid: reveal.netuid,
          status: 'expired',
          revealWindow: window,
        });
        continue;
      }
      const call = buildCall(this.api, 'subtensorModule.revealWeights', {
        netuid: reveal.netuid,
        uids: reveal.uids,
        values: reveal.weights,
        salt: reveal.salt,
        versionKey: reveal.versionKey,
      });
      try {
        const inclusion = await this.#submitter.submit(
          hotkey,
          call,
          'subtensorModule.revealWeights',
        );
        await this.#revealStore.remove(reveal.commitHash);
        outcomes.push({
          commitHash: reveal.commitHash,
          netuid: reveal.netuid,
          status: 'revealed',
          revealWindow: window,
          inclusion,
        });
      } catch (error) {
        if (
          error instanceof DispatchError &&
          (error.error === 'subtensorModule.ExpiredWeightCommit' ||
            error.error === 'subtensorModule.NoWeightsCommitFound')
        ) {
          await this.#revealStore.remove(reveal.commitHash);
          outcomes.push({
            commitHash: reveal.commitHash,
            netuid: reveal.netuid,
            status: error.error === 'subtensorModule.ExpiredWeightCommit' ? 'expired' : 'missing',
            revealWindow: window,
          });
          continue;
        }
        throw error;
      }
    }
    return outcomes;
  }

  /** Every reveal waiting in the store, of all hotkeys. */
  pendingReveals(): Promise<PendingReveal[]> {
    return this.#revealStore.list();
  }

  /**
   * Signs and submits any call (see {@link Submitter}): explicit nonce, one in flight per signer,
   * awaited to inclusion, failures as typed errors.
   */
  submit(
    call: SubmittableExtrinsic<'promise'>,
    signer: Signer,
    label?: string,
  ): Promise<InclusionResult> {
    return this.#submitter.submit(
      signer,
      call,
      label ?? `${call.method.section}.${call.method.method}`,
    );
  }

  /**
   * Submits `sudo(call)` signed by the sudo key; a refused inner call throws a
   * {@link DispatchError} with `viaSudo` (the extrinsic itself succeeds either way).
   */
  sudo(call: SubmittableExtrinsic<'promise'>, sudoKey: Signer): Promise<InclusionResult> {
    const label = `sudo(${call.method.section}.${call.method.method})`;
    return this.#submitter.submit(sudoKey, buildCall(this.api, 'sudo.sudo', { call }), label);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  #exclusiveWeights<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#weightsQueue.then(operation, operation);
    this.#weightsQueue = result.catch(() => undefined);
    return result;
  }
}

function cachedPerBlock<T>(
  cache: Map<number, { blockHash: string; value: Promise<T> }>,
  netuid: number,
  blockHash: string,
  read: () => Promise<T>,
): Promise<T> {
  const cached = cache.get(netuid);
  if (cached && cached.blockHash === blockHash) return cached.value;
  const value = read();
  cache.set(netuid, { blockHash, value });
  // A failed read is not cached.
  value.catch(() => {
    if (cache.get(netuid)?.value === value) cache.delete(netuid);
  });
  return value;
}

function predictedRateLimit(
  call: string,
  name: string,
  allowedAtBlock: number,
  currentBlock: number,
): RateLimitedError {
  return new RateLimitedError(
    { name, section: 'subtensorModule', docs: '', viaSudo: false, call },
    { allowedAtBlock, currentBlock, predicted: true },
  );
}

function checkNetuid(netuid: number): void {
  checkInteger(netuid, 'netuid', 0, U16_MAX);
}

function checkInteger(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      'INVALID_ARGUMENT',
      `${field} must be an integer in ${min}..${max}, got ${value}`,
      {
        details: { field },
      },
    );
  }
}
