// The award target of a subscription, as the runtime's `AwardTarget` enum takes it.

export type Target =
  | { kind: 'any' }
  | { kind: 'provider'; provider: string }
  | { kind: 'preferred'; providers: string[] };

/** The runtime's `MaxPreferred`. */
export const MAX_PREFERRED = 8;

/** What polkadot.js encodes as `AwardTarget`; addresses are checked by `isAddress`. */
export function encodeTarget(
  target: Target,
  isAddress: (address: string) => boolean,
): 'Any' | { Provider: string } | { Preferred: string[] } {
  switch (target.kind) {
    case 'any':
      return 'Any';
    case 'provider': {
      const provider = target.provider.trim();
      if (!isAddress(provider)) {
        throw new Error(`"${provider}" is not an account address`);
      }
      return { Provider: provider };
    }
    case 'preferred': {
      const providers = [...new Set(target.providers.map((p) => p.trim()).filter((p) => p))];
      if (providers.length === 0) {
        throw new Error('name at least one preferred provider');
      }
      if (providers.length > MAX_PREFERRED) {
        throw new Error(`at most ${MAX_PREFERRED} preferred providers`);
      }
      const bad = providers.find((p) => !isAddress(p));
      if (bad !== undefined) {
        throw new Error(`"${bad}" is not an account address`);
      }
      return { Preferred: providers };
    }
  }
}
