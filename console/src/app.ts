// What the console's views share: the chain, the accounts, the relay chain's clock, providers'
// names, the activity list, sending a transaction with its failure shown where it belongs, and
// the confirmation asked before anything that ends something.

import type { Chain } from './chain';
import { $, h } from './dom';
import { rpcError } from './errors';
import { providerName } from './identity';
import { DispatchFailure, send, type Account, type Progress } from './tx';

export const app: {
  chain: Chain | null;
  /** Whether the connection to the node is up now (it drops and comes back by itself). */
  connected: boolean;
  accounts: Account[];
  /** The relay chain's block as of the best block, and when the page saw it. */
  relayNow: number;
  seenAt: Date;
  /** Providers' names from their metadata, by address; `null` for a provider without one. */
  names: Map<string, string | null>;
} = { chain: null, connected: false, accounts: [], relayNow: 0, seenAt: new Date(), names: new Map() };

/** The account chosen in the page's account picker. */
export function me(): string {
  return $<HTMLSelectElement>('account').value;
}

/** Adds a line to the activity list. */
export function log(message: string, kind: 'info' | 'error' = 'info'): void {
  const now = new Date();
  const time = h('time', { datetime: now.toISOString() }, now.toLocaleTimeString([], { hour12: false }));
  $('activity').prepend(h('li', { class: kind }, time, message));
}

/** Bytes as UTF-8 text (a codec's bare bytes). */
export function text(bytes: { toU8a(bare?: boolean): Uint8Array } | null | undefined): string {
  return bytes ? new TextDecoder().decode(bytes.toU8a(true)) : '';
}

/** The plain-words message of whatever was thrown. */
export function message(e: unknown): string {
  if (e instanceof DispatchFailure) return e.message;
  return rpcError(e instanceof Error ? e.message : String(e));
}

/**
 * Signs and sends what `build` makes as the chosen account, logging its progress as `what`. On
 * failure the reason, in plain words, goes to the activity list and to `errorSlot` (the element
 * next to the control that sent it), which is cleared when a new attempt starts. `trigger`, the
 * button that sent it, is disabled (and marked busy) until the transaction is finalized or
 * failed, so that a double click cannot send it twice; a call while it is busy sends nothing.
 * Resolves to whether it was finalized without error.
 */
export async function transact(
  what: string,
  build: () => unknown,
  errorSlot?: HTMLElement | null,
  trigger?: HTMLButtonElement | null,
): Promise<boolean> {
  if (trigger?.dataset.busy) return false;
  if (!trigger) return signAndReport(what, build, errorSlot);
  trigger.dataset.busy = 'true';
  trigger.disabled = true;
  trigger.setAttribute('aria-busy', 'true');
  try {
    return await signAndReport(what, build, errorSlot);
  } finally {
    delete trigger.dataset.busy;
    trigger.disabled = false;
    trigger.removeAttribute('aria-busy');
  }
}

async function signAndReport(what: string, build: () => unknown, errorSlot?: HTMLElement | null): Promise<boolean> {
  const chain = app.chain;
  if (errorSlot) {
    errorSlot.textContent = '';
    delete errorSlot.dataset.code;
  }
  const fail = (e: unknown) => {
    const words = message(e);
    log(`${what} failed: ${words}`, 'error');
    if (errorSlot) {
      errorSlot.textContent = words;
      if (e instanceof DispatchFailure && e.code) errorSlot.dataset.code = e.code;
    }
    return false;
  };
  if (!chain) return fail(new Error('The page is not connected to a node.'));
  // Sent now, a transaction would wait for a connection that may not come back; nothing is sent.
  if (!app.connected) return fail(new Error('The connection to the node is lost: nothing was sent. Try again once it is back.'));
  try {
    const who = app.accounts.find((a) => a.address === me());
    if (!who) return fail(new Error('Choose an account first.'));
    const tx = build() as Parameters<typeof send>[1];
    await send(chain.api, tx, who, (p: Progress) => log(`${what}: ${p}`));
    return true;
  } catch (e) {
    return fail(e);
  }
}

/**
 * Asks before something that ends or gives up something: resolves to true only if the person
 * confirms. Escape or "Keep it" says no.
 */
export function confirmAction(title: string, body: string, yes: string): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('confirm');
  $('confirm-title').textContent = title;
  $('confirm-body').textContent = body;
  $('confirm-yes').textContent = yes;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.showModal();
    $('confirm-no').focus();
  });
}

/** Updates `app.names` for `addresses` from the providers' on-chain metadata. */
export async function loadNames(addresses: string[]): Promise<void> {
  const chain = app.chain;
  const wanted = [...new Set(addresses)];
  if (!chain || wanted.length === 0) return;
  const entries = (await chain.api.query.dinfraProvider.providers.multi(wanted)) as unknown as {
    isSome: boolean;
    unwrap(): { metadata: { toU8a(bare?: boolean): Uint8Array } };
  }[];
  entries.forEach((entry, i) => {
    app.names.set(wanted[i], entry.isSome ? providerName(text(entry.unwrap().metadata)) : null);
  });
}

/**
 * Reads the relay chain's block number as of the best block (the chain's billing clock) into
 * `app.relayNow`; done once per new block, and the views draw from it.
 */
export async function readRelayNow(): Promise<number> {
  const query = app.chain?.api.query.parachainSystem?.lastRelayChainBlockNumber;
  if (!query) return app.relayNow;
  app.relayNow = Number((await query()).toString());
  app.seenAt = new Date();
  return app.relayNow;
}

/** A subscription as `DinfraApi::subscription` shows it. */
export interface View {
  deploymentType: { toNumber(): number };
  phase: { type: string };
  provider: { isSome: boolean; unwrap(): { toString(): string } };
  endpoint: { isSome: boolean; unwrap(): { toU8a(b?: boolean): Uint8Array } };
  balance: { toBigInt(): bigint };
  owedNow: { toBigInt(): bigint };
  paid: { toBigInt(): bigint };
  runway: { isSome: boolean; unwrap(): { toNumber(): number } };
  expiresAt: { isSome: boolean; unwrap(): { toNumber(): number } };
  pricePerBlock: { isSome: boolean; unwrap(): { toBigInt(): bigint } };
  graceEndsAt: { isSome: boolean; unwrap(): { toNumber(): number } };
  phaseSince: { toNumber(): number };
}

/** Subscription `id` as the chain shows it now, or `null` if it knows none. */
export async function view(id: number): Promise<View | null> {
  const answer = (await app.chain!.api.call.dinfraApi.subscription(id)) as unknown as {
    isSome: boolean;
    unwrap(): View;
  };
  return answer.isSome ? answer.unwrap() : null;
}

/** A phase as people read it. */
export function phaseLabel(phase: string): string {
  return (
    {
      AwaitingAward: 'Awaiting award',
      Provisioning: 'Provisioning',
      Running: 'Running',
      Suspended: 'Suspended',
      Ended: 'Ended',
    }[phase] ?? phase
  );
}

/** A status badge for `phase`. */
export function phaseBadge(phase: string, className = 'phase'): HTMLElement {
  return h('span', { class: `badge ${phase} ${className}`, 'data-phase': phase }, phaseLabel(phase));
}

/**
 * Runs `render` one call at a time: a call made while one runs waits for it, and calls that
 * pile up meanwhile collapse into one, so that two renders never interleave.
 */
export function serial(render: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  return () => {
    if (!running) {
      running = render().finally(() => (running = null));
      return running;
    }
    again ??= running.then(() => {
      again = null;
      running = render().finally(() => (running = null));
      return running;
    });
    return again;
  };
}
