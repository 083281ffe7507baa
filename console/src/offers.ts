// The Offers view: each deployment type with its open offers (provider, price, load, collateral,
// track record), and the subscribe form with what the chain would refuse said beside the field
// it concerns.

import { isAddress } from '@polkadot/util-crypto';
import { app, loadNames, log, message, text, transact } from './app';
import { descriptorBytes, rawCid } from './cid';
import { $, h } from './dom';
import { identity, shortAddress } from './identity';
import { bar, loadShare, recordParts } from './pictures';
import { decodeRecord, describeRecord, type TrackRecord } from './record';
import { describeRunway, fundingProblem, runwayBlocks } from './runway';
import { readForm, renderForm, type Schema } from './schemaform';
import { encodeTarget, type Target } from './target';
import { RELAY_BLOCKS_PER_HOUR } from './time';
import { formatDinf, parseDinf } from './units';

/** Schemas shipped with the console, by CID; others are fetched from the IPFS gateway. */
export const knownSchemas = new Map<string, Schema>();

/** The deployment types on chain that are not retired, by id. */
export let types: { id: number; name: string; schemaCid: string }[] = [];

/** Reads the deployment types, then redraws the offers and the descriptor form. */
export async function loadTypes(): Promise<void> {
  const chain = app.chain;
  if (!chain) return;
  const entries = await chain.api.query.dinfraProvider.deploymentTypes.entries();
  types = entries
    .map(([key, value]) => {
      const t = (value as unknown as { unwrap(): Record<string, never> }).unwrap() as unknown as {
        name: { toU8a(b?: boolean): Uint8Array };
        schemaCid: { toU8a(b?: boolean): Uint8Array };
        retired: { isTrue: boolean };
      };
      return { id: Number(key.args[0].toString()), name: text(t.name), schemaCid: text(t.schemaCid), retired: t.retired.isTrue };
    })
    .filter((t) => !t.retired)
    .sort((a, b) => a.id - b.id);
  const select = $<HTMLSelectElement>('type');
  const chosen = select.value;
  select.replaceChildren(...types.map((t) => new Option(`${t.name} (type ${t.id})`, String(t.id))));
  if (chosen) select.value = chosen;
  const offering = $<HTMLSelectElement>('offering-type');
  const offered = offering.value;
  offering.replaceChildren(...types.map((t) => new Option(`${t.name} (type ${t.id})`, String(t.id))));
  if (offered) offering.value = offered;
  await renderQuotes();
  await renderDescriptorForm();
}

interface Quote {
  provider: { toString(): string };
  pricePerBlock: { toBigInt(): bigint };
  capacity: { toNumber(): number };
  freeCapacity: { toNumber(): number };
  collateral: { toBigInt(): bigint };
  record: { toJSON(): unknown };
}

/** A track record as a bar of its awards' outcomes, with a legend and one line of words. */
export function recordPicture(record: TrackRecord, relayNow: number | null): HTMLElement {
  const words = describeRecord(record, relayNow);
  const parts = recordParts(record);
  const segments = [
    { fraction: parts.ran, kind: 'ran' },
    { fraction: parts.faults, kind: 'faults' },
    { fraction: parts.declined, kind: 'declined' },
    { fraction: parts.pending, kind: 'pending' },
  ];
  const key = (kind: string, label: string) => h('li', {}, h('span', { class: `key bar-fill ${kind}`, 'aria-hidden': 'true' }), label);
  return h(
    'div',
    { class: 'record' },
    record.awards > 0 ? bar(`Track record: ${words}`, segments, 'record-bar') : null,
    record.awards > 0
      ? h('ul', { class: 'legend', 'aria-hidden': 'true' }, key('ran', 'ran'), key('faults', 'fault'), key('declined', 'declined'), key('pending', 'under way'))
      : null,
    h('p', { class: 'record-text' }, words),
  );
}

/** One open offer: who, price, load, collateral, record, and a button that chooses it. */
function offerRow(typeId: number, q: Quote, relayNow: number | null): HTMLElement {
  const provider = q.provider.toString();
  const price = q.pricePerBlock.toBigInt();
  const capacity = q.capacity.toNumber();
  const free = q.freeCapacity.toNumber();
  const load = loadShare(capacity, free);
  const name = app.names.get(provider) ?? null;
  const choose = h(
    'button',
    {
      type: 'button',
      class: 'choose',
      'aria-label': `Choose ${name ?? provider} for a new subscription`,
      onclick: () => chooseOffer(typeId, provider, price),
    },
    'Choose',
  );
  return h(
    'div',
    { class: 'offer', 'data-provider': provider },
    identity(provider, name),
    h(
      'div',
      { class: 'price' },
      `${formatDinf(price)} / block`,
      h('small', {}, price === 0n ? 'free' : `${formatDinf(price * BigInt(RELAY_BLOCKS_PER_HOUR))} per hour`),
    ),
    h(
      'div',
      { class: 'metric load' },
      `${load.inUse} of ${capacity} in use`,
      bar(`Load: ${load.inUse} of ${capacity} deployments in use`, [{ fraction: load.fraction, kind: 'load' }], 'load-bar'),
      h('small', { class: 'collateral' }, `${formatDinf(q.collateral.toBigInt())} collateral held`),
    ),
    recordPicture(decodeRecord(q.record), relayNow),
    choose,
  );
}

/** Draws every deployment type with its open offers; an empty state where one has none. */
export async function renderQuotes(): Promise<void> {
  const chain = app.chain;
  if (!chain) return;
  const relayNow = app.relayNow;
  const quotes: Quote[][] = [];
  for (const t of types) {
    quotes.push((await chain.api.call.dinfraApi.quote(t.id, 'Any')) as unknown as Quote[]);
  }
  const providers = [...new Set(quotes.flat().map((q) => q.provider.toString()))];
  await loadNames(providers);
  // The providers quoted, by name, to pick from in the subscribe form's address field.
  $('known-providers').replaceChildren(
    ...providers.map((p) => h('option', { value: p, label: app.names.get(p) ? `${app.names.get(p)} (${shortAddress(p)})` : shortAddress(p) })),
  );
  // Cards are built aside and put in at once, so the list is never seen empty while the chain is asked.
  const cards = types.map((t, i) => {
    const schema = knownSchemas.get(t.schemaCid);
    return h(
      'article',
      { class: 'card type-card', 'data-type': t.id, 'aria-labelledby': `type-${t.id}-title` },
      h('h2', { id: `type-${t.id}-title` }, t.name, h('span', { class: 'type-id' }, `type ${t.id}`)),
      schema?.description ? h('p', { class: 'hint' }, schema.description) : null,
      ...(quotes[i].length > 0
        ? quotes[i].map((q) => offerRow(t.id, q, relayNow))
        : [h('p', { class: 'empty-line hint' }, 'No open offering with free capacity right now.')]),
    );
  });
  if (types.length === 0) {
    cards.push(h('div', { class: 'empty' }, h('p', {}, 'No deployment types on this chain yet.')));
  }
  const list = $('quotes');
  // Keep the keyboard where it was: a redraw replaces the buttons.
  const focused = document.activeElement?.closest('.offer')?.getAttribute('data-provider');
  list.replaceChildren(...cards);
  if (focused) list.querySelector<HTMLElement>(`.offer[data-provider="${focused}"] .choose`)?.focus();
}

/** Fills the subscribe form for one offer: its type, its provider, its price as the highest. */
function chooseOffer(typeId: number, provider: string, price: bigint): void {
  const type = $<HTMLSelectElement>('type');
  const typeChanged = type.value !== String(typeId);
  type.value = String(typeId);
  $<HTMLSelectElement>('target-kind').value = 'provider';
  $<HTMLInputElement>('target-providers').value = provider;
  $<HTMLInputElement>('max-price').value = formatDinf(price).replace(/ DINF$/, '');
  showTargetField();
  (typeChanged ? renderDescriptorForm() : updateSubscribe()).then(() => $('funding').focus());
}

export async function schemaFor(cid: string): Promise<Schema> {
  const known = knownSchemas.get(cid);
  if (known) return known;
  const gateway = $<HTMLInputElement>('ipfs-gateway').value.replace(/\/$/, '');
  const answer = await fetch(`${gateway}/ipfs/${cid}?format=raw`);
  const bytes = new Uint8Array(await answer.arrayBuffer());
  if ((await rawCid(bytes)) !== cid) {
    throw new Error(`the gateway's schema does not match ${cid}`);
  }
  const schema = JSON.parse(new TextDecoder().decode(bytes)) as Schema;
  knownSchemas.set(cid, schema);
  return schema;
}

async function currentSchema(): Promise<Schema> {
  const t = types.find((t) => String(t.id) === $<HTMLSelectElement>('type').value);
  if (!t) throw new Error('no deployment type chosen');
  return schemaFor(t.schemaCid);
}

export async function renderDescriptorForm(): Promise<void> {
  try {
    const schema = await currentSchema();
    $('schema-about').textContent = schema.description ?? '';
    renderForm($('descriptor-form'), schema);
    await updateSubscribe();
  } catch (e) {
    log(`schema: ${message(e)}`, 'error');
  }
}

/** Shows the provider addresses field only when the target names providers. */
export function showTargetField(): void {
  $('target-providers-field').hidden = $<HTMLSelectElement>('target-kind').value === 'any';
}

function target(): Target {
  const kind = $<HTMLSelectElement>('target-kind').value;
  const list = $<HTMLInputElement>('target-providers').value;
  if (kind === 'provider') return { kind: 'provider', provider: list };
  if (kind === 'preferred') return { kind: 'preferred', providers: list.split(/[\s,]+/) };
  return { kind: 'any' };
}

/** Puts `problem` beside the field `input` and marks the field invalid, or clears both. */
function fieldProblem(input: string, slot: string, problem: string | null): void {
  $(slot).textContent = problem ?? '';
  if (problem) $(input).setAttribute('aria-invalid', 'true');
  else $(input).removeAttribute('aria-invalid');
}

/**
 * The subscribe form's state: the runway, the CID, and why it cannot be sent, if it cannot,
 * each reason beside the field it concerns.
 */
export async function updateSubscribe(): Promise<void> {
  let blocked = false;
  let price: bigint | null = null;
  let funding: bigint | null = null;
  try {
    price = parseDinf($<HTMLInputElement>('max-price').value);
    $('max-price-hint').textContent = price === 0n ? 'Free offers only.' : `At most ${formatDinf(price * BigInt(RELAY_BLOCKS_PER_HOUR))} per hour.`;
    fieldProblem('max-price', 'funding-problem', null);
  } catch (e) {
    $('max-price-hint').textContent = '';
    fieldProblem('max-price', 'funding-problem', `Highest price: ${message(e)}`);
    blocked = true;
  }
  if (price !== null) {
    try {
      funding = parseDinf($<HTMLInputElement>('funding').value);
      const reason = fundingProblem(funding, price, app.chain?.minRunway ?? 0);
      $('runway').textContent = describeRunway(runwayBlocks(funding, price));
      fieldProblem('funding', 'funding-problem', reason ? `The chain would refuse this: ${reason}.` : null);
      blocked ||= reason !== null;
    } catch (e) {
      $('runway').textContent = '';
      fieldProblem('funding', 'funding-problem', message(e));
      blocked = true;
    }
  }
  try {
    encodeTarget(target(), (a) => isAddress(a));
    fieldProblem('target-providers', 'target-problem', null);
  } catch (e) {
    fieldProblem('target-providers', 'target-problem', message(e));
    blocked = true;
  }
  try {
    const descriptor = readForm($('descriptor-form'), await currentSchema());
    $('descriptor-cid').textContent = await rawCid(descriptorBytes(descriptor));
    $('descriptor-json').textContent = JSON.stringify(descriptor, null, 2);
    $('descriptor-problem').textContent = '';
  } catch (e) {
    $('descriptor-problem').textContent = message(e);
    blocked = true;
  }
  const button = $<HTMLButtonElement>('subscribe');
  // A subscription being sent keeps the button disabled whatever is typed meanwhile.
  button.disabled = blocked || button.dataset.busy === 'true';
}

/** Sends the subscription the form describes (uploading its descriptor first, if asked). */
export async function subscribe(onDone: () => Promise<void>): Promise<void> {
  const chain = app.chain;
  if (!chain) return;
  const api = chain.api;
  const problem = $('subscribe-problem');
  try {
    const descriptor = readForm($('descriptor-form'), await currentSchema());
    const bytes = descriptorBytes(descriptor);
    const cid = await rawCid(bytes);
    const upload = $<HTMLInputElement>('ipfs-api').value.replace(/\/$/, '');
    if (upload) {
      const form = new FormData();
      form.append('file', new Blob([bytes as BlobPart]));
      const answer = await fetch(`${upload}/api/v0/add?cid-version=1&raw-leaves=true`, { method: 'POST', body: form });
      log(answer.ok ? `descriptor ${cid} uploaded to IPFS` : `IPFS upload failed (${answer.status})`, answer.ok ? 'info' : 'error');
    }
    const type = Number($<HTMLSelectElement>('type').value);
    const encoded = encodeTarget(target(), (a) => isAddress(a));
    const price = parseDinf($<HTMLInputElement>('max-price').value);
    const funding = parseDinf($<HTMLInputElement>('funding').value);
    const button = $<HTMLButtonElement>('subscribe');
    const sent = await transact(`subscribe to type ${type}`, () => api.tx.dinfraSubscription.subscribe(type, cid, encoded, price, funding), problem, button);
    await updateSubscribe();
    if (sent) await onDone();
  } catch (e) {
    problem.textContent = message(e);
  }
}
