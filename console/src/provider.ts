// The Provider view: the chosen account as a provider (its name, track record and offerings,
// each with its load), its profile and offering forms, and the deployments awarded to it with
// what each owes and its gateway's view.

import { app, confirmAction, loadNames, me, message, phaseBadge, serial, transact, view } from './app';
import { $, h } from './dom';
import { identity } from './identity';
import { loadTypes, recordPicture, types } from './offers';
import { bar, loadShare } from './pictures';
import { decodeRecord } from './record';
import { formatDinf, parseDinf } from './units';

/** The provider's OGate view of its deployments, by id, when a token is given and it answers. */
async function gatewayView(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const token = $<HTMLInputElement>('ogate-token').value.trim();
  const status = $('ogate-status');
  if (!token) {
    status.textContent = '';
    return out;
  }
  try {
    const answer = await fetch('/ogate/v1/deployments?active=false', { headers: { authorization: `Bearer ${token}` } });
    if (!answer.ok) {
      status.textContent =
        answer.status === 401 || answer.status === 403 ? 'OGate refused this token.' : `OGate answered with an error (HTTP ${answer.status}).`;
      return out;
    }
    for (const d of (await answer.json()) as { subscription: number; phase: string; reason?: string }[]) {
      out.set(d.subscription, d.reason ? `${d.phase}: ${d.reason}` : d.phase);
    }
    status.textContent = 'OGate answers.';
  } catch (e) {
    status.textContent = `OGate cannot be reached: ${message(e)}`;
  }
  return out;
}

interface Offering {
  capacity: { toNumber(): number };
  inUse: { toNumber(): number };
  pricePerBlock: { toBigInt(): bigint };
  collateral: { toBigInt(): bigint };
  open: { isTrue: boolean };
}

/** The chosen account as a provider: identity, record and offerings; or how to become one. */
async function drawSummary(): Promise<void> {
  const chain = app.chain!;
  const account = me();
  const summary = $('provider-summary');
  await loadNames([account]);
  const registered = (await chain.api.query.dinfraProvider.providers(account)) as unknown as { isSome: boolean };
  if (!registered.isSome) {
    summary.replaceChildren(
      h('div', { class: 'summary' }, identity(account, null, true), h('p', { class: 'hint' }, 'Not a provider yet: register a profile below, then create an offering.')),
    );
    return;
  }
  const recordAnswer = (await chain.api.call.dinfraApi.providerRecord(account)) as unknown as { isSome: boolean; unwrap(): { toJSON(): unknown } };
  const relayNow = app.relayNow;
  const offerings = (await chain.api.query.dinfraProvider.offerings.entries(account)) as unknown as [
    { args: [unknown, { toString(): string }] },
    { unwrap(): Offering },
  ][];
  const offers = offerings.map(([key, value]) => {
    const o = value.unwrap();
    const typeId = Number(key.args[1].toString());
    const capacity = o.capacity.toNumber();
    const inUse = o.inUse.toNumber();
    const load = loadShare(capacity, capacity - inUse);
    const name = types.find((t) => t.id === typeId)?.name ?? `type ${typeId}`;
    return h(
      'li',
      { class: 'metric', 'data-type': typeId },
      h('strong', {}, `${name}: `),
      `${inUse} of ${capacity} in use, ${formatDinf(o.pricePerBlock.toBigInt())} / block${o.open.isTrue ? '' : ' (closed)'}`,
      bar(`Load of ${name}: ${inUse} of ${capacity} in use`, [{ fraction: load.fraction, kind: 'load' }], 'load-bar'),
      h('small', {}, `${formatDinf(o.collateral.toBigInt())} collateral held`),
    );
  });
  summary.replaceChildren(
    h(
      'div',
      { class: 'summary' },
      h('div', {}, identity(account, app.names.get(account) ?? null, true)),
      h('div', {}, h('h2', {}, 'Track record'), recordAnswer.isSome ? recordPicture(decodeRecord(recordAnswer.unwrap()), relayNow) : h('p', {}, 'No awards yet.')),
      h(
        'div',
        {},
        h('h2', {}, 'Offerings'),
        offers.length > 0 ? h('ul', { class: 'offerings' }, ...offers) : h('p', { class: 'hint' }, 'None yet: create one below.'),
      ),
    ),
  );
}

/** Subscriptions whose claim is being sent. */
const claiming = new Set<number>();

async function drawProvider(): Promise<void> {
  const chain = app.chain;
  if (!chain || app.accounts.length === 0) return;
  await drawSummary();
  const gateway = await gatewayView();
  const ids = (await chain.api.call.dinfraApi.providerDeployments(me())) as unknown as { toNumber(): number }[];
  const rows: HTMLElement[] = [];
  for (const id of ids.map((i) => i.toNumber())) {
    const v = await view(id);
    if (!v) continue;
    const owed = v.owedNow.toBigInt();
    const claimError = h('span', { class: 'field-error', role: 'alert' });
    const claim = h('button', { type: 'button', class: 'claim', 'aria-label': `Claim what subscription ${id} owes` }, 'Claim');
    // The rows are redrawn at every block: a claim being sent keeps its button disabled across
    // redraws, so that it cannot be sent twice.
    claim.disabled = owed === 0n || claiming.has(id);
    claim.onclick = () => {
      claiming.add(id);
      transact(`claim ${id}`, () => chain.api.tx.dinfraSubscription.claim(id), claimError, claim).finally(() => claiming.delete(id));
    };
    rows.push(
      h(
        'tr',
        { 'data-subscription': id },
        h('td', { 'data-label': 'Subscription' }, `#${id}`),
        h('td', { 'data-label': 'Phase' }, phaseBadge(v.phase.type)),
        h('td', { 'data-label': 'Claimable' }, formatDinf(owed)),
        h('td', { 'data-label': 'Gateway', class: 'gateway' }, gateway.get(id) ?? '-'),
        h('td', { 'data-label': 'Actions' }, claim, claimError),
      ),
    );
  }
  $('deployments').replaceChildren(...rows);
  $('deployments-table').hidden = rows.length === 0;
  $('no-deployments').hidden = rows.length > 0;
}

export const renderProvider = serial(drawProvider);

/** Wires the profile and offering forms. */
export function wireProviderForms(): void {
  $('provider-form').onsubmit = (e) => {
    e.preventDefault();
    const api = app.chain?.api;
    const metadata = $<HTMLInputElement>('provider-metadata').value;
    const slot = $('provider-problem');
    if (!api) return;
    try {
      JSON.parse(metadata);
    } catch {
      slot.textContent = 'The metadata must be JSON, like {"name": "my cloud"}.';
      return;
    }
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    const update = submitter?.id === 'provider-update';
    transact(update ? 'update provider' : 'register provider', () =>
      update ? api.tx.dinfraProvider.updateProvider(metadata) : api.tx.dinfraProvider.registerProvider(metadata), slot, submitter,
    ).then((ok) => {
      if (ok) renderProvider().catch(() => undefined);
    });
  };
  $('offering-form').onsubmit = async (e) => {
    e.preventDefault();
    const api = app.chain?.api;
    if (!api) return;
    const slot = $('offering-problem');
    slot.textContent = '';
    const type = Number($<HTMLInputElement>('offering-type').value);
    const capacity = Number($<HTMLInputElement>('offering-capacity').value);
    const description = $<HTMLInputElement>('offering-description').value;
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    const action = submitter?.id ?? '';
    try {
      if (!Number.isInteger(type) || type < 0) throw new Error('The deployment type id is a whole number.');
      if (!Number.isInteger(capacity) || capacity < 0) throw new Error('The capacity is a whole number of deployments.');
      const price = parseDinf($<HTMLInputElement>('offering-price').value);
      if (action === 'offering-close') {
        const sure = await confirmAction(
          `Close your offering of type ${type}?`,
          'It takes no new subscriptions; the deployments already awarded go on. You can open it again.',
          'Close it',
        );
        if (!sure) return;
      }
      const calls: Record<string, () => unknown> = {
        'offering-create': () => api.tx.dinfraProvider.createOffering(type, capacity, price, description),
        'offering-update': () => api.tx.dinfraProvider.updateOffering(type, capacity, price, description),
        'offering-close': () => api.tx.dinfraProvider.closeOffering(type),
        'offering-open': () => api.tx.dinfraProvider.openOffering(type),
      };
      const build = calls[action];
      if (build && (await transact(action.replace('-', ' '), build, slot, submitter))) {
        await loadTypes();
        await renderProvider();
      }
    } catch (err) {
      slot.textContent = message(err);
    }
  };
}
