// Sending a transaction: its progress (signed, in block, finalized) and its dispatch error in
// the pallet's own documented words.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Signer } from '@polkadot/types/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { dispatchError, palletError, rpcError } from './errors';

export type Progress = 'signing' | 'signed' | 'in block' | 'finalized';

/** Who signs: a dev key, or an extension account with its signer. */
export type Account =
  | { kind: 'dev'; name: string; address: string; pair: KeyringPair }
  | { kind: 'extension'; name: string; address: string; signer: Signer };

/**
 * A failed transaction: its message in plain words (the pallet's documentation of the error),
 * and the error's name (`pallet.Error`) for whoever needs to look it up.
 */
export class DispatchFailure extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** A dispatch error as a `DispatchFailure` in plain words: a pallet's in its documented words. */
export function explain(api: ApiPromise, error: unknown): DispatchFailure {
  const dispatch = error as {
    isModule?: boolean;
    asModule?: unknown;
    type?: string;
    value?: { type?: string };
  };
  if (dispatch?.isModule) {
    const meta = api.registry.findMetaError(dispatch.asModule as never);
    return new DispatchFailure(palletError(meta.name, meta.docs.join(' ')), `${meta.section}.${meta.name}`);
  }
  // The other kinds of dispatch error are enums, some with an enum inside (Token, Arithmetic).
  const kind = typeof dispatch?.type === 'string' ? dispatch.type : 'Other';
  const variant = typeof dispatch?.value?.type === 'string' ? dispatch.value.type : undefined;
  return new DispatchFailure(dispatchError(kind, variant), `${kind}${variant ? `.${variant}` : ''}`);
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
        reject(explain(api, result.dispatchError));
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
        reject(new DispatchFailure(`The node dropped the transaction (${result.status.type}); nothing was done. Send it again.`));
      }
    }).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      // The very same signed transaction is in the pool already (the connection was re-made and
      // the submission sent again): it is not a failure. Follow it into a finalized block.
      if (message.includes('1013')) {
        onProgress('signed');
        finalizedInclusion(api, tx.hash.toHex()).then((found) => {
          if (found.error) {
            reject(explain(api, found.error));
            return;
          }
          onProgress('finalized');
          resolve({ blockHash: found.blockHash, events: found.events });
        }, reject);
        return;
      }
      reject(new DispatchFailure(rpcError(message)));
    });
  });
}

type Included = {
  blockHash: string;
  events: { section: string; method: string; data: unknown[] }[];
  error?: unknown;
};

/**
 * Waits for the finalized block that includes the extrinsic `hash`, at most 100 finalized
 * blocks (longer than a transaction's default era of 64 blocks), and returns its events and
 * its dispatch error, if it failed.
 */
function finalizedInclusion(api: ApiPromise, hash: string): Promise<Included> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let finished = false;
    let unsubscribe: (() => void) | null = null;
    const done = (f: () => void) => {
      finished = true;
      unsubscribe?.();
      f();
    };
    api.rpc.chain
      .subscribeFinalizedHeads(async (header) => {
        if (finished) return;
        seen += 1;
        const blockHash = header.hash.toHex();
        const block = await api.rpc.chain.getBlock(blockHash);
        const index = block.block.extrinsics.findIndex((x) => x.hash.toHex() === hash);
        if (index < 0) {
          if (seen > 100) done(() => reject(new DispatchFailure('The transaction was not included in the last 100 blocks; nothing was done.')));
          return;
        }
        const records = (await (await api.at(blockHash)).query.system.events()) as unknown as {
          phase: { isApplyExtrinsic: boolean; asApplyExtrinsic: { toNumber(): number } };
          event: { section: string; method: string; data: { toJSON(): unknown } & unknown[] };
        }[];
        const ours = records.filter((r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.toNumber() === index);
        const failed = ours.find((r) => r.event.section === 'system' && r.event.method === 'ExtrinsicFailed');
        done(() =>
          resolve({
            blockHash,
            events: ours.map(({ event }) => ({
              section: event.section,
              method: event.method,
              data: event.data.toJSON() as unknown[],
            })),
            error: failed ? (failed.event.data as unknown[])[0] : undefined,
          }),
        );
      })
      .then((u) => {
        unsubscribe = u;
        if (finished) u();
      }, reject);
  });
}
