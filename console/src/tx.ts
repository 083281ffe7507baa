// Sending a transaction: its progress (signed, in block, finalized) and its dispatch error in
// the pallet's own documented words.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Signer } from '@polkadot/types/types';
import type { KeyringPair } from '@polkadot/keyring/types';

export type Progress = 'signing' | 'signed' | 'in block' | 'finalized';

/** Who signs: a dev key, or an extension account with its signer. */
export type Account =
  | { kind: 'dev'; name: string; address: string; pair: KeyringPair }
  | { kind: 'extension'; name: string; address: string; signer: Signer };

/** A failed transaction, with the pallet's documented message. */
export class DispatchFailure extends Error {}

/** The pallet's message for a dispatch error. */
export function explain(api: ApiPromise, error: unknown): string {
  const dispatch = error as {
    isModule?: boolean;
    asModule?: unknown;
    toString(): string;
  };
  if (dispatch?.isModule) {
    const meta = api.registry.findMetaError(dispatch.asModule as never);
    const docs = meta.docs.join(' ').trim();
    return `${meta.section}.${meta.name}${docs ? `: ${docs}` : ''}`;
  }
  return String(dispatch);
}

/** Signs and sends `tx` as `account`; resolves once finalized, with the block hash. */
export function send(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  account: Account,
  onProgress: (progress: Progress) => void,
): Promise<{ blockHash: string; events: { section: string; method: string; data: unknown[] }[] }> {
  onProgress('signing');
  return new Promise((resolve, reject) => {
    const signerOrPair = account.kind === 'dev' ? account.pair : account.address;
    const options = account.kind === 'extension' ? { signer: account.signer } : {};
    let signed = false;
    tx.signAndSend(signerOrPair as never, options, (result) => {
      if (!signed) {
        signed = true;
        onProgress('signed');
      }
      if (result.status.isInBlock) {
        onProgress('in block');
      }
      if (result.dispatchError) {
        reject(new DispatchFailure(explain(api, result.dispatchError)));
        return;
      }
      if (result.status.isFinalized) {
        onProgress('finalized');
        resolve({
          blockHash: result.status.asFinalized.toHex(),
          events: result.events.map(({ event }) => ({
            section: event.section,
            method: event.method,
            data: event.data.toJSON() as unknown[],
          })),
        });
      }
      if (result.isError) {
        reject(new DispatchFailure(`the transaction was dropped: ${result.status.type}`));
      }
    }).catch((e: unknown) => reject(new DispatchFailure(e instanceof Error ? e.message : String(e))));
  });
}
