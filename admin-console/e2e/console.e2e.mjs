#!/usr/bin/env node
// End-to-end test of the console against the real `tunely` binary.
//
//   TUNELY_BIN=/path/to/tunely npm run test:e2e      (after `npm run build`)
//
// Starts `tunely server` (SQLite in a temp dir, a random admin key, --console-dir dist),
// a small JSON target service and headless Chromium (in the Europe/Berlin zone), then walks a user's path:
// wrong key refused (the sign-in page says where the key is) → sign in → the empty dashboard's first
// steps, run for real (its create command, its connect command with the server's websocket_url, its public
// URLs by path and by Host answer through the tunnel; the steps go) → create a tunnel (token + command,
// Copy checked on the clipboard) → `tunely connect` → badge turns online without a reload → its public URL
// links (new tab, noopener, Copy) → a request through the tunnel, and a hostile POST → found on the Requests
// page with status 200, times in the browser's zone with UTC tooltips → "Copy as curl" of the POST run in
// bash: the target gets the same request and nothing in it was executed → rotate the token
// (badge offline, the client logs an auth failure on reconnect) → delete → a tcp tunnel with
// tcp_port "auto" (the server runs with --tcp-ports): its tcp://host:port in the list, a real client
// with a TCP target, bytes echoed through that port and the live "1 TCP" count beside the badge.
// Screenshots of each main screen go to e2e-artifacts/ (with the child processes' logs).
//
// Ports: the server is started with --port 0 and its "listening on" line is read (no
// free-port race); the target listens on port 0 too. No fixed sleeps: every wait polls
// a condition under a deadline. Exit code 0 on success, 1 on any failure or after 120 s.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const OVERALL_TIMEOUT_MS = 120_000;
// Ports the server may assign to tunnels (tcp_port "auto" takes the lowest free one).
const TCP_PORTS = [47000, 47100];
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// The browser's zone: not UTC, so the console's zone labels and UTC tooltips are told apart.
const BROWSER_ZONE = 'Europe/Berlin';
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const consoleDir = join(root, 'dist');
const artifacts = join(root, 'e2e-artifacts');

const startedAt = Date.now();
const children = []; // { name, proc, output: string }
let browser = null;
let work = null; // temp dir
let finished = false;

const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[${elapsed().padStart(7)}] ${msg}`);

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Thrown by a probe to stop waiting at once (e.g. the process being waited on has exited). */
class Fatal extends Error {}

/** Polls `probe` until it returns a truthy value; throws `what` after `timeoutMs` or a Fatal at once. */
async function until(what, probe, timeoutMs = 15_000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function start(name, cmd, args) {
  log(`start ${name}: ${[cmd, ...args].map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const child = { name, proc, output: '', exited: null };
  const append = (chunk) => {
    child.output += chunk.toString();
  };
  proc.stdout.on('data', append);
  proc.stderr.on('data', append);
  proc.on('exit', (code, signal) => {
    child.exited = { code, signal };
    if (!finished) log(`${name} exited (code ${code}, signal ${signal})`);
  });
  proc.on('error', (e) => {
    child.output += `\n[spawn error] ${e.message}\n`;
    child.exited = { code: -1, signal: null };
  });
  children.push(child);
  return child;
}

async function stopChild(child) {
  if (child.exited) return;
  child.proc.kill('SIGTERM');
  const end = Date.now() + 3000;
  while (!child.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  if (!child.exited) child.proc.kill('SIGKILL');
}

async function cleanup() {
  finished = true;
  try {
    await browser?.close();
  } catch {
    // already gone
  }
  await Promise.all(children.map(stopChild));
  for (const c of children) {
    try {
      writeFileSync(join(artifacts, `${c.name}.log`), c.output);
    } catch {
      // artifacts dir missing: nothing to keep
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
}

// Last resort if the process is torn down without cleanup (children must not outlive us).
process.on('exit', () => {
  for (const c of children) if (!c.exited) c.proc.kill('SIGKILL');
});

async function fail(error, page) {
  if (finished) return;
  console.error(`\nE2E FAILED after ${elapsed()}: ${error?.stack || error}`);
  if (page) {
    try {
      await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true });
      console.error(`screenshot: ${join(artifacts, 'failure.png')}`);
    } catch {
      // page gone
    }
  }
  for (const c of children) {
    console.error(`\n--- last output of ${c.name} ---\n${c.output.split('\n').slice(-25).join('\n')}`);
  }
  await cleanup();
  console.log(`total run time: ${elapsed()}`);
  process.exit(1);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void fail(new Error(`interrupted by ${sig}`)));

/** A TCP target echoing every byte back. */
function startEcho() {
  return new Promise((resolveListen) => {
    const server = net.createServer((socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1', () => resolveListen(server));
  });
}

/** Connects to 127.0.0.1:port, sends `text` and resolves with it echoed back whole; the socket stays open. */
function echoThrough(port, text) {
  return new Promise((resolveEcho, rejectEcho) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => {
      got += d;
      if (got === text) resolveEcho(socket);
    });
    socket.on('error', rejectEcho);
    socket.on('close', () => rejectEcho(new Error(`closed after "${got}"`)));
  });
}

/** A target service answering JSON for every request. */
function startTarget() {
  return new Promise((resolveListen) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const payload = JSON.stringify({ ok: true, from: 'e2e-target', method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      });
    });
    server.listen(0, '127.0.0.1', () => resolveListen(server));
  });
}

/** GET `path` from 127.0.0.1:port with the Host field `host` (Host routing without DNS); resolves { status, body }. */
function getWithHost(port, host, path) {
  return new Promise((resolveGet, rejectGet) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode, body }));
    });
    req.on('error', rejectGet);
  });
}

/** Runs `file args` to its end; resolves its stdout, rejects with its output on a non-zero exit. */
function run(file, args, options = {}) {
  return new Promise((resolveRun, rejectRun) => {
    execFile(file, args, { timeout: 15_000, ...options }, (error, stdout, stderr) => {
      if (error) rejectRun(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolveRun(stdout);
    });
  });
}

/** Runs a command line as pasted into bash (no rc files), in `cwd`; resolves its stdout. */
function runInBash(command, cwd) {
  return run('bash', ['--norc', '--noprofile', '-c', command], { cwd });
}

async function main() {
  const bin = process.env.TUNELY_BIN;
  check(bin, 'TUNELY_BIN is not set (path of the built `tunely` binary)');
  check(existsSync(bin), `TUNELY_BIN=${bin} does not exist`);
  check(existsSync(join(consoleDir, 'index.html')), `${consoleDir}/index.html is missing: run \`npm run build\` first`);
  check(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  rmSync(artifacts, { recursive: true, force: true }); // only this run's screenshots and logs
  mkdirSync(artifacts, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'tunely-console-e2e-'));
  const adminKey = `e2e-key-${randomBytes(16).toString('hex')}`;
  const domain = `e2e-${randomBytes(4).toString('hex')}`;

  // 1. Server and target.
  const server = start('server', bin, [
    'server',
    '--host', '127.0.0.1',
    '--port', '0',
    '--database', `sqlite:///${join(work, 't.db')}`,
    '--admin-key', adminKey,
    '--console-dir', consoleDir,
    '--tcp-ports', `${TCP_PORTS[0]}-${TCP_PORTS[1]}`,
  ]);
  const port = await until(
    'the server to listen',
    () => {
      if (server.exited) throw new Fatal(`the server exited early (is --console-dir supported?):\n${server.output}`);
      const m = server.output.match(/listening on http:\/\/[^\s:]+:(\d+)/);
      return m && Number(m[1]);
    },
    20_000,
  );
  const base = `http://127.0.0.1:${port}`;
  log(`server at ${base}`);
  const target = await startTarget();
  const targetPort = target.address().port;
  log(`target at http://127.0.0.1:${targetPort}`);

  const adminApi = (path, init = {}) =>
    fetch(base + path, { ...init, headers: { 'x-api-key': adminKey, ...(init.headers ?? {}) } });

  // 2. Browser.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: BROWSER_ZONE });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const shot = async (name) => {
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    log(`screenshot ${name}.png`);
  };

  try {
    // 3. Sign-in: a wrong key is refused, the right one is kept in sessionStorage only.
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Admin key').waitFor();
    check(new URL(page.url()).pathname === '/admin/signin', `expected /admin/signin, got ${page.url()}`);
    await shot('01-sign-in');
    const keyHelp = (await page.getByRole('region', { name: 'Where is the key?' }).textContent()).replace(/\s+/g, ' ');
    check(keyHelp.includes('<data dir>/admin.key (mode 0600; ./data/admin.key with make run)') && keyHelp.includes('TUNELY_ADMIN_KEY'),
      `the sign-in page says "${keyHelp}" about the key`);
    await page.getByLabel('Admin key').fill('definitely-not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid admin key' }).waitFor();
    log('wrong key refused');
    await page.getByLabel('Admin key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByTestId('stat-tunnels').waitFor();
    const storage = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    check(storage.session.includes(adminKey), 'the admin key is not in sessionStorage');
    check(storage.local === 0 && !storage.cookie.includes(adminKey), 'the admin key leaked to localStorage or cookies');
    log('signed in');

    // 3b. No tunnels yet: the dashboard's first steps, with this server's addresses. Then done as a new user
    // would, with the commands as shown and only the placeholders (…) filled in.
    const info = await (await fetch(`${base}/api/info`)).json();
    const steps = page.getByTestId('first-steps');
    await steps.waitFor();
    const stepText = async (id) => (await page.getByTestId(id).textContent()).trim();
    const createStep = await stepText('step-create');
    check(createStep === `tunely tunnel create myapp --server ${base} --admin-key …`, `the create step reads "${createStep}"`);
    const connectStep = await until('the connect step with the server websocket_url', async () => {
      const text = await stepText('step-connect');
      return text.includes(info.websocket_url) ? text : null;
    });
    check(connectStep === `tunely connect --server ${info.websocket_url} --token … --target http://localhost:3000`,
      `the connect step reads "${connectStep}"`);
    const stepPathUrl = await stepText('step-url-path');
    check(stepPathUrl === `${base}/t/myapp/`, `the URL step reads "${stepPathUrl}"`);
    // The server's default --domain is localhost, and this console is reached on loopback.
    const stepHostUrl = await stepText('step-url-host');
    check(stepHostUrl === `http://myapp.localhost:${port}/`, `the Host URL step reads "${stepHostUrl}"`);
    await steps.getByRole('button', { name: 'Create a tunnel' }).click();
    await page.getByRole('dialog', { name: 'New tunnel' }).getByRole('button', { name: 'Cancel' }).click();
    await shot('02a-first-steps');
    const [createWord, ...createArgs] = createStep.replace('…', adminKey).split(' ');
    check(createWord === 'tunely', `the create step does not start with tunely: "${createStep}"`);
    const createdByCli = await run(bin, createArgs);
    const cliToken = createdByCli.match(/Token \(shown once, store it now\): (\S+)/)?.[1];
    check(cliToken, `tunely tunnel create printed:\n${createdByCli}`);
    const [, ...connectArgs] = connectStep.replace('…', cliToken).replace('http://localhost:3000', `http://127.0.0.1:${targetPort}`).split(' ');
    const firstClient = start('first-steps-client', bin, connectArgs);
    const viaPath = await until('the first steps public URL to answer', async () => {
      if (firstClient.exited) throw new Fatal(`the first steps client exited:\n${firstClient.output}`);
      const r = await fetch(`${stepPathUrl}first`);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      return r.json();
    }, 20_000);
    check(viaPath.from === 'e2e-target' && viaPath.url === '/first', `the path URL answered ${JSON.stringify(viaPath)}`);
    const viaHost = await getWithHost(port, new URL(stepHostUrl).host, '/by-host');
    check(viaHost.status === 200 && JSON.parse(viaHost.body).url === '/by-host', `the Host URL answered ${viaHost.status} ${viaHost.body}`);
    await steps.waitFor({ state: 'detached' }); // the dashboard counts the tunnel now
    await stopChild(firstClient);
    check((await adminApi('/api/tunnels/myapp', { method: 'DELETE' })).status === 200, 'could not delete the first steps tunnel');
    log('first steps: the create and connect commands and both public URLs work as shown');

    // 4. Create a tunnel; the token and the command are shown once, Copy fills the clipboard.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tunnels' }).click();
    await page.getByRole('heading', { name: 'Tunnels' }).waitFor();
    // Marks this document: if the page reloads, the mark is gone.
    await page.evaluate(() => {
      window.__e2eNoReload = true;
    });
    await page.getByRole('button', { name: 'New tunnel' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Domain').fill(domain);
    await dialog.getByText('Available', { exact: true }).waitFor();
    await dialog.getByLabel('Name (optional)').fill('E2E tunnel');
    await dialog.getByRole('button', { name: 'Create tunnel' }).click();
    const token = (await page.getByTestId('new-token').textContent()).trim();
    check(/^tun_[A-Za-z0-9_-]{20,}$/.test(token), `unexpected token "${token}"`);
    // The WebSocket URL comes from /api/info, fetched by the dialog.
    const command = await until('the connect command with the server URL', async () => {
      const text = (await page.getByTestId('connect-command').textContent()).trim();
      return text.includes(`127.0.0.1:${port}`) ? text : null;
    });
    const m = command.match(/^tunely connect --server (\S+) --token (\S+) --target http:\/\/localhost:3000$/);
    check(m, `unexpected command "${command}"`);
    check(m[2] === token, 'the command carries another token');
    const wsUrl = m[1];
    await page.getByRole('button', { name: 'Copy command' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    check(clip === command, `clipboard holds "${clip}", expected the command`);
    log(`tunnel ${domain} created; command copied`);
    await shot('03-create-dialog-token');
    await page.getByRole('button', { name: 'Done' }).click();
    const badge = page.getByTestId(`status-${domain}`);
    await until('the badge to read offline', async () => (await badge.textContent()) === 'offline');

    // 5. Connect a real client; the badge turns online without a reload.
    const client = start('client', bin, ['connect', '--server', wsUrl, '--token', token, '--target', `http://127.0.0.1:${targetPort}`]);
    await until(
      'the badge to turn online',
      async () => {
        if (client.exited) throw new Fatal(`the client exited:\n${client.output}`);
        return (await badge.textContent()) === 'online';
      },
      20_000,
    );
    check(await page.evaluate(() => window.__e2eNoReload === true), 'the page was reloaded');
    const row = page.getByTestId(`tunnel-row-${domain}`);
    check((await row.textContent()).includes('127.0.0.1:'), 'the row does not show the client address');
    log('badge online (no reload)');

    // 5b. The row's public URLs (path and Host routing): links to a new tab without an opener, each with Copy.
    const tunnelUrl = `${base}/t/${domain}/`;
    const urlCell = page.getByTestId(`addresses-${domain}`);
    const urls = await urlCell.locator('.address').allTextContents();
    check(urls.join(' ') === `${tunnelUrl} http://${domain}.localhost:${port}/`, `the public address cell reads ${JSON.stringify(urls)}`);
    const urlLink = urlCell.getByRole('link', { name: tunnelUrl, exact: true });
    const rel = (await urlLink.getAttribute('rel')) ?? '';
    check((await urlLink.getAttribute('target')) === '_blank' && rel.split(' ').includes('noopener'), `the link has target/rel ${rel}`);
    const [tab] = await Promise.all([context.waitForEvent('page'), urlLink.click()]);
    await tab.waitForLoadState();
    await until('the new tab to show the target answer', async () => (await tab.locator('body').textContent()).includes('e2e-target'));
    check(tab.url() === tunnelUrl, `the new tab is at ${tab.url()}`);
    check(await tab.evaluate(() => window.opener === null), 'the tunnel page got a handle on the console (window.opener)');
    await tab.close();
    await urlCell.getByRole('button', { name: `Copy ${tunnelUrl}` }).click();
    const copiedUrl = await page.evaluate(() => navigator.clipboard.readText());
    check(copiedUrl === tunnelUrl, `clipboard holds "${copiedUrl}", expected the public URL`);
    log('public URL: link opens the tunnel in a new tab (no opener), Copy fills the clipboard');

    // 6. A request through the tunnel.
    const answer = await until('a 200 through the tunnel', async () => {
      const r = await fetch(`${base}/t/${domain}/hello?from=e2e`);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      return r.json();
    });
    check(answer.from === 'e2e-target' && answer.url.startsWith('/hello'), `unexpected answer ${JSON.stringify(answer)}`);
    // A POST whose path, header and body would run commands if a shell ever expanded them.
    const note = `it's $(touch PWNED-header) \`touch PWNED-tick\` $HOME "q"`;
    const postBody = `{"msg":"it's $(touch PWNED-body) \`touch PWNED-tick\` $HOME"}\nline 2 'quoted' !!`;
    const posted = await fetch(`${base}/t/${domain}/echo/it's/$(touch PWNED-path)?q=$(id)&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-e2e-note': note, authorization: 'Bearer not-for-the-log' },
      body: postBody,
    });
    check(posted.status === 200, `the POST answered ${posted.status}`);
    const postAnswer = await posted.json();
    check(postAnswer.body === postBody && postAnswer.headers['x-e2e-note'] === note, `the POST reached the target as ${JSON.stringify(postAnswer)}`);
    log('requests through the tunnel answered 200');
    await shot('04-tunnels');

    // 7. Detail page with the live session and the request.
    await row.getByRole('link', { name: domain, exact: true }).click();
    await page.getByTestId('live-session').getByText('Client address').waitFor();
    check((await page.getByTestId('public-url').locator('.address').allTextContents())[0] === tunnelUrl, 'the detail page has no Public URL line');
    await until('the request on the detail page', async () => (await page.getByTestId('request-row').count()) > 0, 15_000);
    await shot('05-tunnel-detail');

    // 8. Requests page: the request is listed with 200; its detail shows the JSON body.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests' }).click();
    const requestRow = page.getByTestId('request-row').filter({ hasText: '/hello' }).filter({ hasText: domain }).first();
    await requestRow.waitFor({ timeout: 20_000 });
    const rowText = await requestRow.textContent();
    check(rowText.includes('GET') && rowText.includes('200'), `request row reads "${rowText}"`);
    await requestRow.getByRole('button').click();
    const panel = page.getByRole('complementary');
    await panel.getByRole('heading', { name: /GET .*\/hello/ }).waitFor();
    // The stored response body is pretty-printed JSON (only a warning: body capture is the server's business).
    await panel
      .getByText('"from": "e2e-target"')
      .waitFor({ timeout: 3000 })
      .catch(() => log('warning: the response body is not shown in the detail panel'));
    log('request found on the Requests page with status 200');
    // Times: the zone once in the header, the UTC instant as tooltip, the offset beside a single value.
    await page.getByRole('columnheader', { name: `Time (${BROWSER_ZONE})` }).waitFor();
    const rowTitle = await requestRow.locator('time').getAttribute('title');
    check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(UTC\)$/.test(rowTitle ?? ''), `the time's tooltip reads "${rowTitle}"`);
    const panelTime = (await panel.getByTestId('request-time').textContent()).trim();
    check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+[12]$/.test(panelTime), `the panel time reads "${panelTime}" in ${BROWSER_ZONE}`);
    await shot('06-requests-detail');

    // Copy as curl: the POST's command, run in bash, repeats it; nothing in it was executed.
    const postRow = page.getByTestId('request-row').filter({ hasText: '/echo/' }).filter({ hasText: domain }).first();
    await postRow.waitFor({ timeout: 20_000 });
    await postRow.getByRole('button').click();
    await panel.getByRole('heading', { name: /POST .*\/echo\// }).waitFor();
    await panel.getByRole('button', { name: 'Copy as curl' }).click();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    check(curl === (await panel.getByTestId('curl-command').textContent()), 'the clipboard does not hold the command shown');
    check(curl.startsWith('# Redacted in the log, add them yourself: authorization\ncurl '), `the command reads:\n${curl}`);
    const sandbox = join(work, 'curl-run');
    mkdirSync(sandbox);
    const replayed = JSON.parse(await runInBash(`${curl} --silent --show-error`, sandbox));
    check(replayed.method === 'POST' && replayed.url === postAnswer.url, `curl reached the target as ${replayed.method} ${replayed.url}, not POST ${postAnswer.url}`);
    check(replayed.body === postBody, `curl sent the body ${JSON.stringify(replayed.body)}`);
    check(replayed.headers['x-e2e-note'] === note && replayed.headers['content-type'] === 'text/plain', `curl sent ${JSON.stringify(replayed.headers)}`);
    check(!('authorization' in replayed.headers), 'curl sent the redacted authorization');
    check(readdirSync(sandbox).length === 0, `running the command created ${readdirSync(sandbox).join(', ')}`);
    log('copy as curl: the command repeats the POST through the tunnel, hostile values unexpanded');

    // Dashboard with the traffic of the last hour.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await until('the dashboard to count the request', async () => {
      const n = Number((await page.getByTestId('stat-requests').textContent()).replace(/,/g, ''));
      return n >= 1;
    });
    await shot('02-dashboard');

    // 9. Rotate the token: the client is dropped (badge offline) and its reconnect is refused.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tunnels' }).click();
    await page.evaluate(() => {
      window.__e2eNoReload = true;
    });
    const clientOutputBefore = client.output.length;
    await page.getByRole('button', { name: `Rotate token of ${domain}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate token' }).click();
    const newToken = (await page.getByTestId('new-token').textContent()).trim();
    check(newToken.startsWith('tun_') && newToken !== token, 'rotation did not show a new token');
    await page.getByRole('button', { name: 'Done' }).click();
    await until('the badge to turn offline after the rotation', async () => (await badge.textContent()) === 'offline', 20_000);
    check(await page.evaluate(() => window.__e2eNoReload === true), 'the page was reloaded');
    log('badge offline after rotation');
    await until(
      'the client to log an authentication failure',
      () => /auth(entication)?[ _]failed|authentication|unauthori[sz]ed|invalid token/i.test(client.output.slice(clientOutputBefore)),
      30_000,
    );
    log('client logged an auth failure on reconnect');

    // A look at phone width before the tunnel goes.
    await page.setViewportSize({ width: 375, height: 812 });
    await shot('07-tunnels-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // 10. Delete (type the domain to confirm).
    await page.getByRole('button', { name: `Delete ${domain}` }).click();
    await page.getByRole('dialog').getByLabel(/to confirm/).fill(domain);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete tunnel' }).click();
    await page.getByTestId(`tunnel-row-${domain}`).waitFor({ state: 'detached' });
    const gone = await adminApi(`/api/tunnels/${domain}`);
    check(gone.status === 404, `GET of the deleted tunnel answered ${gone.status}`);
    log('tunnel deleted');

    // 11. A tcp tunnel with tcp_port "auto": its address in the list, then TCP through it live.
    const tcpDomain = `${domain}-tcp`;
    await page.getByRole('button', { name: 'New tunnel' }).click();
    await dialog.getByLabel('Domain').fill(tcpDomain);
    await dialog.getByText('Available', { exact: true }).waitFor();
    await dialog.getByLabel('Mode').selectOption('tcp');
    await dialog.getByLabel('TCP port').fill('auto');
    await dialog.getByRole('button', { name: 'Create tunnel' }).click();
    const tcpToken = (await page.getByTestId('new-token').textContent()).trim();
    const created = (await page.getByTestId('created-addresses').locator('.address').allTextContents()).join(' ');
    await shot('08-create-tcp-tunnel');
    await page.getByRole('button', { name: 'Done' }).click();
    const addresses = page.getByTestId(`addresses-${tcpDomain}`);
    const shown = (await addresses.locator('.address').allTextContents()).join(' ');
    const am = shown.match(/^tcp:\/\/127\.0\.0\.1:(\d+)$/);
    check(am, `the list shows "${shown}" as the tcp tunnel's address`);
    const tcpPort = Number(am[1]);
    check(tcpPort >= TCP_PORTS[0] && tcpPort <= TCP_PORTS[1], `port ${tcpPort} is outside --tcp-ports`);
    check(created === shown, `the create dialog showed "${created}", the list "${shown}"`);
    const record = await (await adminApi(`/api/tunnels/${tcpDomain}`)).json();
    check(record.mode === 'tcp' && record.tcp_port === tcpPort, `the server says ${JSON.stringify(record)}`);
    const row11 = page.getByTestId(`tunnel-row-${tcpDomain}`);
    check((await row11.getByRole('cell', { name: 'tcp', exact: true }).count()) === 1, 'the Mode column does not read tcp');
    log(`tcp tunnel ${tcpDomain} listed at ${shown}`);

    const echo = await startEcho();
    const tcpClient = start('tcp-client', bin, ['connect', '--server', wsUrl, '--token', tcpToken,
      '--target', `http://127.0.0.1:${targetPort}`, '--tcp-target', `127.0.0.1:${echo.address().port}`]);
    const tcpBadge = page.getByTestId(`status-${tcpDomain}`);
    await until('the tcp tunnel to turn online', async () => {
      if (tcpClient.exited) throw new Fatal(`the tcp client exited:\n${tcpClient.output}`);
      return (await tcpBadge.textContent()) === 'online';
    }, 20_000);
    const socket = await echoThrough(tcpPort, 'ping through the tcp tunnel');
    const counts = page.getByTestId(`raw-counts-${tcpDomain}`);
    await until('the row to count 1 TCP connection', async () => (await counts.textContent()).startsWith('1 TCP'), 20_000);
    await shot('09-tcp-tunnel-live');
    socket.destroy();
    await until('the row to count 0 TCP connections', async () => (await counts.textContent()).startsWith('0 TCP'), 20_000);
    echo.close();
    log('bytes echoed through the assigned port; the live TCP count followed');

    check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join('; ')}`);
    target.close();
  } catch (e) {
    await fail(e, page);
  }
}

const deadline = setTimeout(() => void fail(new Error(`overall timeout of ${OVERALL_TIMEOUT_MS / 1000} s exceeded`)), OVERALL_TIMEOUT_MS);

main()
  .then(async () => {
    if (finished) return;
    clearTimeout(deadline);
    await cleanup();
    console.log(`\nconsole e2e: 1 passed, 0 failed`);
    console.log(`total run time: ${elapsed()}`);
    process.exit(0);
  })
  .catch((e) => fail(e));
