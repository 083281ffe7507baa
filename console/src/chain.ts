// The connection to a DINFRA node: reconnects on its own and says so.

import { ApiPromise, WsProvider } from '@polkadot/api';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface Chain {
  api: ApiPromise;
  /** Whether the node runs a development chain (dev accounts may sign there). */
  isDev: boolean;
  /**
   * `MinRunway` in force (the pallet's storage value, which Root may change: kept current by a
   * subscription), `LowFundsWarning` and what a subscription deposits.
   */
  minRunway: number;
  lowFundsWarning: number;
  subscriptionDeposit: bigint;
}

/** Connects to `url`; `onState` hears every connection change, reconnections included. */
export async function connect(
  url: string,
  onState: (state: ConnectionState) => void,
): Promise<Chain> {
  onState('connecting');
  const provider = new WsProvider(url, 2_000);
  provider.on('connected', () => onState('connected'));
  provider.on('disconnected', () => onState('disconnected'));
  provider.on('error', () => onState('disconnected'));
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  const chainType = await api.rpc.system.chainType();
  const constants = api.consts.dinfraSubscription;
  const chain: Chain = {
    api,
    // Only a development chain: a local testnet is shared by its operators, even if they use
    // the well-known keys.
    isDev: chainType.isDevelopment,
    minRunway: Number((await api.query.dinfraSubscription.minRunway()).toString()),
    lowFundsWarning: Number(constants.lowFundsWarning.toString()),
    subscriptionDeposit: BigInt(constants.subscriptionDeposit.toString()),
  };
  await api.query.dinfraSubscription.minRunway((blocks: { toString(): string }) => {
    chain.minRunway = Number(blocks.toString());
  });
  return chain;
}
