// Why something failed, in plain words: the page shows these next to the control that failed,
// never a raw dispatch error or an RPC code.

/** A dispatch error of a pallet: its documentation is its plain-words message. */
export function palletError(name: string, docs: string): string {
  const text = docs.trim();
  if (text) return sentence(text);
  // An error without documentation: its name in words ("OfferingClosed" -> "offering closed").
  return sentence(words(name));
}

/** A name in words: "FundsUnavailable" -> "funds unavailable". */
export function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * A dispatch error that is not a pallet's, by its kind (`BadOrigin`, `Token`, `Arithmetic`, …)
 * and, where it has one, the kind's own variant (`FundsUnavailable`, `Overflow`, …).
 */
export function dispatchError(kind: string, variant?: string): string {
  switch (kind) {
    case 'BadOrigin':
      return 'This account may not do this.';
    case 'Token':
      if (variant === 'FundsUnavailable') return 'This account does not have the DINF this needs.';
      if (variant === 'BelowMinimum') return 'This would leave the account below the minimum balance it must keep.';
      if (variant === 'Frozen' || variant === 'Blocked') return 'This account\'s DINF are frozen or blocked.';
      return sentence(`The DINF could not be moved: ${words(variant ?? 'refused')}`);
    case 'Arithmetic':
      return 'An amount is too large or too small for the chain: use another amount.';
    case 'ConsumerRemaining':
    case 'NoProviders':
    case 'TooManyConsumers':
      return 'This account has too little DINF for this.';
    case 'Exhausted':
      return 'The chain has no room for this right now; send it again in a moment.';
    case 'Corruption':
    case 'Unavailable':
      return 'The chain could not do this now; send it again in a moment.';
    default:
      return sentence(`The chain refused the transaction: ${words(kind)}${variant ? `, ${words(variant)}` : ''}`);
  }
}

/** A sentence: a capital first letter and a full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * What a node's refusal of a transaction means (the transaction pool's RPC errors and the
 * runtime's transaction validity errors), or the message itself, made a sentence, when it is
 * not one of them.
 */
export function rpcError(message: string): string {
  const known: [RegExp, string][] = [
    [/Inability to pay some fees|balance too low/i, 'This account cannot pay the transaction fee: it needs more DINF.'],
    [/Priority is too low|1014/, 'A transaction from this account is already waiting to be included; try again once it is.'],
    [/Transaction is outdated|Stale/i, 'The transaction was overtaken by another from this account; send it again.'],
    [/Transaction has a bad signature|BadProof/i, 'The signature was refused: the wallet signed for another chain or account.'],
    [/Transaction would exhaust the block limits|ExhaustsResources/i, 'The chain is full right now; send it again in a moment.'],
    [/Cancelled|Rejected by user|User rejected/i, 'The wallet did not sign: nothing was sent.'],
    [/disconnected|WebSocket is not connected|No response received/i, 'The connection to the node was lost; nothing is known to have been sent. Try again once connected.'],
  ];
  for (const [pattern, words] of known) {
    if (pattern.test(message)) return words;
  }
  return sentence(message.replace(/^\d{4}:\s*/, ''));
}
