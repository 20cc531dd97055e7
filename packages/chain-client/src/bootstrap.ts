import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';
import type { ChainClient } from './client.js';
import { ChainError, InvalidArgumentError } from './errors.js';
import type { Hyperparameters } from './hyperparameters.js';
import { type Signer, signerFromUri } from './keys.js';
import { buildCall, storageEntry } from './metadata.js';

/** Options of {@link bootstrapLocalSubnet}. Keys are key URIs (development keys such as //Alice). */
export interface BootstrapOptions {
  /** Coldkey that owns the subnet; also the sudo key unless `sudo` is given. Default //Alice. */
  readonly owner?: string;
  /** Hotkey of the subnet owner (uid 0). Default: the owner key itself. */
  readonly ownerHotkey?: string;
  /** The chain's sudo key. Default: `owner`. */
  readonly sudo?: string;
  /** Hotkeys to register on the subnet, in uid order for a new subnet. */
  readonly hotkeys: readonly string[];
  /** Coldkey that pays and owns the registrations. Default: `owner`. */
  readonly coldkey?: string;
  /** Use this existing subnet (owned by `owner`) instead of finding or creating one. */
  readonly netuid?: number;
  /** Blocks per epoch less one; default 10. */
  readonly tempo?: number;
  /** Whether weights go through commit-reveal; default false. */
  readonly commitReveal?: boolean;
  /** Epochs between commit and reveal; default 1. */
  readonly revealPeriodEpochs?: number;
  /** Blocks between weight settings of one neuron; default 0 (a local network sets often). */
  readonly weightsRateLimit?: number;
  /** Blocks between two `serveAxon` of one hotkey; default 0. */
  readonly servingRateLimit?: number;
  /** Version key weights must carry at least; default 0 (any). */
  readonly weightsVersionKey?: bigint;
  /** Neuron slots; default: the runtime's (256). */
  readonly maxAllowedUids?: number;
  /** Free balance given to the coldkey and every hotkey below it, in rao; default 1e12 (1000 TAO). */
  readonly fundRao?: bigint;
  /** Whether the hotkeys are funded too (they pay fees for their own calls); default true. */
  readonly fundHotkeys?: boolean;
  /**
   * Registrations the subnet accepts per block, and per adjustment interval (×3), at least;
   * default 64 (the runtime's defaults, 1 per interval, stop a local network at 3 neurons).
   */
  readonly registrationLimit?: number;
  /** Registrations per batched extrinsic; default 32. */
  readonly registrationBatchSize?: number;
}

/** What {@link bootstrapLocalSubnet} set up. */
export interface BootstrapResult {
  readonly netuid: number;
  /** Whether the subnet was created now (false: an existing one of the owner was reused). */
  readonly created: boolean;
  /** SS58 address of the owner hotkey. */
  readonly ownerHotkey: string;
  /** uid of every hotkey (SS58) given in `hotkeys`, and of the owner hotkey. */
  readonly uids: Readonly<Record<string, number>>;
  /** How many hotkeys were registered by this call. */
  readonly registered: number;
  readonly hyperparameters: Hyperparameters;
}

const DEFAULT_FUND_RAO = 10n ** 12n;
const U16_MAX = 65_535;

/**
 * Sets up a subnet on a local chain (chopsticks or a dev node) where `sudo` is the sudo key:
 * creates it with the owner's keys (or reuses the owner's existing one), funds the keys, sets the
 * hyperparameters a local network needs, and registers the given hotkeys. Idempotent: running it
 * again reuses the subnet, registers nobody twice and changes only what differs.
 * @throws {DispatchError} when the runtime refuses a step (e.g. `sudo.RequireSudo` when `sudo`
 *   is not the chain's sudo key)
 * @throws {InvalidArgumentError} on an option out of range
 */
export async function bootstrapLocalSubnet(
  client: ChainClient,
  options: BootstrapOptions,
): Promise<BootstrapResult> {
  const api = client.api;
  const owner = await signerFromUri(options.owner ?? '//Alice');
  const ownerHotkey = options.ownerHotkey ? await signerFromUri(options.ownerHotkey) : owner;
  const sudo = options.sudo ? await signerFromUri(options.sudo) : owner;
  const coldkey = options.coldkey ? await signerFromUri(options.coldkey) : owner;
  const hotkeys = await Promise.all(options.hotkeys.map((uri) => signerFromUri(uri)));
  const fundRao = options.fundRao ?? DEFAULT_FUND_RAO;
  const batchSize = options.registrationBatchSize ?? 32;
  checkRange('tempo', options.tempo ?? 10, 1, U16_MAX);
  checkRange('registrationBatchSize', batchSize, 1, 1024);
  if (options.registrationLimit !== undefined) {
    checkRange('registrationLimit', options.registrationLimit, 1, U16_MAX);
  }
  if (options.maxAllowedUids !== undefined)
    checkRange('maxAllowedUids', options.maxAllowedUids, 1, U16_MAX);

  const head = await client.head();
  let netuid =
    options.netuid ??
    (await findOwnedSubnet(client, owner.address, ownerHotkey.address, head.hash));
  let created = false;
  if (netuid === undefined) {
    const networkRateLimit = await readValue(
      client,
      'subtensorModule.networkRateLimit',
      [],
      head.hash,
    );
    if (Number(networkRateLimit) !== 0) {
      await client.sudo(
        buildCall(api, 'adminUtils.sudoSetNetworkRateLimit', { rateLimit: 0 }),
        sudo,
      );
    }
    const inclusion = await client.submit(
      buildCall(api, 'subtensorModule.registerNetwork', { hotkey: ownerHotkey.address, mechid: 1 }),
      owner,
      'subtensorModule.registerNetwork',
    );
    const added = inclusion.events.find(
      ({ event }) => event.section === 'subtensorModule' && event.method === 'NetworkAdded',
    );
    if (!added) {
      throw new ChainError('NOT_FOUND', 'registerNetwork succeeded without a NetworkAdded event', {
        details: { blockHash: inclusion.blockHash },
      });
    }
    netuid = Number(added.event.data[0]!.toPrimitive());
    created = true;
  } else {
    const subnetOwner = await readValue(client, 'subtensorModule.subnetOwner', [netuid], head.hash);
    if (subnetOwner !== owner.address) {
      throw new InvalidArgumentError(
        'INVALID_ARGUMENT',
        `subnet ${netuid} is not owned by ${owner.address}`,
        {
          details: { field: 'netuid', netuid },
        },
      );
    }
  }

  const toFund = options.fundHotkeys === false ? [coldkey] : [coldkey, ownerHotkey, ...hotkeys];
  await fund(client, sudo, toFund, fundRao);
  const toRegister = await unregistered(client, netuid, hotkeys);
  await setHyperparameters(client, sudo, netuid, options, toRegister.length);

  for (let start = 0; start < toRegister.length; start += batchSize) {
    const calls = toRegister
      .slice(start, start + batchSize)
      .map((hotkey) =>
        buildCall(api, 'subtensorModule.burnedRegister', { netuid, hotkey: hotkey.address }),
      );
    const call = calls.length === 1 ? calls[0]! : buildCall(api, 'utility.batchAll', { calls });
    await client.submit(call, coldkey, 'subtensorModule.burnedRegister');
  }

  const uids: Record<string, number> = {};
  for (const hotkey of [ownerHotkey, ...hotkeys]) {
    const uid = await client.uidOf(netuid, hotkey.address);
    if (uid === undefined) {
      throw new ChainError('NOT_FOUND', `${hotkey.address} is not registered on subnet ${netuid}`, {
        details: { netuid, hotkey: hotkey.address },
      });
    }
    uids[hotkey.address] = uid;
  }
  return {
    netuid,
    created,
    ownerHotkey: ownerHotkey.address,
    uids,
    registered: toRegister.length,
    hyperparameters: await client.hyperparameters(netuid),
  };
}

async function findOwnedSubnet(
  client: ChainClient,
  owner: string,
  ownerHotkey: string,
  blockHash: string,
): Promise<number | undefined> {
  const entries = await storageEntry(client.api, 'subtensorModule.networksAdded').entriesAt(
    blockHash,
  );
  const netuids = entries
    .filter(([, added]) => added.toPrimitive() === true)
    .map(([key]) => Number(key.args[0]!.toPrimitive()))
    .sort((a, b) => a - b);
  for (const netuid of netuids) {
    const [subnetOwner, subnetHotkey] = await Promise.all([
      readValue(client, 'subtensorModule.subnetOwner', [netuid], blockHash),
      readValue(client, 'subtensorModule.subnetOwnerHotkey', [netuid], blockHash),
    ]);
    if (subnetOwner === owner && subnetHotkey === ownerHotkey) return netuid;
  }
  return undefined;
}

async function fund(
  client: ChainClient,
  sudo: Signer,
  keys: readonly Signer[],
  fundRao: bigint,
): Promise<void> {
  const api = client.api;
  const unique = [...new Map(keys.map((key) => [key.address, key])).values()];
  const account = storageEntry(api, 'system.account');
  const calls: SubmittableExtrinsic<'promise'>[] = [];
  for (const key of unique) {
    const info = (await account(key.address)) as unknown as {
      data: { free: { toBigInt(): bigint } };
    };
    if (info.data.free.toBigInt() < fundRao) {
      calls.push(
        buildCall(api, 'balances.forceSetBalance', { who: key.address, newFree: fundRao }),
      );
    }
  }
  if (calls.length > 0) {
    await client.sudo(
      calls.length === 1 ? calls[0]! : buildCall(api, 'utility.batchAll', { calls }),
      sudo,
    );
  }
}

async function unregistered(
  client: ChainClient,
  netuid: number,
  hotkeys: readonly Signer[],
): Promise<Signer[]> {
  const missing: Signer[] = [];
  const seen = new Set<string>();
  for (const hotkey of hotkeys) {
    if (seen.has(hotkey.address)) continue;
    seen.add(hotkey.address);
    if ((await client.uidOf(netuid, hotkey.address)) === undefined) missing.push(hotkey);
  }
  return missing;
}

async function setHyperparameters(
  client: ChainClient,
  sudo: Signer,
  netuid: number,
  options: BootstrapOptions,
  registrations: number,
): Promise<void> {
  const api = client.api;
  const current = await client.hyperparameters(netuid);
  const calls: SubmittableExtrinsic<'promise'>[] = [];
  const want = {
    tempo: options.tempo ?? 10,
    weightsRateLimit: options.weightsRateLimit ?? 0,
    commitRevealEnabled: options.commitReveal ?? false,
    revealPeriodEpochs: options.revealPeriodEpochs ?? 1,
    servingRateLimit: options.servingRateLimit ?? 0,
    weightsVersionKey: options.weightsVersionKey ?? 0n,
  };
  if (current.tempo !== want.tempo) {
    calls.push(buildCall(api, 'adminUtils.sudoSetTempo', { netuid, tempo: want.tempo }));
  }
  if (current.weightsRateLimit !== want.weightsRateLimit) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetWeightsSetRateLimit', {
        netuid,
        weightsSetRateLimit: want.weightsRateLimit,
      }),
    );
  }
  if (current.commitRevealEnabled !== want.commitRevealEnabled) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetCommitRevealWeightsEnabled', {
        netuid,
        enabled: want.commitRevealEnabled,
      }),
    );
  }
  if (current.revealPeriodEpochs !== want.revealPeriodEpochs) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetCommitRevealWeightsInterval', {
        netuid,
        interval: want.revealPeriodEpochs,
      }),
    );
  }
  if (current.servingRateLimit !== want.servingRateLimit) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetServingRateLimit', {
        netuid,
        servingRateLimit: want.servingRateLimit,
      }),
    );
  }
  if (current.weightsVersionKey !== want.weightsVersionKey) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetWeightsVersionKey', {
        netuid,
        weightsVersionKey: want.weightsVersionKey,
      }),
    );
  }
  if (options.maxAllowedUids !== undefined && current.maxAllowedUids !== options.maxAllowedUids) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetMaxAllowedUids', {
        netuid,
        maxAllowedUids: options.maxAllowedUids,
      }),
    );
  }
  // Registration limits high enough for this batch and for later registrations: per block, and
  // 3 × target per interval.
  const perBlock = Math.min(U16_MAX, Math.max(options.registrationLimit ?? 64, registrations + 1));
  if (current.maxRegistrationsPerBlock < perBlock) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetMaxRegistrationsPerBlock', {
        netuid,
        maxRegistrationsPerBlock: perBlock,
      }),
    );
  }
  if (current.targetRegistrationsPerInterval < perBlock) {
    calls.push(
      buildCall(api, 'adminUtils.sudoSetTargetRegistrationsPerInterval', {
        netuid,
        targetRegistrationsPerInterval: perBlock,
      }),
    );
  }
  if (calls.length > 0) {
    await client.sudo(
      calls.length === 1 ? calls[0]! : buildCall(api, 'utility.batchAll', { calls }),
      sudo,
    );
  }
}

async function readValue(
  client: ChainClient,
  name:
    | 'subtensorModule.networkRateLimit'
    | 'subtensorModule.subnetOwner'
    | 'subtensorModule.subnetOwnerHotkey',
  args: unknown[],
  blockHash: string,
): Promise<unknown> {
  const [value] = (await client.api.rpc.state.queryStorageAt(
    [[storageEntry(client.api, name).creator, args]] as never,
    blockHash,
  )) as unknown as Codec[];
  return value?.toPrimitive();
}

function checkRange(field: string, value: number, min: number, max: number): void {
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
