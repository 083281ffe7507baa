// The DINFRA console: the page's wiring. The market logic lives in the modules it imports.

import { Keyring } from '@polkadot/keyring';
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { cryptoWaitReady, isAddress } from '@polkadot/util-crypto';
import { connect, type Chain, type ConnectionState } from './chain';
import { descriptorBytes, rawCid } from './cid';
import { fundingProblem, runwayBlocks, runwayHours } from './runway';
import { describeStanding, standingProblem, suspension, type StandingTopUp } from './continuity';
import { readForm, renderForm, type Schema } from './schemaform';
import { encodeTarget, type Target } from './target';
import { send, type Account, type Progress } from './tx';
import { decodeRecord, describeRecord } from './record';
import { formatDinf, parseDinf } from './units';
import vmSmall from '../../schemas/vm-small.json?raw';
import substrateCollator from '../../schemas/substrate-collator.json?raw';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let chain: Chain | null = null;
let accounts: Account[] = [];
/** Schemas shipped with the console, by CID; others are fetched from the IPFS gateway. */
const knownSchemas = new Map<string, Schema>();
let types: { id: number; name: string; schemaCid: string }[] = [];

function log(message: string, kind: 'info' | 'error' = 'info'): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  item.className = kind;
  $('activity').prepend(item);
}

function setConnection(state: ConnectionState): void {
  const banner = $('connection');
  banner.textContent = {
    connecting: 'Connecting…',
    connected: 'Connected',
    disconnected: 'Connection lost: reconnecting…',
  }[state];
  banner.className = state;
}

function account(): Account {
  const chosen = accounts.find((a) => a.address === $<HTMLSelectElement>('account').value);
  if (!chosen) {
    throw new Error('choose an account first');
  }
  return chosen;
}

function text(bytes: { toU8a(bare?: boolean): Uint8Array } | null | undefined): string {
  return bytes ? new TextDecoder().decode(bytes.toU8a(true)) : '';
}

async function transact(what: string, build: () => unknown): Promise<boolean> {
  if (!chain) {
    log(`${what}: not connected`, 'error');
    return false;
  }
  try {
    const tx = build() as Parameters<typeof send>[1];
    const who = account();
    await send(chain.api, tx, who, (p: Progress) => log(`${what}: ${p}`));
    return true;
  } catch (e) {
    log(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
    return false;
  }
}

async function loadAccounts(): Promise<void> {
  accounts = [];
  if (chain?.isDev) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      const pair = keyring.addFromUri(`//${name}`, { name });
      accounts.push({ kind: 'dev', name: `${name} (dev)`, address: pair.address, pair });
    }
  }
  renderAccounts();
}

async function connectWallet(): Promise<void> {
  const extensions = await web3Enable('DINFRA console');
  if (extensions.length === 0) {
    log('no wallet extension answered (polkadot.js, Talisman or SubWallet)', 'error');
    return;
  }
  for (const found of await web3Accounts()) {
    const injector = await web3FromAddress(found.address);
    accounts.push({
      kind: 'extension',
      name: `${found.meta.name ?? found.address} (${found.meta.source})`,
      address: found.address,
      signer: injector.signer,
    });
  }
  renderAccounts();
}

function renderAccounts(): void {
  const select = $<HTMLSelectElement>('account');
  select.replaceChildren(...accounts.map((a) => new Option(a.name, a.address)));
  $('dev-note').hidden = !chain?.isDev;
}

async function loadTypes(): Promise<void> {
  if (!chain) return;
  const entries = await chain.api.query.dinfraProvider.deploymentTypes.entries();
  types = entries
    .map(([key, value]) => {
      const t = (value as unknown as { unwrap(): Record<string, never> }).unwrap() as unknown as {
        name: { toU8a(b?: boolean): Uint8Array };
        schemaCid: { toU8a(b?: boolean): Uint8Array };
        retired: { isTrue: boolean };
      };
      return {
        id: Number(key.args[0].toString()),
        name: text(t.name),
        schemaCid: text(t.schemaCid),
        retired: t.retired.isTrue,
      };
    })
    .filter((t) => !t.retired)
    .sort((a, b) => a.id - b.id);
  const select = $<HTMLSelectElement>('type');
  const chosen = select.value;
  select.replaceChildren(...types.map((t) => new Option(`${t.name} (type ${t.id})`, String(t.id))));
  if (chosen) select.value = chosen;
  await renderQuotes();
  await renderDescriptorForm();
}

/** The relay chain's block number as of the parachain's best block, the chain's billing clock. */
async function relayBlock(): Promise<number | null> {
  const query = chain?.api.query.parachainSystem?.lastRelayChainBlockNumber;
  if (!query) return null;
  return ((await query()) as unknown as { toNumber(): number }).toNumber();
}

async function renderQuotes(): Promise<void> {
  if (!chain) return;
  const body = $('quotes');
  // Rows are built aside and put in at once, so the table is never seen empty while the chain
  // is asked.
  const rows: HTMLTableRowElement[] = [];
  const relayNow = await relayBlock();
  for (const t of types) {
    const quotes = (await chain.api.call.dinfraApi.quote(t.id, 'Any')) as unknown as {
      provider: { toString(): string };
      pricePerBlock: { toBigInt(): bigint };
      capacity: { toNumber(): number };
      freeCapacity: { toNumber(): number };
      collateral: { toBigInt(): bigint };
      record: { toJSON(): unknown };
    }[];
    const row = (cells: string[]) => {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      rows.push(tr);
    };
    if (quotes.length === 0) {
      row([`${t.name} (${t.id})`, 'no open offering with free capacity', '', '', '', '']);
    }
    for (const q of quotes) {
      row([
        `${t.name} (${t.id})`,
        q.provider.toString(),
        `${formatDinf(q.pricePerBlock.toBigInt())} per block`,
        `${q.freeCapacity.toNumber()} of ${q.capacity.toNumber()}`,
        `${formatDinf(q.collateral.toBigInt())} held`,
        describeRecord(decodeRecord(q.record), relayNow),
      ]);
    }
  }
  body.replaceChildren(...rows);
}

async function schemaFor(cid: string): Promise<Schema> {
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

async function renderDescriptorForm(): Promise<void> {
  try {
    const schema = await currentSchema();
    $('schema-about').textContent = schema.description ?? '';
    renderForm($('descriptor-form'), schema);
    await updateSubscribe();
  } catch (e) {
    log(`schema: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
}

function target(): Target {
  const kind = $<HTMLSelectElement>('target-kind').value;
  const list = $<HTMLInputElement>('target-providers').value;
  if (kind === 'provider') return { kind: 'provider', provider: list };
  if (kind === 'preferred') return { kind: 'preferred', providers: list.split(/[\s,]+/) };
  return { kind: 'any' };
}

/** The subscribe form's state: the runway, the CID, and why it cannot be sent, if it cannot. */
async function updateSubscribe(): Promise<void> {
  const button = $<HTMLButtonElement>('subscribe');
  const problem = $('subscribe-problem');
  let reason: string | null = null;
  try {
    const price = parseDinf($<HTMLInputElement>('max-price').value);
    const funding = parseDinf($<HTMLInputElement>('funding').value);
    const blocks = runwayBlocks(funding, price);
    $('runway').textContent =
      blocks === null ? 'free: never expires' : `${blocks} blocks, ${runwayHours(blocks)}`;
    reason = fundingProblem(funding, price, chain?.minRunway ?? 0);
    encodeTarget(target(), (a) => isAddress(a));
    const descriptor = readForm($('descriptor-form'), await currentSchema());
    const cid = await rawCid(descriptorBytes(descriptor));
    $('descriptor-cid').textContent = cid;
    $('descriptor-json').textContent = JSON.stringify(descriptor);
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  problem.textContent = reason ?? '';
  button.disabled = reason !== null;
}

async function subscribe(): Promise<void> {
  if (!chain) return;
  const api = chain.api;
  const descriptor = readForm($('descriptor-form'), await currentSchema());
  const bytes = descriptorBytes(descriptor);
  const cid = await rawCid(bytes);
  const upload = $<HTMLInputElement>('ipfs-api').value.replace(/\/$/, '');
  if (upload) {
    const form = new FormData();
    form.append('file', new Blob([bytes as BlobPart]));
    const answer = await fetch(`${upload}/api/v0/add?cid-version=1&raw-leaves=true`, {
      method: 'POST',
      body: form,
    });
    log(answer.ok ? `descriptor ${cid} uploaded to IPFS` : `IPFS upload failed (${answer.status})`, answer.ok ? 'info' : 'error');
  }
  const type = Number($<HTMLSelectElement>('type').value);
  const encoded = encodeTarget(target(), (a) => isAddress(a));
  const price = parseDinf($<HTMLInputElement>('max-price').value);
  const funding = parseDinf($<HTMLInputElement>('funding').value);
  if (
    await transact(`subscribe to type ${type}`, () =>
      api.tx.dinfraSubscription.subscribe(type, cid, encoded, price, funding),
    )
  ) {
    await renderSubscriptions();
  }
}

interface View {
  phase: { type: string };
  provider: { isSome: boolean; unwrap(): { toString(): string } };
  endpoint: { isSome: boolean; unwrap(): { toU8a(b?: boolean): Uint8Array } };
  balance: { toBigInt(): bigint };
  owedNow: { toBigInt(): bigint };
  runway: { isSome: boolean; unwrap(): { toNumber(): number } };
  expiresAt: { isSome: boolean; unwrap(): { toNumber(): number } };
  pricePerBlock: { isSome: boolean; unwrap(): { toBigInt(): bigint } };
  graceEndsAt: { isSome: boolean; unwrap(): { toNumber(): number } };
}

/** The relay chain's block number as of the best block: the billing clock. */
async function relayNow(): Promise<number> {
  const number = await chain!.api.query.parachainSystem.lastRelayChainBlockNumber();
  return Number(number.toString());
}

/** Subscription `id`'s standing top-up, if it has one. */
async function standingTopUp(id: number): Promise<StandingTopUp | null> {
  const entry = (await chain!.api.query.dinfraSubscription.standingTopUps(id)) as unknown as {
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

async function view(id: number): Promise<View | null> {
  const answer = (await chain!.api.call.dinfraApi.subscription(id)) as unknown as {
    isSome: boolean;
    unwrap(): View;
  };
  return answer.isSome ? answer.unwrap() : null;
}

/**
 * Runs `render` one call at a time: a call made while one runs waits for it, and calls that
 * pile up meanwhile collapse into one, so that two renders never interleave.
 */
function serial(render: () => Promise<void>): () => Promise<void> {
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

const renderSubscriptions = serial(drawSubscriptions);
const renderProvider = serial(drawProvider);

async function drawSubscriptions(): Promise<void> {
  if (!chain || accounts.length === 0) return;
  const me = $<HTMLSelectElement>('account').value;
  const entries = await chain.api.query.dinfraSubscription.subscriptions.entries();
  const mine = entries
    .filter(([, s]) => (s as unknown as { unwrap(): { subscriber: { toString(): string } } }).unwrap().subscriber.toString() === me)
    .map(([key]) => Number(key.args[0].toString()))
    .sort((a, b) => a - b);
  // Rows are updated in place, so that an amount being typed survives the next block.
  const body = $('subscriptions');
  const shown = new Set<string>();
  const now = mine.length > 0 ? await relayNow() : 0;
  for (const id of mine) {
    const v = await view(id);
    if (!v) continue;
    shown.add(String(id));
    const runway = v.runway.isSome ? v.runway.unwrap().toNumber() : null;
    const suspended = v.phase.type === 'Suspended' && v.graceEndsAt.isSome;
    const low = suspended || (runway !== null && runway < chain.lowFundsWarning);
    const standing = await standingTopUp(id);
    const tr = body.querySelector<HTMLTableRowElement>(`tr[data-subscription="${id}"]`) ?? subscriptionRow(id);
    tr.dataset.drawn = String(standing?.drawn ?? 0n);
    const runwayText = suspended
      ? suspension(
          v.graceEndsAt.unwrap().toNumber(),
          now,
          v.balance.toBigInt(),
          v.pricePerBlock.isSome ? v.pricePerBlock.unwrap().toBigInt() : 0n,
          chain.minRunway,
        )
      : runway === null
        ? '-'
        : `${runway} blocks${low ? ' (funds are low: top up)' : ''}`;
    const cells: Record<string, string> = {
      id: String(id),
      phase: v.phase.type,
      provider: v.provider.isSome ? v.provider.unwrap().toString() : '-',
      endpoint: v.endpoint.isSome ? text(v.endpoint.unwrap()) : '-',
      balance: formatDinf(v.balance.toBigInt()),
      owed: formatDinf(v.owedNow.toBigInt()),
      runway: runwayText,
      expires: v.expiresAt.isSome ? String(v.expiresAt.unwrap().toNumber()) : '-',
      standing: describeStanding(standing, me),
    };
    for (const [name, value] of Object.entries(cells)) {
      const td = tr.querySelector<HTMLTableCellElement>(`td.${name}`);
      if (td && td.textContent !== value) td.textContent = value;
    }
    tr.querySelector('td.runway')?.classList.toggle('warning', low);
  }
  for (const tr of body.querySelectorAll<HTMLTableRowElement>('tr[data-subscription]')) {
    if (!shown.has(tr.dataset.subscription ?? '')) tr.remove();
  }
  $('no-subscriptions').hidden = mine.length > 0;
}

/** A new row for subscription `id`, with its top-up and terminate controls. */
function subscriptionRow(id: number): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.subscription = String(id);
  for (const name of ['id', 'phase', 'provider', 'endpoint', 'balance', 'owed', 'runway', 'expires', 'standing']) {
    const td = document.createElement('td');
    td.className = name;
    tr.append(td);
  }
  const actions = document.createElement('td');
  const amount = document.createElement('input');
  amount.setAttribute('aria-label', `top-up amount for subscription ${id}`);
  amount.placeholder = 'DINF';
  amount.size = 8;
  amount.className = 'top-up-amount';
  const topUp = document.createElement('button');
  topUp.textContent = 'Top up';
  topUp.className = 'top-up';
  topUp.onclick = async () => {
    try {
      const value = parseDinf(amount.value);
      if (await transact(`top up ${id}`, () => chain!.api.tx.dinfraSubscription.topUp(id, value))) {
        amount.value = '';
        await renderSubscriptions();
      }
    } catch (e) {
      log(`top up ${id} failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  };
  const end = document.createElement('button');
  end.textContent = 'Terminate';
  end.className = 'terminate';
  end.onclick = async () => {
    if (await transact(`terminate ${id}`, () => chain!.api.tx.dinfraSubscription.terminate(id))) {
      await renderSubscriptions();
    }
  };
  actions.append(amount, topUp, end, standingControls(id, tr));
  tr.append(actions);
  $('subscriptions').append(tr);
  return tr;
}

/**
 * The controls of subscription `id`'s standing top-up: set or change the caller's (an amount
 * drawn when the funds run low, at most every so many blocks, up to a cap), or cancel it.
 */
function standingControls(id: number, tr: HTMLTableRowElement): HTMLElement {
  const box = document.createElement('div');
  box.className = 'standing-controls';
  const field = (name: string, label: string, placeholder: string) => {
    const input = document.createElement('input');
    input.className = `standing-${name}`;
    input.setAttribute('aria-label', `standing top-up ${label} for subscription ${id}`);
    input.placeholder = placeholder;
    input.size = 6;
    return input;
  };
  const amount = field('amount', 'amount in DINF', 'DINF');
  const interval = field('interval', 'least blocks between draws', 'blocks');
  const cap = field('cap', 'cap in DINF', 'cap');
  const set = document.createElement('button');
  set.textContent = 'Set standing top-up';
  set.className = 'standing-set';
  set.onclick = async () => {
    try {
      const [a, c] = [parseDinf(amount.value), parseDinf(cap.value)];
      const blocks = interval.value.trim() === '' ? 0 : Number(interval.value);
      if (!Number.isInteger(blocks) || blocks < 0) throw new Error('the interval must be whole blocks');
      const problem = standingProblem(a, c, BigInt(tr.dataset.drawn ?? '0'));
      if (problem) throw new Error(problem);
      if (await transact(`standing top-up ${id}`, () => chain!.api.tx.dinfraSubscription.setStandingTopUp(id, a, blocks, c))) {
        await renderSubscriptions();
      }
    } catch (e) {
      log(`standing top-up ${id} refused: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  };
  const cancel = document.createElement('button');
  cancel.textContent = 'Cancel standing top-up';
  cancel.className = 'standing-cancel';
  cancel.onclick = async () => {
    if (await transact(`cancel standing top-up ${id}`, () => chain!.api.tx.dinfraSubscription.cancelStandingTopUp(id))) {
      await renderSubscriptions();
    }
  };
  box.append(amount, interval, cap, set, cancel);
  return box;
}

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
    const answer = await fetch('/ogate/v1/deployments?active=false', {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!answer.ok) {
      status.textContent = `OGate refused (${answer.status})`;
      return out;
    }
    for (const d of (await answer.json()) as { subscription: number; phase: string; reason?: string }[]) {
      out.set(d.subscription, d.reason ? `${d.phase}: ${d.reason}` : d.phase);
    }
    status.textContent = 'OGate answers';
  } catch (e) {
    status.textContent = `OGate unreachable: ${e instanceof Error ? e.message : String(e)}`;
  }
  return out;
}

async function drawProvider(): Promise<void> {
  if (!chain || accounts.length === 0) return;
  const me = $<HTMLSelectElement>('account').value;
  const gateway = await gatewayView();
  const ids = (await chain.api.call.dinfraApi.providerDeployments(me)) as unknown as { toNumber(): number }[];
  const body = $('deployments');
  body.replaceChildren();
  for (const id of ids.map((i) => i.toNumber())) {
    const v = await view(id);
    if (!v) continue;
    const tr = document.createElement('tr');
    for (const c of [String(id), v.phase.type, formatDinf(v.owedNow.toBigInt()), gateway.get(id) ?? '-']) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    const td = document.createElement('td');
    const claim = document.createElement('button');
    claim.textContent = 'Claim';
    claim.disabled = v.owedNow.toBigInt() === 0n;
    claim.onclick = () => transact(`claim ${id}`, () => chain!.api.tx.dinfraSubscription.claim(id));
    td.append(claim);
    tr.append(td);
    body.append(tr);
  }
}

function wire(): void {
  $('connect').onclick = () => start($<HTMLInputElement>('rpc').value);
  $('wallet').onclick = () => connectWallet().catch((e) => log(String(e), 'error'));
  $('account').onchange = () => {
    renderSubscriptions();
    renderProvider();
  };
  $('type').onchange = () => renderDescriptorForm();
  for (const id of ['max-price', 'funding', 'target-kind', 'target-providers']) {
    $(id).oninput = () => updateSubscribe();
  }
  $('descriptor-form').oninput = () => updateSubscribe();
  $('descriptor-form').onchange = () => updateSubscribe();
  $('subscribe-form').onsubmit = (e) => {
    e.preventDefault();
    subscribe().catch((err) => log(String(err), 'error'));
  };
  $('provider-form').onsubmit = (e) => {
    e.preventDefault();
    const api = chain!.api;
    const metadata = $<HTMLInputElement>('provider-metadata').value;
    if ((e as SubmitEvent).submitter?.id === 'provider-update') {
      transact('update provider', () => api.tx.dinfraProvider.updateProvider(metadata));
    } else {
      transact('register provider', () => api.tx.dinfraProvider.registerProvider(metadata));
    }
  };
  $('offering-form').onsubmit = (e) => {
    e.preventDefault();
    const api = chain!.api;
    const type = Number($<HTMLInputElement>('offering-type').value);
    const capacity = Number($<HTMLInputElement>('offering-capacity').value);
    const description = $<HTMLInputElement>('offering-description').value;
    const action = (e as SubmitEvent).submitter?.id;
    try {
      const price = parseDinf($<HTMLInputElement>('offering-price').value);
      const calls = {
        'offering-create': () => api.tx.dinfraProvider.createOffering(type, capacity, price, description),
        'offering-update': () => api.tx.dinfraProvider.updateOffering(type, capacity, price, description),
        'offering-close': () => api.tx.dinfraProvider.closeOffering(type),
        'offering-open': () => api.tx.dinfraProvider.openOffering(type),
      } as const;
      const build = calls[action as keyof typeof calls];
      if (build) transact(action!.replace('-', ' '), build).then(() => loadTypes());
    } catch (err) {
      log(`offering: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  };
}

async function start(url: string): Promise<void> {
  try {
    chain?.api.disconnect();
    chain = await connect(url, setConnection);
    log(`connected to ${url}${chain.isDev ? ' (development chain: dev accounts enabled)' : ''}`);
    await loadAccounts();
    await loadTypes();
    await renderSubscriptions();
    await renderProvider();
    // Live: every new block refreshes what the chain shows.
    await chain.api.rpc.chain.subscribeNewHeads(async (header) => {
      $('head').textContent = `#${header.number.toNumber()}`;
      await renderQuotes();
      await renderSubscriptions();
      await renderProvider();
    });
  } catch (e) {
    log(`cannot connect to ${url}: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
}

async function main(): Promise<void> {
  // The example types' schemas ship with the console, named by the CID of their exact bytes.
  for (const file of [vmSmall, substrateCollator]) {
    knownSchemas.set(await rawCid(new TextEncoder().encode(file)), JSON.parse(file) as Schema);
  }
  wire();
  const params = new URLSearchParams(location.search);
  const rpc = params.get('rpc') ?? 'ws://127.0.0.1:9944';
  $<HTMLInputElement>('rpc').value = rpc;
  await start(rpc);
}

main();
