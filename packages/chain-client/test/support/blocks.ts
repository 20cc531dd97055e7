import type { ApiPromise } from '@polkadot/api';

/** Extrinsics signed by `signer` in blocks `fromBlock..toBlock`, as `section.method` names. */
export async function signedCalls(
  api: ApiPromise,
  signer: string,
  fromBlock: number,
  toBlock: number,
): Promise<string[]> {
  const calls: string[] = [];
  for (let number = fromBlock; number <= toBlock; number++) {
    const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(number));
    for (const extrinsic of block.block.extrinsics) {
      if (extrinsic.isSigned && extrinsic.signer.toString() === signer) {
        calls.push(`${extrinsic.method.section}.${extrinsic.method.method}`);
      }
    }
  }
  return calls;
}

/** The account nonce of `address` at the best block. */
export async function accountNonce(api: ApiPromise, address: string): Promise<number> {
  const account = (await api.query.system!.account!(address)) as unknown as {
    nonce: { toNumber(): number };
  };
  return account.nonce.toNumber();
}
