// The DINFRA console: connection, accounts, the three views and their navigation. Each view
// lives in its own module (offers, subscriptions, provider); what they share is in app.ts.

import { Keyring } from '@polkadot/keyring';
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { app, log, message, readRelayNow } from './app';
import { connect, type ConnectionState } from './chain';
import { rawCid } from './cid';
import { $ } from './dom';
import { identity } from './identity';
import { knownSchemas, loadTypes, renderDescriptorForm, renderQuotes, showTargetField, subscribe, updateSubscribe } from './offers';
import { renderProvider, wireProviderForms } from './provider';
import type { Schema } from './schemaform';
import { renderSubscriptions } from './subscriptions';
import vmSmall from '../../schemas/vm-small.json?raw';
import substrateCollator from '../../schemas/substrate-collator.json?raw';

const VIEWS = ['offers', 'subscriptions', 'provider'] as const;
type ViewName = (typeof VIEWS)[number];

/** Shows the view the address names (`#offers`, `#subscriptions`, `#provider`). */
function route(): void {
  const wanted = location.hash.replace('#', '') as ViewName;
  const current: ViewName = VIEWS.includes(wanted) ? wanted : 'offers';
  for (const name of VIEWS) {
    $(`view-${name}`).hidden = name !== current;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-view]')) {
    if (link.dataset.view === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${{ offers: 'Offers', subscriptions: 'My subscriptions', provider: 'Provider' }[current]} · DINFRA console`;
}

function setConnection(state: ConnectionState): void {
  app.connected = state === 'connected';
  const banner = $('connection');
  banner.textContent = { connecting: 'Connecting…', connected: 'Connected', disconnected: 'Connection lost: reconnecting…' }[state];
  banner.className = `badge ${state}`;
}

async function loadAccounts(): Promise<void> {
  app.accounts = [];
  if (app.chain?.isDev) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
      const pair = keyring.addFromUri(`//${name}`, { name });
      app.accounts.push({ kind: 'dev', name: `${name} (dev)`, address: pair.address, pair });
    }
  }
  renderAccounts();
}

async function connectWallet(): Promise<void> {
  const extensions = await web3Enable('DINFRA console');
  if (extensions.length === 0) {
    log('No wallet extension answered: install or unlock polkadot.js, Talisman or SubWallet, and allow this page.', 'error');
    return;
  }
  for (const found of await web3Accounts()) {
    const injector = await web3FromAddress(found.address);
    app.accounts.push({
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
  const chosen = select.value;
  select.replaceChildren(...app.accounts.map((a) => new Option(a.name, a.address)));
  if (app.accounts.some((a) => a.address === chosen)) select.value = chosen;
  $('dev-note').hidden = !app.chain?.isDev;
  showAccount();
}

function showAccount(): void {
  const address = $<HTMLSelectElement>('account').value;
  $('account-identity').replaceChildren(...(address ? [identity(address, null)] : []));
}

/**
 * Redraws what depends on the chain's state: at every new block and after a change of account.
 * A redraw that fails (the connection dropped while it asked the node) leaves the last one
 * shown; the status bar says the connection is lost, and the next block redraws.
 */
async function refresh(): Promise<void> {
  const drawn = await Promise.allSettled([renderQuotes(), renderSubscriptions(), renderProvider()]);
  for (const outcome of drawn) {
    if (outcome.status === 'rejected' && app.connected) log(`could not redraw: ${message(outcome.reason)}`, 'error');
  }
}

function wire(): void {
  window.addEventListener('hashchange', route);
  $('connect').onclick = () => start($<HTMLInputElement>('rpc').value);
  $('wallet').onclick = () => connectWallet().catch((e) => log(message(e), 'error'));
  $('account').onchange = () => {
    showAccount();
    refresh();
  };
  $('type').onchange = () => renderDescriptorForm();
  $('target-kind').onchange = () => {
    showTargetField();
    updateSubscribe();
  };
  for (const id of ['max-price', 'funding', 'target-providers']) {
    $(id).oninput = () => updateSubscribe();
  }
  $('descriptor-form').oninput = () => updateSubscribe();
  $('descriptor-form').onchange = () => updateSubscribe();
  $('subscribe-form').onsubmit = (e) => {
    e.preventDefault();
    subscribe(async () => {
      await renderSubscriptions();
      location.hash = '#subscriptions';
    }).catch((err) => log(message(err), 'error'));
  };
  wireProviderForms();
}

async function start(url: string): Promise<void> {
  try {
    app.chain?.api.disconnect();
    app.chain = await connect(url, setConnection);
    log(`connected to ${url}${app.chain.isDev ? ' (development chain: dev accounts enabled)' : ''}`);
    await loadAccounts();
    await readRelayNow();
    await loadTypes();
    await renderSubscriptions();
    await renderProvider();
    // Live: every new block refreshes what the chain shows.
    await app.chain.api.rpc.chain.subscribeNewHeads(async (header) => {
      $('head').textContent = `#${header.number.toNumber().toLocaleString('en')}`;
      // The relay block is read once per block, for every view's times.
      await readRelayNow().catch(() => undefined);
      await refresh();
      $('relay-head').textContent = `#${app.relayNow.toLocaleString('en')}`;
    });
  } catch (e) {
    log(`cannot connect to ${url}: ${message(e)}`, 'error');
  }
}

async function main(): Promise<void> {
  // The example types' schemas ship with the console, named by the CID of their exact bytes.
  for (const file of [vmSmall, substrateCollator]) {
    knownSchemas.set(await rawCid(new TextEncoder().encode(file)), JSON.parse(file) as Schema);
  }
  route();
  wire();
  const params = new URLSearchParams(location.search);
  const rpc = params.get('rpc') ?? 'ws://127.0.0.1:9944';
  $<HTMLInputElement>('rpc').value = rpc;
  await start(rpc);
}

main();
