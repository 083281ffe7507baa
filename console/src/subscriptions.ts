// The My subscriptions view: a card per subscription of the chosen account, with its phase, its
// provider, its runway as a bar and in time, its balance since it was opened, its standing
// top-up, and top-up and terminate (terminate and cancel are confirmed first). Cards are updated
// in place at every block, so that an amount being typed survives.

import { app, confirmAction, loadNames, me, message, phaseLabel, serial, text, transact, view, type View } from './app';
import { describeStanding, standingProblem, suspension, type StandingTopUp } from './continuity';
import { $, h, setChild, setText } from './dom';
import { addPoint, backfill, HistoryStore, type History, type Sample } from './history';
import { identity } from './identity';
import { balanceChart, bar, runwayShare } from './pictures';
import { ago, blockDate, duration, localDate, until } from './time';
import { types } from './offers';
import { formatDinf, parseDinf } from './units';

/** Subscription `id`'s standing top-up, if it has one. */
async function standingTopUp(id: number): Promise<StandingTopUp | null> {
  const entry = (await app.chain!.api.query.dinfraSubscription.standingTopUps(id)) as unknown as {
    isSome: boolean;
    unwrap(): {
      sponsor: { toString(): string };
      amount: { toBigInt(): bigint };
      minInterval: { toNumber(): number };
      cap: { toBigInt(): bigint };
      drawn: { toBigInt(): bigint };
    };
  };
  if (!entry.isSome) return null;
  const s = entry.unwrap();
  return {
    sponsor: s.sponsor.toString(),
    amount: s.amount.toBigInt(),
    minInterval: s.minInterval.toNumber(),
    cap: s.cap.toBigInt(),
    drawn: s.drawn.toBigInt(),
  };
}

// ---- Balance history -------------------------------------------------------------------------

const histories = new Map<number, History>();
const backfilling = new Set<number>();
/** Subscriptions whose past the node did not give: their history starts when the page saw them. */
const unread = new Set<number>();

/** This chain's stored histories (keyed by its genesis hash). */
function historyStore(): HistoryStore {
  return new HistoryStore(() => localStorage, `dinfra.history.${app.chain?.api.genesisHash.toHex()}.`);
}

/** What the node says of subscription `id` at parachain block `block`. */
async function probe(id: number, block: number): Promise<Sample> {
  const api = app.chain!.api;
  try {
    const hash = await api.rpc.chain.getBlockHash(block);
    const at = await api.at(hash);
    const answer = (await at.call.dinfraApi.subscription(id)) as unknown as { isSome: boolean; unwrap(): View };
    if (!answer.isSome || answer.unwrap().phase.type === 'Ended') return { kind: 'absent' };
    const v = answer.unwrap();
    const relay = Number((await at.query.parachainSystem.lastRelayChainBlockNumber()).toString());
    return { kind: 'present', point: { block: relay, funds: v.balance.toBigInt() - v.owedNow.toBigInt() } };
  } catch {
    // The node kept no state for that block (or its runtime had no such call then).
    return { kind: 'pruned' };
  }
}

/**
 * Adds the funds left now to subscription `id`'s history; the first time it is seen, the
 * history is read from the node's past states in the background (stored in the browser).
 */
function record(id: number, relayNow: number, funds: bigint): History {
  const store = historyStore();
  let history = histories.get(id) ?? store.load(id);
  if (!history) {
    history = { points: [], fromOpening: false };
    if (!backfilling.has(id) && app.chain) {
      backfilling.add(id);
      const head = app.chain.api.rpc.chain.getHeader();
      head
        .then((header) => backfill(header.number.toNumber(), (block) => probe(id, block)))
        .then((past) => {
          const now = histories.get(id);
          let points = past.points;
          for (const p of now?.points ?? []) points = addPoint(points, p);
          const merged = { points, fromOpening: past.fromOpening };
          histories.set(id, merged);
          store.save(id, merged);
        })
        .catch(() => unread.add(id))
        .finally(() => {
          backfilling.delete(id);
          renderSubscriptions().catch(() => undefined);
        });
    }
  }
  history = { ...history, points: addPoint(history.points, { block: relayNow, funds }) };
  histories.set(id, history);
  if (!backfilling.has(id)) store.save(id, history);
  return history;
}

// ---- Cards -----------------------------------------------------------------------------------

/** A fact of a card: a label and the element that shows it. */
function fact(label: string, name: string, wide = false): HTMLElement {
  return h('div', { class: wide ? 'wide' : '' }, h('dt', {}, label), h('dd', { class: name }));
}

/** A labelled input of a card (the label names the subscription for screen readers). */
function labelled(id: number, name: string, label: string, placeholder: string): [HTMLElement, HTMLInputElement] {
  const input = h('input', { id: `${name}-${id}`, class: name, placeholder, inputmode: 'decimal', autocomplete: 'off' });
  const field = h(
    'div',
    { class: 'field' },
    h('label', { for: input.id }, label, h('span', { class: 'visually-hidden' }, ` for subscription ${id}`)),
    input,
  );
  return [field, input];
}

/** A new card for subscription `id`, with its controls. */
function subscriptionCard(id: number): HTMLElement {
  const cardError = h('p', { class: 'field-error card-error', role: 'alert' });
  const [amountField, amount] = labelled(id, 'top-up-amount', 'Top up (DINF)', '0.1');
  const topUp = h('button', { type: 'button', class: 'top-up primary' }, 'Top up');
  topUp.onclick = async () => {
    cardError.textContent = '';
    try {
      const value = parseDinf(amount.value);
      if (value === 0n) throw new Error('Write how much to add.');
      if (await transact(`top up ${id}`, () => app.chain!.api.tx.dinfraSubscription.topUp(id, value), cardError, topUp)) {
        amount.value = '';
        await renderSubscriptions();
      }
    } catch (e) {
      cardError.textContent = message(e);
    }
  };
  const end = h('button', { type: 'button', class: 'terminate quiet' }, 'Terminate…');
  end.onclick = async () => {
    const left = card.dataset.funds ? formatDinf(BigInt(card.dataset.funds)) : 'what is left';
    const sure = await confirmAction(
      `Terminate subscription #${id}?`,
      `Its provider is paid what it earned up to now, the rest (${left}) and the deposit come back to you, and the deployment is torn down. This cannot be undone.`,
      'Terminate',
    );
    if (!sure) return;
    if (await transact(`terminate ${id}`, () => app.chain!.api.tx.dinfraSubscription.terminate(id), cardError, end)) {
      await renderSubscriptions();
    }
  };
  const card = h(
    'article',
    { class: 'card subscription', 'data-subscription': id, 'aria-labelledby': `subscription-${id}-title` },
    h('header', {}, h('h2', { id: `subscription-${id}-title`, class: 'title' }, `Subscription #${id}`), h('span', { class: 'phase badge' })),
    h('p', { class: 'phase-since hint' }),
    h(
      'dl',
      { class: 'facts' },
      fact('Provider', 'provider', true),
      fact('Endpoint', 'endpoint', true),
      fact('Balance', 'balance'),
      fact('Owed now', 'owed'),
      fact('Price', 'price'),
      fact('Runs out', 'expires'),
    ),
    h('div', { class: 'runway-bar' }),
    h('p', { class: 'runway' }),
    h('figure', { class: 'history' }, h('div', { class: 'chart-box' }), h('figcaption', {})),
    standingBox(id),
    h('div', { class: 'actions' }, amountField, topUp, end),
    cardError,
  );
  return card;
}

/**
 * The standing top-up of subscription `id`: what it is, in words, and the controls to set or
 * change the caller's (an amount drawn when the funds run low, at most every so many blocks, up
 * to a cap) or cancel it.
 */
function standingBox(id: number): HTMLElement {
  const problem = h('p', { class: 'field-error standing-error', role: 'alert' });
  const [amountField, amount] = labelled(id, 'standing-amount', 'Amount (DINF)', '0.05');
  const [intervalField, interval] = labelled(id, 'standing-interval', 'At most every (blocks)', '10');
  interval.setAttribute('inputmode', 'numeric');
  const [capField, cap] = labelled(id, 'standing-cap', 'Cap (DINF)', '1');
  const set = h('button', { type: 'button', class: 'standing-set' }, 'Set standing top-up');
  const box = h(
    'div',
    { class: 'standing-box' },
    h('h3', {}, 'Standing top-up'),
    h('p', { class: 'standing' }),
    h('div', { class: 'standing-controls' }, amountField, intervalField, capField, set),
    problem,
  );
  set.onclick = async () => {
    problem.textContent = '';
    try {
      const [a, c] = [parseDinf(amount.value), parseDinf(cap.value)];
      const blocks = interval.value.trim() === '' ? 0 : Number(interval.value);
      if (!Number.isInteger(blocks) || blocks < 0) throw new Error('The interval must be a whole number of blocks.');
      const refusal = standingProblem(a, c, BigInt(box.dataset.drawn ?? '0'));
      if (refusal) throw new Error(refusal);
      if (await transact(`standing top-up ${id}`, () => app.chain!.api.tx.dinfraSubscription.setStandingTopUp(id, a, blocks, c), problem, set)) {
        await renderSubscriptions();
      }
    } catch (e) {
      problem.textContent = message(e);
    }
  };
  const cancel = h('button', { type: 'button', class: 'standing-cancel quiet' }, 'Cancel standing top-up…');
  cancel.onclick = async () => {
    const sure = await confirmAction(
      `Cancel the standing top-up of #${id}?`,
      'No more automatic top-ups are drawn for it; its deposit goes back to whoever set it. When its funds run out, it is suspended.',
      'Cancel it',
    );
    if (!sure) return;
    if (await transact(`cancel standing top-up ${id}`, () => app.chain!.api.tx.dinfraSubscription.cancelStandingTopUp(id), problem, cancel)) {
      await renderSubscriptions();
    }
  };
  box.querySelector('.standing-controls')!.append(cancel);
  return box;
}

/** Updates subscription `id`'s card from the chain's view of it. */
async function update(card: HTMLElement, id: number, v: View, relayNow: number): Promise<void> {
  const chain = app.chain!;
  const now = app.seenAt;
  const phase = v.phase.type;
  const runway = v.runway.isSome ? v.runway.unwrap().toNumber() : null;
  const suspended = phase === 'Suspended' && v.graceEndsAt.isSome;
  const price = v.pricePerBlock.isSome ? v.pricePerBlock.unwrap().toBigInt() : null;
  const balance = v.balance.toBigInt();
  const owed = v.owedNow.toBigInt();
  const funds = balance > owed ? balance - owed : 0n;
  const standing = await standingTopUp(id);
  const low = suspended || (runway !== null && runway < chain.lowFundsWarning);
  const type = types.find((t) => t.id === v.deploymentType.toNumber());

  card.dataset.phase = phase;
  card.dataset.funds = String(funds);
  const q = (name: string) => card.querySelector<HTMLElement>(`.${name}`);
  setText(q('title'), `Subscription #${id}${type ? ` · ${type.name}` : ''}`);
  const badge = q('phase')!;
  badge.className = `phase badge ${phase}`;
  setText(badge, phaseLabel(phase));
  const since = v.phaseSince.toNumber();
  setText(
    q('phase-since'),
    `${phaseLabel(phase)} for ${duration(relayNow - since)}, since ${localDate(blockDate(since, relayNow, now), now)}`,
  );

  const provider = v.provider.isSome ? v.provider.unwrap().toString() : null;
  const name = provider ? (app.names.get(provider) ?? null) : null;
  setChild(q('provider'), `${provider}|${name}`, () =>
    provider ? identity(provider, name) : document.createTextNode(phase === 'AwaitingAward' ? 'Waiting for an award' : '-'),
  );
  setText(q('endpoint'), v.endpoint.isSome ? text(v.endpoint.unwrap()) : phase === 'Provisioning' ? 'Being provisioned' : '-');
  setText(q('balance'), formatDinf(balance));
  setText(q('owed'), formatDinf(owed));
  setText(q('price'), price === null ? '-' : price === 0n ? 'free' : `${formatDinf(price)} / block`);
  const expires = v.expiresAt.isSome ? v.expiresAt.unwrap().toNumber() : null;
  const expiresCell = q('expires')!;
  setText(expiresCell, expires !== null ? until(expires, relayNow, now) : suspended ? 'ran out' : '-');
  expiresCell.title = expires !== null ? `relay-chain block ${expires}` : '';

  // The runway: a bar of the funds left against all put in, and the words.
  const spent = v.paid.toBigInt() + owed;
  const shape = runwayShare(funds, spent, runway, chain.lowFundsWarning, suspended);
  const runwayWords = suspended
    ? suspension(v.graceEndsAt.unwrap().toNumber(), relayNow, balance, price ?? 0n, chain.minRunway, now)
    : runway === null
      ? phase === 'Running'
        ? 'Free: nothing is billed.'
        : `Billing starts when it runs; ${formatDinf(funds)} waits for it.`
      : `${formatDinf(funds)} left: ${runway} blocks, about ${duration(runway)} at this price${low ? '. Funds are low: top up.' : '.'}`;
  const runwayText = q('runway')!;
  setText(runwayText, runwayWords);
  runwayText.classList.toggle('warning', low && !suspended);
  runwayText.classList.toggle('out', suspended);
  setChild(q('runway-bar'), `${shape.fraction}|${shape.tone}`, () =>
    bar(`Funds left: ${Math.round(shape.fraction * 100)}% of all put in`, [{ fraction: shape.fraction, kind: shape.tone }], 'runway-meter'),
  );

  // The balance since it was opened.
  const history = record(id, relayNow, funds);
  const points = history.points;
  const first = points[0];
  const state = backfilling.has(id) ? 'reading' : unread.has(id) ? 'page' : history.fromOpening ? 'opening' : 'partial';
  const span = {
    reading: '',
    page: 'since this page first saw it (the node did not give its past)',
    opening: 'since it was opened',
    partial: 'since the oldest state the node keeps',
  }[state];
  const caption =
    state === 'reading' ? 'Funds left over time: reading the history from the node…' : `Funds left ${span}, ${ago(first.block, relayNow)}`;
  const figure = q('history')!;
  figure.dataset.history = state;
  figure.dataset.since = String(first ? relayNow - first.block : 0);
  setText(figure.querySelector('figcaption'), caption);
  setChild(q('chart-box'), points.map((p) => `${p.block}:${p.funds}`).join(','), () =>
    balanceChart(points, `${caption}: from ${formatDinf(first?.funds ?? 0n)} to ${formatDinf(funds)}`),
  );

  // The standing top-up.
  const box = q('standing-box')!;
  box.dataset.drawn = String(standing?.drawn ?? 0n);
  if (standing && standing.sponsor !== me()) await loadNames([standing.sponsor]);
  setText(q('standing'), describeStanding(standing, me(), standing ? (app.names.get(standing.sponsor) ?? standing.sponsor) : undefined));
  const cancel = q('standing-cancel') as HTMLButtonElement;
  cancel.hidden = !standing;
}

async function drawSubscriptions(): Promise<void> {
  const chain = app.chain;
  if (!chain || app.accounts.length === 0) return;
  const account = me();
  const entries = await chain.api.query.dinfraSubscription.subscriptions.entries();
  historyStore().forget(new Set(entries.map(([key]) => Number(key.args[0].toString()))));
  const mine = entries
    .filter(([, s]) => (s as unknown as { unwrap(): { subscriber: { toString(): string } } }).unwrap().subscriber.toString() === account)
    .map(([key]) => Number(key.args[0].toString()))
    .sort((a, b) => a - b);
  const list = $('subscriptions');
  const shown = new Set<string>();
  const relayNow = app.relayNow;
  const views: [number, View][] = [];
  for (const id of mine) {
    const v = await view(id);
    if (v) views.push([id, v]);
  }
  await loadNames(views.filter(([, v]) => v.provider.isSome).map(([, v]) => v.provider.unwrap().toString()));
  for (const [id, v] of views) {
    shown.add(String(id));
    let card = list.querySelector<HTMLElement>(`[data-subscription="${id}"]`);
    if (!card) {
      card = subscriptionCard(id);
      list.append(card);
    }
    await update(card, id, v, relayNow);
  }
  for (const card of list.querySelectorAll<HTMLElement>('[data-subscription]')) {
    if (!shown.has(card.dataset.subscription ?? '')) card.remove();
  }
  $('no-subscriptions').hidden = shown.size > 0;
  setText($('subscription-count'), shown.size > 0 ? String(shown.size) : '');
}

export const renderSubscriptions = serial(drawSubscriptions);
