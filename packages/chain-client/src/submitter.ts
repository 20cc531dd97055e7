import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { EventRecord, ExtrinsicStatus } from '@polkadot/types/interfaces';
import type { Connection } from './connection.js';
import {
  findDispatchFailure,
  isRateLimitError,
  parsePoolRejection,
  type RateLimitContext,
  typedFailure,
} from './dispatch.js';
import {
  ChainError,
  ConnectionError,
  RateLimitedError,
  TransactionRejectedError,
} from './errors.js';
import type { Signer } from './keys.js';
import { storageEntry } from './metadata.js';

/** An extrinsic included in a block, and what it did there. */
export interface InclusionResult {
  /** 0x hash of the signed extrinsic. */
  readonly txHash: string;
  readonly blockHash: string;
  readonly blockNumber: number;
  /** Position of the extrinsic in its block. */
  readonly extrinsicIndex: number;
  /** The signer's nonce the extrinsic used. */
  readonly nonce: number;
  /** The events the extrinsic emitted. */
  readonly events: readonly EventRecord[];
  /**
   * How often the same signed bytes were sent: 1, or more when the socket dropped before the node
   * had them (never re-signed, so they cannot be included twice).
   */
  readonly submissions: number;
}

interface Pending {
  readonly signer: Signer;
  readonly nonce: number;
  readonly txHash: string;
  /** The best block before the first submission: inclusion can only come after it. */
  readonly startBlock: number;
  readonly label: string;
}

type Located =
  | { state: 'included'; blockHash: string }
  | { state: 'pending' }
  | { state: 'absent' };
type Watched = { state: 'included'; blockHash: string } | { state: 'disconnected' };

// @polkadot/api signs with a mortal era of a few dozen blocks (5 minutes of blocks, rounded up to
// a power of two) born at or before the submission: the extrinsic cannot be included later than
// that, which bounds the blocks searched for it after a drop. This bound is a safe multiple.
const MORTAL_PERIOD_BLOCKS = 256;
const POLL_MS = 200;
const ABSENT_GRACE_MS = 1_500;

/**
 * Signs and submits extrinsics, one in flight per signer, each with an explicit nonce read from
 * the chain, and waits until a block includes it. After a dropped socket it finds out from the
 * chain what became of the extrinsic (nonce advanced, extrinsic in a block, still in the pool)
 * before sending the same signed bytes again.
 */
export class Submitter {
  readonly #connection: Connection;
  readonly #inclusionTimeoutMs: number;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(connection: Connection, options: { inclusionTimeoutMs?: number } = {}) {
    this.#connection = connection;
    this.#inclusionTimeoutMs = options.inclusionTimeoutMs ?? 120_000;
  }

  /**
   * Signs `call` with the signer's next nonce, submits it and waits for its block.
   * @param label names the call in errors, e.g. `subtensorModule.setWeights`
   * @param rateLimit tells, for a runtime rate-limit error, when the call passes again
   * @throws {DispatchError} (or {@link RateLimitedError}) when the runtime refused it in a block
   * @throws {TransactionRejectedError} when the pool refused it (bad nonce, bad proof, ...)
   * @throws {ConnectionError} when the node stayed away or no block came in time
   * @throws {ChainError} NONCE_TAKEN when another extrinsic of the signer used its nonce
   */
  submit(
    signer: Signer,
    call: SubmittableExtrinsic<'promise'>,
    label: string,
    rateLimit?: RateLimitContext,
  ): Promise<InclusionResult> {
    const previous = this.#queues.get(signer.address) ?? Promise.resolve();
    const run = previous.then(
      () => this.#submitNow(signer, call, label, rateLimit),
      () => this.#submitNow(signer, call, label, rateLimit),
    );
    const settled = run.catch(() => undefined);
    this.#queues.set(signer.address, settled);
    void settled.then(() => {
      if (this.#queues.get(signer.address) === settled) this.#queues.delete(signer.address);
    });
    return run;
  }

  async #submitNow(
    signer: Signer,
    call: SubmittableExtrinsic<'promise'>,
    label: string,
    rateLimit?: RateLimitContext,
  ): Promise<InclusionResult> {
    const api = this.#connection.api;
    const deadline = Date.now() + this.#inclusionTimeoutMs;
    const connection = this.#connection;
    const startBlock = (await connection.read(() => api.rpc.chain.getHeader())).number.toNumber();
    const nonce = (
      await connection.read(() => api.rpc.system.accountNextIndex(signer.address))
    ).toNumber();
    const signed = await connection.read(() => call.signAsync(signer.pair, { nonce }));
    const pending: Pending = { signer, nonce, txHash: signed.hash.toHex(), startBlock, label };

    let submissions = 0;
    let located: Located = { state: 'absent' };
    for (;;) {
      if (located.state === 'absent') {
        submissions++;
        let watched: Watched;
        try {
          watched = await this.#sendAndWatch(signed, pending, deadline);
        } catch (error) {
          // The pool refuses a resend whose first copy made it in meanwhile (stale nonce).
          if (!(error instanceof TransactionRejectedError) || submissions === 1) throw error;
          located = await connection.read(() => this.#locate(pending));
          if (located.state !== 'included') throw error;
          watched = located;
        }
        if (watched.state === 'included') {
          const blockHash = watched.blockHash;
          return connection.read(() => this.#result(pending, blockHash, submissions, rateLimit));
        }
      } else if (located.state === 'pending') {
        await sleep(POLL_MS);
      } else {
        const blockHash = located.blockHash;
        return connection.read(() => this.#result(pending, blockHash, submissions, rateLimit));
      }
      if (Date.now() > deadline) {
        throw new ConnectionError(
          'TIMEOUT',
          `${label} was not included within ${this.#inclusionTimeoutMs} ms`,
          {
            details: { call: label, signer: signer.address, nonce, txHash: pending.txHash },
          },
        );
      }
      located = await connection.read(() => this.#locate(pending));
      if (located.state === 'absent') {
        // Between leaving the pool and its block's import an extrinsic is in neither (chopsticks
        // shows this gap while it builds a block): look once more before sending it again.
        await sleep(ABSENT_GRACE_MS);
        located = await connection.read(() => this.#locate(pending));
      }
    }
  }

  /**
   * Submits and follows the extrinsic until a block has it or the socket drops. Talks to the
   * provider directly: @polkadot/api memoises subscriptions by their parameters, and would answer
   * a resubmission of the same bytes with the subscription that died with the old socket.
   */
  #sendAndWatch(
    signed: SubmittableExtrinsic<'promise'>,
    pending: Pending,
    deadline: number,
  ): Promise<Watched> {
    const { api, provider } = this.#connection;
    return new Promise<Watched>((resolve, reject) => {
      let done = false;
      let subscriptionId: string | number | undefined;
      const finish = (outcome: Watched | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        stopListening();
        if (subscriptionId !== undefined && this.#connection.isConnected) {
          // The node may have ended the subscription itself; a failed unwatch changes nothing.
          provider
            .unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', subscriptionId)
            .catch(() => undefined);
        }
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const stopListening = this.#connection.onDisconnect(() => finish({ state: 'disconnected' }));
      const timer = setTimeout(
        () =>
          finish(
            new ConnectionError('TIMEOUT', `${pending.label} was not included in time`, {
              details: { call: pending.label, txHash: pending.txHash, nonce: pending.nonce },
            }),
          ),
        Math.max(0, deadline - Date.now()),
      );
      if (!this.#connection.isConnected) {
        finish({ state: 'disconnected' });
        return;
      }
      const onStatus = (error: Error | null, raw: unknown) => {
        if (error) {
          finish(rejected(pending, error.message));
          return;
        }
        let status: ExtrinsicStatus;
        try {
          status = api.createType('ExtrinsicStatus', raw);
        } catch {
          // chopsticks reports an extrinsic that failed to apply with the validity error itself.
          finish(rejected(pending, JSON.stringify(raw)));
          return;
        }
        if (status.isInBlock) finish({ state: 'included', blockHash: status.asInBlock.toHex() });
        else if (status.isFinalized)
          finish({ state: 'included', blockHash: status.asFinalized.toHex() });
        else if (status.isInvalid || status.isDropped || status.isUsurped) {
          finish(
            rejected(pending, `${status.type.toLowerCase()} by the pool (${JSON.stringify(raw)})`),
          );
        }
      };
      provider
        .subscribe(
          'author_extrinsicUpdate',
          'author_submitAndWatchExtrinsic',
          [signed.toHex()],
          onStatus,
        )
        .then(
          (id) => {
            subscriptionId = id;
            if (done && this.#connection.isConnected) {
              provider
                .unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', id)
                .catch(() => undefined);
            }
          },
          (error: unknown) => {
            if (!this.#connection.isConnected) {
              finish({ state: 'disconnected' });
              return;
            }
            const rpc = error as { code?: number; message?: string };
            finish(rejected(pending, rpc.message ?? String(error), rpc.code));
          },
        );
    });
  }

  /** Where the extrinsic is now: in a block, in the pool, or nowhere. */
  async #locate(pending: Pending): Promise<Located> {
    const api = this.#connection.api;
    const account = (await storageEntry(
      api,
      'system.account',
    )(pending.signer.address)) as unknown as {
      nonce: { toNumber(): number };
    };
    if (account.nonce.toNumber() > pending.nonce) {
      const blockHash = await this.#findInBlocks(pending);
      if (blockHash) return { state: 'included', blockHash };
      throw new ChainError(
        'NONCE_TAKEN',
        `nonce ${pending.nonce} of ${pending.signer.address} was used by another extrinsic; ${pending.label} was not included`,
        { details: { call: pending.label, signer: pending.signer.address, nonce: pending.nonce } },
      );
    }
    const pool = await api.rpc.author.pendingExtrinsics();
    if (pool.some((extrinsic) => extrinsic.hash.toHex() === pending.txHash))
      return { state: 'pending' };
    return { state: 'absent' };
  }

  async #findInBlocks(pending: Pending): Promise<string | undefined> {
    const api = this.#connection.api;
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    const last = Math.min(head, pending.startBlock + MORTAL_PERIOD_BLOCKS + 1);
    for (let number = pending.startBlock + 1; number <= last; number++) {
      const hash = await api.rpc.chain.getBlockHash(number);
      const block = await api.rpc.chain.getBlock(hash);
      if (block.block.extrinsics.some((extrinsic) => extrinsic.hash.toHex() === pending.txHash)) {
        return hash.toHex();
      }
    }
    return undefined;
  }

  async #result(
    pending: Pending,
    blockHash: string,
    submissions: number,
    rateLimit?: RateLimitContext,
  ): Promise<InclusionResult> {
    const api = this.#connection.api;
    const signedBlock = await api.rpc.chain.getBlock(blockHash);
    const extrinsicIndex = signedBlock.block.extrinsics.findIndex(
      (extrinsic) => extrinsic.hash.toHex() === pending.txHash,
    );
    if (extrinsicIndex < 0) {
      throw new ChainError('NOT_FOUND', `${pending.label} is not in block ${blockHash}`, {
        details: { call: pending.label, txHash: pending.txHash, blockHash },
      });
    }
    const [records] = (await api.rpc.state.queryStorageAt(
      [[storageEntry(api, 'system.events').creator, []]] as never,
      blockHash,
    )) as unknown as [EventRecord[]];
    const events = records.filter(
      ({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === extrinsicIndex,
    );
    const blockNumber = signedBlock.block.header.number.toNumber();
    const failure = findDispatchFailure(api, events, pending.label, blockHash);
    if (failure) throw await typedFailure(failure, pending.label, blockNumber, rateLimit);
    return {
      txHash: pending.txHash,
      blockHash,
      blockNumber,
      extrinsicIndex,
      nonce: pending.nonce,
      events,
      submissions,
    };
  }
}

/** The typed error for a pool refusal: a RateLimitedError for Subtensor's rate-limit codes. */
function rejected(pending: Pending, message: string, rpcCode?: number): Error {
  const rejection = parsePoolRejection(message);
  if (rejection.error && isRateLimitError(rejection.error)) {
    const [section, name] = rejection.error.split('.') as [string, string];
    return new RateLimitedError(
      {
        name,
        section,
        docs: 'refused by the transaction pool',
        viaSudo: false,
        call: pending.label,
      },
      { allowedAtBlock: undefined, currentBlock: pending.startBlock, predicted: false },
    );
  }
  return new TransactionRejectedError(
    'TX_REJECTED',
    `${pending.label} was refused by the pool: ${rejection.error ?? rejection.reason} (${message})`,
    {
      details: {
        call: pending.label,
        signer: pending.signer.address,
        nonce: pending.nonce,
        rpcCode,
        reason: rejection.reason,
        error: rejection.error,
      },
    },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
