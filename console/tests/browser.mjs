// The console in Debian's Chromium against a real `dinfra-node --dev`, driven by playwright-core:
// a provider sets up in the page (and sees a refusal explained beside the form), a dev account
// chooses its offer and subscribes, sees the award with the provider's name, the deployment
// Running after the provider's report with times instead of block numbers, a top-up and the
// balance history, a standing top-up set and cancelled, a suspension shown with its grace and
// resumed by a top-up, and a termination asked first, each checked against the chain. Every
// view is checked by axe-core and photographed at 1,400 px and at 390 px, empty and full; a
// screenshot of each step goes to test-artifacts/.
//
// Needs the built node ($CARGO_TARGET_DIR/debug/dinfra-node) and /usr/bin/chromium.

import { spawn } from 'node:child_process';
import { mkdirSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { createServer as vite } from 'vite';

const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/dinfra/target');
const nodeBinary = join(target, 'debug/dinfra-node');
const ogateBinary = join(target, 'debug/dinfra-ogate');
const browserBinary = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = new URL('../test-artifacts/', import.meta.url).pathname;
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function eventually(what, check, ms = 120_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}${last ? `: ${last}` : ''}`);
}

for (const [what, path] of [['dinfra-node', nodeBinary], ['dinfra-ogate', ogateBinary], ['Chromium', browserBinary]]) {
  if (!existsSync(path)) {
    console.error(`browser test: ${what} not found at ${path}`);
    process.exit(1);
  }
}

const rpcPort = await freePort();
const log = openSync(join(artifacts, 'node.log'), 'w');
const node = spawn(
  nodeBinary,
  // States are kept for 64 blocks, so that the test sees a balance history whose opening the
  // node no longer has.
  ['--dev', '--dev-block-time', '200', '--tmp', '--state-pruning', '64', '--rpc-port', String(rpcPort), '--port', String(await freePort()), '--no-prometheus'],
  { stdio: ['ignore', log, log] },
);
let server;
let ogate;
let browser;
let api;
let failed = false;
try {
  const rpc = `ws://127.0.0.1:${rpcPort}`;
  await eventually('the node listens', () =>
    new Promise((resolve) => {
      const socket = createConnection(rpcPort, '127.0.0.1');
      socket.on('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    }),
  );
  api = await ApiPromise.create({ provider: new WsProvider(rpc), noInitWarn: true });
  console.log('browser test: node up');
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');

  // Alice's OGate, reading content from a directory; the page reaches it through Vite's proxy.
  const scratch = mkdtempSync(join(tmpdir(), 'dinfra-console-'));
  const content = join(scratch, 'content');
  mkdirSync(content);
  const ogatePort = await freePort();
  process.env.OGATE_URL = `http://127.0.0.1:${ogatePort}`;
  const ogateLog = openSync(join(artifacts, 'ogate.log'), 'w');
  ogate = spawn(
    ogateBinary,
    ['--dev', '--node-url', rpc, '--provider', '//Alice', '--operator-seed', '//Ferdie', '--listen', `127.0.0.1:${ogatePort}`,
      '--data-dir', join(scratch, 'ogate'), '--content-dir', content, '--token', 'console:console-token-1'],
    { stdio: ['ignore', ogateLog, ogateLog] },
  );

  server = await vite({ root: new URL('..', import.meta.url).pathname, server: { port: await freePort(), host: '127.0.0.1' }, logLevel: 'warn' });
  await server.listen();
  const { rawCid, descriptorBytes } = await server.ssrLoadModule('/src/cid.ts');
  const schema = readFileSync(new URL('../../schemas/vm-small.json', import.meta.url));
  writeFileSync(join(content, await rawCid(new Uint8Array(schema))), schema);
  const descriptor = descriptorBytes({ image: 'debian-12' });
  writeFileSync(join(content, await rawCid(descriptor)), descriptor);
  const pageUrl = `${server.resolvedUrls.local[0]}?rpc=${encodeURIComponent(rpc)}`;

  const { formatDinf } = await server.ssrLoadModule('/src/units.ts');

  browser = await chromium.launch({ executablePath: browserBinary, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  let step = 0;
  const shot = async (name) => {
    step += 1;
    console.log(`browser test: ${name}`);
    await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const activity = () => page.locator('#activity').innerText();
  const finalized = (what) =>
    eventually(`"${what}" is finalized`, async () => {
      const text = await activity();
      if (text.includes(`${what} failed`)) throw new Error(text.split('\n')[0]);
      return text.includes(`${what}: finalized`);
    });
  const open = async (view) => {
    await page.click(`nav a[data-view="${view}"]`);
    await eventually(`the ${view} view shows`, async () => page.locator(`#view-${view}`).isVisible());
  };

  // Every view, at 1,400 px and on a 390 px phone: a screenshot, and axe-core finds no serious
  // or critical accessibility violation.
  const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  // Offers and subscriptions are seen as Bob (the subscriber), the Provider view as Alice.
  const audit = async (label) => {
    for (const [width, height] of [[1400, 1000], [390, 844]]) {
      await page.setViewportSize({ width, height });
      for (const view of ['offers', 'subscriptions', 'provider']) {
        await page.selectOption('#account', view === 'provider' ? alice.address : bob.address);
        await open(view);
        if (view === 'provider') await eventually('the provider view is drawn', async () => (await page.locator('#provider-summary').innerText()).includes(alice.address.slice(0, 6)));
        if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axeSource });
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
        });
        if (violations.length > 0) throw new Error(`axe-core on ${view} at ${width} px (${label}):\n  ${violations.join('\n  ')}`);
        // A phone shows no sideways scrolling.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) throw new Error(`${view} at ${width} px is ${overflow} px wider than the screen`);
        await page.screenshot({ path: join(artifacts, `${label}-${view}-${width}px.png`), fullPage: true });
      }
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
    await page.selectOption('#account', bob.address);
    console.log(`browser test: ${label}: every view at 1,400 and 390 px, no serious or critical axe-core violation`);
  };

  await page.goto(pageUrl);
  await eventually('the page connects', async () => (await page.locator('#connection').innerText()) === 'Connected');
  await eventually('dev accounts are listed', async () => (await page.locator('#account option').count()) === 6);
  // Empty states say what to do.
  await page.selectOption('#account', bob.address);
  await open('subscriptions');
  await eventually('the empty state shows', async () => (await page.locator('#no-subscriptions').innerText()).includes('No subscriptions yet'));
  await shot('connected');
  await audit('empty');

  // The provider (Alice) registers and offers vm-small from the Provider view.
  await page.selectOption('#account', alice.address);
  await open('provider');
  await eventually('the summary says how to start', async () => (await page.locator('#provider-summary').innerText()).includes('Not a provider yet'));
  await page.click('#provider-register');
  await finalized('register provider');
  // Registering again fails on chain; the page says why beside the form, in the pallet's
  // documented words, and never shows the raw error.
  await page.click('#provider-register');
  await eventually('the dispatch error is explained beside the form', async () =>
    (await page.locator('#provider-problem').innerText()) === 'This account is already a registered provider.',
  );
  if ((await page.locator('#provider-problem').getAttribute('data-code')) !== 'dinfraProvider.AlreadyProvider') throw new Error('the error is not the pallet\'s');
  if ((await page.locator('body').innerText()).includes('dinfraProvider.')) throw new Error('a raw dispatch error is shown');
  await shot('provider-error');
  await page.fill('#provider-metadata', '{"name":"alice cloud"}');
  await page.click('#provider-update');
  await finalized('update provider');
  const provider = (await api.query.dinfraProvider.providers(alice.address)).unwrap();
  if (new TextDecoder().decode(provider.metadata.toU8a(true)) !== '{"name":"alice cloud"}') {
    throw new Error('the provider metadata on chain is not the page\'s');
  }
  await page.selectOption('#offering-type', '0');
  await page.fill('#offering-capacity', '8');
  await page.fill('#offering-price', '0.001');
  await page.click('#offering-create');
  await finalized('offering create');
  await eventually('the provider summary shows the name and the offering', async () => {
    const summary = await page.locator('#provider-summary').innerText();
    return summary.includes('alice cloud (you)') && summary.includes('0 of 8 in use') && summary.includes('80 DINF collateral held');
  });
  // The offer, with Alice's name, identicon, load, the collateral behind its 8 units (10 DINF
  // each) and her record.
  await open('offers');
  const offer = page.locator(`#quotes .offer[data-provider="${alice.address}"]`);
  await eventually('the offer is quoted with its name, load, collateral and record', async () => {
    const quoted = await offer.innerText();
    return quoted.includes('alice cloud') && quoted.includes('0 of 8 in use') && quoted.includes('80 DINF collateral held')
      && quoted.includes('new: no awards yet') && quoted.includes('0.6 DINF per hour');
  });
  if ((await offer.locator('svg.identicon circle').count()) !== 20) throw new Error('the provider has no identicon');
  await shot('provider-offers');

  // Bob chooses Alice's offer: the form names her; below the minimum runway the page refuses to
  // send, and says why beside the funding.
  await page.selectOption('#account', bob.address);
  await offer.locator('.choose').click();
  if ((await page.inputValue('#target-kind')) !== 'provider' || (await page.inputValue('#target-providers')) !== alice.address) {
    throw new Error('choosing the offer does not name its provider');
  }
  await page.selectOption('#descriptor-image', 'debian-12');
  await page.fill('#funding', '0.5');
  await eventually('a short runway is refused', async () => page.locator('#subscribe').isDisabled());
  const refusal = await page.locator('#funding-problem').innerText();
  if (!refusal.includes('at least 600 blocks') || !refusal.includes('0.6 DINF')) throw new Error(`unexpected refusal: ${refusal}`);
  if ((await page.getAttribute('#funding', 'aria-invalid')) !== 'true') throw new Error('the funding field is not marked invalid');
  await page.fill('#funding', '0.6');
  await eventually('the runway is shown', async () => (await page.locator('#runway').innerText()) === '600 blocks: about 1 h of running at this price');
  await eventually('the form can be sent', async () => !(await page.locator('#subscribe').isDisabled()));
  const cid = await page.locator('#descriptor-cid').innerText();
  await shot('subscribe-form');
  await page.click('#subscribe');
  await finalized('subscribe to type 0');
  const openedAt = (await api.rpc.chain.getHeader()).number.toNumber();

  // The award: the page moves to My subscriptions, whose card shows Alice by name.
  await eventually('the page shows my subscriptions', async () => page.locator('#view-subscriptions').isVisible());
  const row = page.locator('#subscriptions [data-subscription]').first();
  await eventually('the award shows', async () => (await row.locator('.provider [data-address]').getAttribute('data-address')) === alice.address);
  await eventually('the provider is named', async () => (await row.locator('.provider').innerText()).includes('alice cloud'));
  const id = Number(await row.getAttribute('data-subscription'));
  const onChain = (await api.query.dinfraSubscription.subscriptions(id)).unwrap();
  if (new TextDecoder().decode(onChain.descriptorCid.toU8a(true)) !== cid) throw new Error('the CID on chain is not the page\'s');
  await shot('awarded');

  // The provider reports it running (as OGate would); the page shows the endpoint.
  await new Promise((resolve, reject) =>
    api.tx.dinfraSubscription
      .reportDeployment(id, { Running: { endpoint: 'http://127.0.0.1:20000' } })
      .signAndSend(alice, ({ status, dispatchError }) => {
        if (dispatchError) reject(new Error(dispatchError.toString()));
        if (status.isFinalized) resolve();
      })
      .catch(reject),
  );
  await eventually('Running shows', async () => (await row.locator('.phase').innerText()) === 'Running');
  await eventually('the endpoint shows', async () => (await row.locator('.endpoint').innerText()) === 'http://127.0.0.1:20000');
  // Times are durations and local dates, not block numbers.
  await eventually('the phase says for how long', async () => /^Running for .+, since (\w{3} )?\d\d:\d\d$/.test(await row.locator('.phase-since').innerText()));
  await eventually('the expiry is a time', async () => /^in (\d+ h )?\d+ min, (\w{3} )?\d\d:\d\d$/.test(await row.locator('.expires').innerText()));
  await eventually('the runway is in DINF and time', async () => /^0\.\d+ DINF left: \d+ blocks, about .+ at this price(\. Funds are low: top up)?\.$/.test(await row.locator('.runway').innerText()));
  // Alice's view adds her gateway's: OGate verified the descriptor and saw the report.
  await page.selectOption('#account', alice.address);
  await open('provider');
  await page.fill('#ogate-token', 'console-token-1');
  await eventually("the gateway's view shows", async () =>
    (await page.locator('#deployments').innerText()).includes('running'),
  );
  await shot('provider-view');
  await page.fill('#ogate-token', '');
  await page.selectOption('#account', bob.address);
  await open('subscriptions');
  await eventually('Bob\'s card is back', async () => (await row.locator('.phase').innerText()) === 'Running');
  await shot('running');

  // A top-up of more than Bob has is refused beside the card's amount, in words (no codes), and
  // nothing is put in.
  const funded = (await api.call.dinfraApi.subscription(id)).unwrap();
  const heldBefore = funded.balance.toBigInt() + funded.paid.toBigInt();
  await row.locator('.top-up-amount').fill('1,000,000,000');
  await row.locator('.top-up').click();
  await eventually('the refusal is said beside the card', async () => (await row.locator('.card-error').innerText()) !== '');
  const refused = await row.locator('.card-error').innerText();
  if (/[{}"]|dinfra\w+\.|Token\.|Module/.test(refused)) throw new Error(`the refusal is not in plain words: ${refused}`);
  console.log(`browser test: an unaffordable top-up is refused: "${refused}" (${await row.locator('.card-error').getAttribute('data-code')})`);
  const after = (await api.call.dinfraApi.subscription(id)).unwrap();
  if (after.balance.toBigInt() + after.paid.toBigInt() !== heldBefore) throw new Error('a refused top-up changed what was put in');
  // The activity list starts afresh, so that the next top-up's outcome is not read from this one's.
  await page.evaluate(() => document.getElementById('activity').replaceChildren());

  // A top-up, double-clicked: it is sent once (what was put in grows by 0.1 DINF, not 0.2); the
  // balance shown is the chain's, in DINF.
  const putIn = async () => {
    const view = (await api.call.dinfraApi.subscription(id)).unwrap();
    return view.balance.toBigInt() + view.paid.toBigInt();
  };
  const before = await putIn();
  await row.locator('.top-up-amount').fill('0.1');
  await row.locator('.top-up').dblclick();
  await finalized(`top up ${id}`);
  await new Promise((r) => setTimeout(r, 2_000));
  if ((await putIn()) - before !== 100_000_000_000n) throw new Error(`a double click put in ${(await putIn()) - before} units, not 0.1 DINF`);
  if ((await activity()).split(`top up ${id}: signing`).length !== 2) throw new Error('a double click signed twice');
  await eventually('the balance shown matches the chain', async () => {
    const view = (await api.call.dinfraApi.subscription(id)).unwrap();
    const balance = view.balance.toBigInt();
    return (await row.locator('.balance').innerText()) === formatDinf(balance) && balance > 500_000_000_000n;
  });
  // The balance history is drawn from the chain: the opening, and the top-up's turn.
  await eventually('the balance history is drawn', async () => {
    const points = (await row.locator('svg.chart polyline').getAttribute('points')) ?? '';
    return points.split(' ').length >= 3 && (await row.locator('figure.history').getAttribute('data-history')) === 'opening'
      && (await row.locator('figcaption').innerText()).startsWith('Funds left since it was opened');
  });
  await shot('topped-up');

  // A standing top-up: set in the page, shown from the chain, cancelled after a confirmation.
  await row.locator('.standing-amount').fill('0.05');
  await row.locator('.standing-interval').fill('10');
  await row.locator('.standing-cap').fill('0.2');
  await row.locator('.standing-set').click();
  await finalized(`standing top-up ${id}`);
  const standing = (await api.query.dinfraSubscription.standingTopUps(id)).unwrap();
  if (standing.sponsor.toString() !== bob.address || standing.amount.toBigInt() !== 50_000_000_000n || standing.minInterval.toNumber() !== 10 || standing.cap.toBigInt() !== 200_000_000_000n) {
    throw new Error(`the standing top-up on chain is not the page's: ${standing.toString()}`);
  }
  await eventually('the standing top-up shows', async () =>
    (await row.locator('.standing').innerText()) === '0.05 DINF when funds run low, at most every 1 min; 0.2 DINF of 0.2 DINF left; paid by you',
  );
  await shot('standing-top-up');
  await row.locator('.standing-cancel').click();
  await eventually('the cancel is asked first', async () => page.locator('#confirm').isVisible());
  await page.click('#confirm-yes');
  await finalized(`cancel standing top-up ${id}`);
  await eventually('the standing top-up is gone', async () => (await row.locator('.standing').innerText()) === 'none');
  if ((await api.query.dinfraSubscription.standingTopUps(id)).isSome) throw new Error('the chain still holds the standing top-up');

  // Suspension: Root shortens the minimum runway, Bob subscribes for 50 blocks, Alice reports it
  // running; when its funds run out the page shows it suspended with its grace and what a
  // resume needs, and Bob's top-up in the page resumes it.
  const signed = (tx, who) =>
    new Promise((resolve, reject) =>
      tx.signAndSend(who, ({ status, dispatchError }) => {
        if (dispatchError) reject(new Error(dispatchError.toString()));
        // With fast blocks the node may report a transaction finalized without in-block first.
        if (status.isInBlock || status.isFinalized) resolve();
        if (status.isInvalid || status.isDropped || status.isUsurped) reject(new Error(`transaction ${status.type}`));
      }).catch(reject),
    );
  await signed(api.tx.sudo.sudo(api.tx.dinfraSubscription.setMinRunway(50)), alice);
  const second = (await api.query.dinfraSubscription.intake()).nextId.toNumber();
  await signed(api.tx.dinfraSubscription.subscribe(0, cid, 'Any', 1_000_000_000n, 50_000_000_000n), bob);
  await eventually('the second subscription is awarded', async () => (await api.call.dinfraApi.subscription(second)).unwrap().phase.type === 'Provisioning');
  await signed(api.tx.dinfraSubscription.reportDeployment(second, { Running: { endpoint: 'http://127.0.0.1:20001' } }), alice);
  const suspendedRow = page.locator(`#subscriptions [data-subscription="${second}"]`);
  await eventually('the suspension shows with its grace', async () => {
    const runway = await suspendedRow.locator('.runway').innerText();
    return (await suspendedRow.locator('.phase').innerText()) === 'Suspended'
      && /^Suspended, funds ran out: its state is kept for .+ more \(ends in .+\); top up at least 0\.05 DINF to resume\.$/.test(runway);
  }, 60_000);
  await shot('suspended');
  await audit('suspended');
  await open('subscriptions');
  await suspendedRow.locator('.top-up-amount').fill('0.05');
  await suspendedRow.locator('.top-up').click();
  await finalized(`top up ${second}`);
  await eventually('it runs again', async () => (await suspendedRow.locator('.phase').innerText()) === 'Running');
  if ((await api.call.dinfraApi.subscription(second)).unwrap().phase.type !== 'Running') throw new Error('the chain does not show it resumed');
  await shot('resumed');

  // The browser forgets (storage cleared, page reloaded) and the node has pruned the first
  // subscription's opening: its history is read again from the states the node still has, and
  // the caption says it does not reach back to the opening.
  // OGate goes first: its chain follower pins blocks, whose state the node then keeps. The
  // opening's state is gone once the test's own client cannot read it either.
  ogate.kill('SIGTERM');
  await eventually('the node has pruned the opening', async () => {
    if ((await api.rpc.chain.getHeader()).number.toNumber() <= openedAt + 70) return false;
    try {
      await (await api.at(await api.rpc.chain.getBlockHash(openedAt))).query.system.number();
      return false;
    } catch {
      return true;
    }
  });
  // Cleared as the reloaded page starts: the page being left writes its history at every block,
  // so a clear before the reload could be undone by it.
  await page.addInitScript(() => localStorage.clear());
  await page.reload();
  await eventually('the page connects again', async () => (await page.locator('#connection').innerText()) === 'Connected');
  await eventually('dev accounts are listed again', async () => (await page.locator('#account option').count()) === 6);
  await page.selectOption('#account', bob.address);
  await open('subscriptions');
  const historyState = async () =>
    `${await row.locator('figure.history').getAttribute('data-history')}: ${await row.locator('figcaption').innerText()}`;
  await eventually('the partial history says so', async () => {
    const state = await historyState();
    if (state.startsWith('partial: Funds left since the oldest state the node keeps')) return true;
    throw new Error(`the history shows ${state}`);
  });
  // It reaches back about as far as the node's 64 blocks of state, not only to the reload.
  const since = Number(await row.locator('figure.history').getAttribute('data-since'));
  if (since < 30) throw new Error(`the partial history reaches back only ${since} relay blocks`);
  if (((await row.locator('svg.chart polyline').getAttribute('points')) ?? '').split(' ').length < 2) throw new Error('no partial history drawn');
  await shot('history-after-pruning');

  // A card's controls are reached by keyboard, in order: the amount, Top up, Terminate.
  await row.locator('.top-up-amount').focus();
  const reached = [];
  for (let i = 0; i < 3; i += 1) {
    if (i > 0) await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement?.className ?? ''));
  }
  if (!reached[0].includes('top-up-amount') || !reached[1].includes('top-up') || !reached[2].includes('terminate')) {
    throw new Error(`the keyboard does not reach the card's controls in order: ${reached.join(', ')}`);
  }

  // Bob terminates: the page asks first, and keeping it sends nothing; confirmed, the
  // subscription is gone from the page, and the chain holds only the record of its end.
  await page.keyboard.press('Enter');
  await eventually('the termination is asked first', async () => page.locator('#confirm').isVisible());
  if (!(await page.locator('#confirm-body').innerText()).includes('This cannot be undone.')) throw new Error('the question does not say what happens');
  await shot('terminate-asked');
  await page.keyboard.press('Escape');
  await eventually('the question is gone', async () => !(await page.locator('#confirm').isVisible()));
  await new Promise((r) => setTimeout(r, 1_000));
  if ((await api.query.dinfraSubscription.subscriptions(id)).isNone) throw new Error('keeping it terminated it');
  await row.locator('.terminate').click();
  await page.click('#confirm-yes');
  await finalized(`terminate ${id}`);
  await eventually('the card is gone', async () => (await page.locator(`#subscriptions [data-subscription="${id}"]`).count()) === 0);
  if ((await api.query.dinfraSubscription.subscriptions(id)).isSome) throw new Error('the chain still holds the subscription');
  const ended = await api.call.dinfraApi.subscription(id);
  if (!ended.isSome || ended.unwrap().phase.type !== 'Ended') throw new Error(`the chain does not show the end: ${ended.toString()}`);
  const reason = ended.unwrap().ended.unwrap().reason.type;
  if (reason !== 'BySubscriber') throw new Error(`the end's reason is ${reason}`);
  await shot('terminated');

  // The node goes away: the status bar says the connection is lost, and a top-up is refused
  // beside its card in words, with nothing sent, instead of waiting for a node that may not
  // come back.
  node.kill('SIGKILL');
  await eventually('the lost connection shows', async () => (await page.locator('#connection').innerText()).startsWith('Connection lost'));
  await suspendedRow.locator('.top-up-amount').fill('0.01');
  await suspendedRow.locator('.top-up').click();
  await eventually('the top-up is refused while disconnected', async () =>
    (await suspendedRow.locator('.card-error').innerText()) === 'The connection to the node is lost: nothing was sent. Try again once it is back.',
  );
  await shot('connection-lost');
  console.log(`browser test: passed (subscription ${id}); screenshots in ${artifacts}`);
} catch (e) {
  failed = true;
  console.error(`browser test: FAILED: ${e instanceof Error ? e.stack : e}`);
} finally {
  await browser?.close();
  await server?.close();
  ogate?.kill('SIGTERM');
  await api?.disconnect();
  node.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
