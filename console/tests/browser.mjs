// The console in Debian's Chromium against a real `dinfra-node --dev`, driven by playwright-core:
// a provider sets up in the page, a dev account subscribes and sees the award, the deployment
// shows Running after the provider's report, a top-up, a standing top-up set and cancelled, a
// suspension shown with its grace and resumed by a top-up, and a termination, each checked
// against the chain. A screenshot of each step goes to test-artifacts/.
//
// Needs the built node ($CARGO_TARGET_DIR/debug/dinfra-node) and /usr/bin/chromium.

import { spawn } from 'node:child_process';
import { mkdirSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
  ['--dev', '--dev-block-time', '200', '--tmp', '--rpc-port', String(rpcPort), '--port', String(await freePort()), '--no-prometheus'],
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

  browser = await chromium.launch({ executablePath: browserBinary, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
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

  await page.goto(pageUrl);
  await eventually('the page connects', async () => (await page.locator('#connection').innerText()) === 'Connected');
  await eventually('dev accounts are listed', async () => (await page.locator('#account option').count()) === 6);
  await shot('connected');

  // The provider (Alice) registers and offers vm-small from the page.
  await page.selectOption('#account', alice.address);
  await page.click('#provider-register');
  await finalized('register provider');
  // Registering again fails on chain; the page says so in the pallet's documented words.
  await page.click('#provider-register');
  await eventually('the dispatch error is explained', async () =>
    /register provider failed: dinfraProvider\.\w+: \S/.test(await activity()),
  );
  await page.fill('#provider-metadata', '{"name":"alice cloud"}');
  await page.click('#provider-update');
  await finalized('update provider');
  const provider = (await api.query.dinfraProvider.providers(alice.address)).unwrap();
  if (new TextDecoder().decode(provider.metadata.toU8a(true)) !== '{"name":"alice cloud"}') {
    throw new Error('the provider metadata on chain is not the page\'s');
  }
  await page.fill('#offering-type', '0');
  await page.fill('#offering-capacity', '8');
  await page.fill('#offering-price', '0.001');
  await page.click('#offering-create');
  await finalized('offering create');
  // Beside the offer: the collateral behind its 8 units (10 DINF each) and Alice's record.
  await eventually('the offer is quoted with its collateral and record', async () => {
    const quoted = await page.locator('#quotes').innerText();
    return quoted.includes(alice.address) && quoted.includes('80 DINF held') && quoted.includes('new: no awards yet');
  });
  await shot('provider-offers');

  // Bob subscribes; below the minimum runway the page refuses to send.
  await page.selectOption('#account', bob.address);
  await page.selectOption('#descriptor-image', 'debian-12');
  await page.fill('#funding', '0.5');
  await eventually('a short runway is refused', async () => page.locator('#subscribe').isDisabled());
  const refusal = await page.locator('#subscribe-problem').innerText();
  if (!refusal.includes('at least 600 blocks')) throw new Error(`unexpected refusal: ${refusal}`);
  await page.fill('#funding', '0.6');
  await eventually('the runway is shown', async () => (await page.locator('#runway').innerText()) === '600 blocks, 1.0 h');
  await eventually('the form can be sent', async () => !(await page.locator('#subscribe').isDisabled()));
  const cid = await page.locator('#descriptor-cid').innerText();
  await shot('subscribe-form');
  await page.click('#subscribe');
  await finalized('subscribe to type 0');

  // The award: the row shows Alice as the provider.
  const row = page.locator('#subscriptions tr').first();
  await eventually('the award shows', async () => (await row.locator('.provider').innerText()) === alice.address);
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
  // Alice's view adds her gateway's: OGate verified the descriptor and saw the report.
  await page.selectOption('#account', alice.address);
  await page.fill('#ogate-token', 'console-token-1');
  await eventually("the gateway's view shows", async () =>
    (await page.locator('#deployments').innerText()).includes('running'),
  );
  await shot('provider-view');
  await page.fill('#ogate-token', '');
  await page.selectOption('#account', bob.address);
  await eventually('Bob\'s row is back', async () => (await row.locator('.phase').innerText()) === 'Running');
  await shot('running');

  // A top-up; the balance shown is the chain's.
  await row.locator('.top-up-amount').fill('0.1');
  await row.locator('.top-up').click();
  await finalized(`top up ${id}`);
  await eventually('the balance shown matches the chain', async () => {
    const view = (await api.call.dinfraApi.subscription(id)).unwrap();
    const shown = await row.locator('.balance').innerText();
    const balance = view.balance.toBigInt();
    const whole = balance / 10n ** 12n;
    const fraction = (balance % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
    return shown === `${whole}${fraction ? `.${fraction}` : ''} DINF` && balance > 500_000_000_000n;
  });
  await shot('topped-up');

  // A standing top-up: set in the page, shown from the chain, cancelled.
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
    (await row.locator('.standing').innerText()) === '0.05 DINF when funds run low, at most every 10 blocks; 0.2 DINF of 0.2 DINF left; paid by you',
  );
  await shot('standing-top-up');
  await row.locator('.standing-cancel').click();
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
  const suspendedRow = page.locator(`#subscriptions tr[data-subscription="${second}"]`);
  await eventually('the suspension shows with its grace', async () => {
    const runway = await suspendedRow.locator('.runway').innerText();
    return (await suspendedRow.locator('.phase').innerText()) === 'Suspended'
      && /^suspended: its grace ends in \d+ blocks \(about .+\); top up at least 0\.05 DINF to resume$/.test(runway);
  }, 60_000);
  await shot('suspended');
  await suspendedRow.locator('.top-up-amount').fill('0.05');
  await suspendedRow.locator('.top-up').click();
  await finalized(`top up ${second}`);
  await eventually('it runs again', async () => (await suspendedRow.locator('.phase').innerText()) === 'Running');
  if ((await api.call.dinfraApi.subscription(second)).unwrap().phase.type !== 'Running') throw new Error('the chain does not show it resumed');
  await shot('resumed');

  // Bob terminates; the subscription is gone from the page, and the chain holds only the record
  // of its end: phase Ended, ended by the subscriber.
  await row.locator('.terminate').click();
  await finalized(`terminate ${id}`);
  await eventually('the row is gone', async () => (await page.locator(`#subscriptions tr[data-subscription="${id}"]`).count()) === 0);
  if ((await api.query.dinfraSubscription.subscriptions(id)).isSome) throw new Error('the chain still holds the subscription');
  const ended = await api.call.dinfraApi.subscription(id);
  if (!ended.isSome || ended.unwrap().phase.type !== 'Ended') throw new Error(`the chain does not show the end: ${ended.toString()}`);
  const reason = ended.unwrap().ended.unwrap().reason.type;
  if (reason !== 'BySubscriber') throw new Error(`the end's reason is ${reason}`);
  await shot('terminated');
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
