// End-to-end, issue 17 item 1: an app reached by an admin's consent (Chatwork's
// "Authorize"), in real workerd (`wrangler dev`) in front of PyPI scim2-server.
//
//   client ──▶ workerd :18133 ──▶ app gate :18132 ──▶ scim2-server :18131
//                 │  consent, code exchange, refresh
//                 └──────────────▶ OAuth authorization server :18135
//
// The authorization server is a local stand-in (RFC 6749 §4.1 with PKCE, RFC 7636): it
// approves every consent as an admin would, issues access tokens that expire soon, and
// rotates the refresh token on every refresh (an old one is refused with invalid_grant).
// The app gate lets a call through only with a live access token from it, as the app
// would, and swaps in scim2-server's own token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  USER_URN, startScim2Server, tempDir, writeEnvFile, seedTenants, startWorker, stopAll,
  waitFor, client, sleep,
} from './harness.mjs';

const UP_PORT = Number(process.env.CONSENT_UP_PORT ?? 18131);
const GATE_PORT = Number(process.env.CONSENT_GATE_PORT ?? 18132);
const WORKER_PORT = Number(process.env.CONSENT_WORKER_PORT ?? 18133); // inspector on +1
const AS_PORT = Number(process.env.CONSENT_AS_PORT ?? 18135);
const ORIGIN = `http://127.0.0.1:${WORKER_PORT}`;
const BASE = `${ORIGIN}/t/chatwork/scim/v2`;
const UP = `http://127.0.0.1:${UP_PORT}/v2`;
const AS = `http://127.0.0.1:${AS_PORT}`;
/** Access tokens live 63 s; the proxy refreshes in their last 60 s, so one is good for 3 s. */
const ACCESS_TTL_S = 63;
const FRESH_MS = 3_000;

const TOKENS = {
  UPSTREAM_TOKEN: `up-${randomUUID()}`,
  INBOUND_TOKEN: `in-${randomUUID()}`,
  CHATWORK_TOKEN: `cw-${randomUUID()}`,
  CHATWORK_CLIENT_SECRET: `cs-${randomUUID()}`,
  CHATWORK_CONSENT: `consent-${randomUUID()}`,
};
const CLIENT_ID = 'scimmap-proxy';

// ---- the authorization server --------------------------------------------------------

const as = {
  codes: new Map(), // code → { challenge, redirectUri }
  access: new Map(), // access token → expiry (ms)
  refresh: null, // the one live refresh token
  retired: [], // refresh tokens rotated away
  log: [], // { grant, ok, error }
};
const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const form = (text) => Object.fromEntries(new URLSearchParams(text));

function issue(res) {
  const access = `at-${randomUUID()}`;
  const refresh = `rt-${randomUUID()}`;
  if (as.refresh) as.retired.push(as.refresh);
  as.refresh = refresh;
  as.access.set(access, Date.now() + ACCESS_TTL_S * 1000);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ access_token: access, token_type: 'Bearer', expires_in: ACCESS_TTL_S, refresh_token: refresh }));
}

function refuse(res, error, grant) {
  as.log.push({ grant, ok: false, error });
  res.writeHead(400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

function tokenEndpoint(req, res, body) {
  const [scheme, cred] = (req.headers.authorization ?? '').split(' ');
  const [id, secret] = Buffer.from(cred ?? '', 'base64').toString().split(':').map(decodeURIComponent);
  const f = form(body);
  if (scheme !== 'Basic' || id !== CLIENT_ID || secret !== TOKENS.CHATWORK_CLIENT_SECRET) return refuse(res, 'invalid_client', f.grant_type);
  if (f.grant_type === 'authorization_code') {
    const c = as.codes.get(f.code);
    as.codes.delete(f.code); // a code is good once (RFC 6749 §4.1.2)
    if (!c || c.redirectUri !== f.redirect_uri) return refuse(res, 'invalid_grant', f.grant_type);
    if (b64url(createHash('sha256').update(f.code_verifier ?? '').digest()) !== c.challenge) return refuse(res, 'invalid_grant', 'pkce');
    as.log.push({ grant: f.grant_type, ok: true });
    return issue(res);
  }
  if (f.grant_type === 'refresh_token') {
    if (f.refresh_token !== as.refresh) return refuse(res, 'invalid_grant', f.grant_type);
    as.log.push({ grant: f.grant_type, ok: true });
    return issue(res);
  }
  return refuse(res, 'unsupported_grant_type', f.grant_type);
}

function startAuthorizationServer() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = new URL(req.url, AS);
      if (req.method === 'GET' && url.pathname === '/authorize') {
        // The admin signs in and consents; the app sends the browser back with a code.
        const p = url.searchParams;
        if (p.get('client_id') !== CLIENT_ID || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') {
          res.writeHead(400); res.end('bad authorization request'); return;
        }
        const code = `code-${randomUUID()}`;
        as.codes.set(code, { challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri') });
        const back = new URL(p.get('redirect_uri'));
        back.searchParams.set('code', code);
        back.searchParams.set('state', p.get('state'));
        res.writeHead(302, { Location: back.toString() }); res.end(); return;
      }
      if (req.method === 'POST' && url.pathname === '/token') { tokenEndpoint(req, res, body); return; }
      res.writeHead(404); res.end();
    });
  });
  return new Promise((r) => server.listen(AS_PORT, '127.0.0.1', () => r(server)));
}

// ---- the app: scim2-server behind a gate that takes only live access tokens ------------

const seenTokens = [];
function startAppGate() {
  const server = http.createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    seenTokens.push(token);
    const exp = as.access.get(token);
    if (!exp || exp < Date.now()) {
      req.resume();
      res.writeHead(401, { 'Content-Type': 'application/scim+json' });
      res.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'invalid token' }));
      return;
    }
    const headers = { ...req.headers, authorization: `Bearer ${TOKENS.UPSTREAM_TOKEN}` };
    const u = http.request({ host: '127.0.0.1', port: UP_PORT, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    u.on('error', () => req.socket.destroy());
    req.pipe(u);
  });
  server.keepAliveTimeout = 120_000;
  return new Promise((r) => server.listen(GATE_PORT, '127.0.0.1', () => r(server)));
}

const CHATWORK = {
  preset: 'chatwork',
  upstream: {
    url: `http://127.0.0.1:${GATE_PORT}/v2`,
    auth: { type: 'authorizationCode', authorizeUrl: `${AS}/authorize`, tokenUrl: `${AS}/token`, clientId: CLIENT_ID,
      clientSecret: 'CHATWORK_CLIENT_SECRET', consentSecret: 'CHATWORK_CONSENT', scope: 'users.all:read_write' },
    timeoutMs: 10000,
  },
  inbound: { tokens: ['CHATWORK_TOKEN'] },
};

const seen = [];
let servers = [];
let worker;
const chatwork = client(BASE, TOKENS.CHATWORK_TOKEN, seen);
const up = client(UP, TOKENS.UPSTREAM_TOKEN);

before(async () => {
  startScim2Server(UP_PORT, TOKENS.UPSTREAM_TOKEN);
  servers = [await startAuthorizationServer(), await startAppGate()];
  const dir = tempDir('consent');
  const envFile = writeEnvFile(dir, TOKENS);
  const persist = join(dir, 'state');
  await seedTenants(persist, { chatwork: CHATWORK });
  worker = startWorker({ port: WORKER_PORT, envFile, persist,
    config: { preset: 'generic', upstream: { url: UP, auth: { type: 'bearer', secret: 'UPSTREAM_TOKEN' } }, inbound: { tokens: ['INBOUND_TOKEN'] } } });
  await waitFor(`${UP}/ServiceProviderConfig`, { Authorization: `Bearer ${TOKENS.UPSTREAM_TOKEN}` });
  await waitFor(`${ORIGIN}/health`);
});

after(async () => {
  stopAll();
  for (const s of servers) await new Promise((r) => { s.close(() => r()); s.closeAllConnections?.(); });
});

const createUser = (tag) => chatwork('POST', '/Users', { schemas: [USER_URN], userName: `${tag}-${randomUUID()}@example.com`, externalId: randomUUID() });

test('issue 17 item 1: before consent the app is not called: 502 naming the consent start, /health 503', async () => {
  const before = seenTokens.length;
  const r = await createUser('early');
  assert.equal(r.status, 502, r.text);
  assert.match(r.json.detail, /consent/);
  assert.ok(r.json.detail.includes(`${ORIGIN}/t/chatwork/oauth/start`), r.json.detail);
  assert.ok(r.headers.get('retry-after'));
  assert.equal(seenTokens.length, before, 'the app was called without a grant');
  const h = await fetch(`${ORIGIN}/t/chatwork/health`);
  assert.equal(h.status, 503);
  assert.deepEqual(await h.json(), { status: 'consent-needed' });
});

test('issue 17 item 1: the consent round-trip, then two refreshes with rotation, every call made with a live token', async () => {
  // Only a holder of the consent secret may start one.
  const anon = await fetch(`${ORIGIN}/t/chatwork/oauth/start`, { redirect: 'manual' });
  assert.equal(anon.status, 401);
  const wrong = await fetch(`${ORIGIN}/t/chatwork/oauth/start`, { redirect: 'manual', headers: { Authorization: `Bearer ${TOKENS.CHATWORK_TOKEN}` } });
  assert.equal(wrong.status, 401, 'the inbound token is not the consent secret');

  const start = await fetch(`${ORIGIN}/t/chatwork/oauth/start`, { redirect: 'manual', headers: { Authorization: `Bearer ${TOKENS.CHATWORK_CONSENT}` } });
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location'));
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${AS}/authorize`);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${ORIGIN}/t/chatwork/oauth/callback`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorize.searchParams.get('state'));
  console.log(`# consent start → ${authorize.origin}${authorize.pathname}?response_type=code&client_id=…&redirect_uri=…/t/chatwork/oauth/callback&state=…&scope=…&code_challenge=…&code_challenge_method=S256`);

  // A forged callback is refused and spends nothing.
  const forged = await fetch(`${ORIGIN}/t/chatwork/oauth/callback?code=x&state=forged`);
  assert.equal(forged.status, 400);

  // The admin's browser: the app's authorize page → back to the proxy's callback. (The
  // forged callback above took the consent in progress, so start again.)
  const again = await fetch(`${ORIGIN}/t/chatwork/oauth/start`, { redirect: 'manual', headers: { Authorization: `Bearer ${TOKENS.CHATWORK_CONSENT}` } });
  const back = await fetch(again.headers.get('location'), { redirect: 'manual' });
  assert.equal(back.status, 302);
  const callback = await fetch(back.headers.get('location'));
  const page = await callback.text();
  assert.equal(callback.status, 200, page);
  assert.match(page, /Consent recorded/);
  assert.deepEqual(as.log.map((l) => `${l.grant}:${l.ok}`), ['authorization_code:true'], 'one code exchange, PKCE verified');
  console.log('# consent callback → code exchanged with PKCE (S256) → grant stored in the GrantStore Durable Object');

  const h = await fetch(`${ORIGIN}/t/chatwork/health`);
  assert.equal(h.status, 200);

  // Calls now go with the grant; each refresh rotates the refresh token.
  const users = [];
  for (let round = 0; round < 3; round++) {
    if (round > 0) await sleep(FRESH_MS + 500);
    const r = await createUser(`round${round}`);
    assert.equal(r.status, 201, `round ${round}: ${r.text}`);
    const stored = await up('GET', `/Users/${r.json.id}`);
    assert.equal(stored.status, 200);
    users.push(r.json.id);
  }
  const refreshes = as.log.filter((l) => l.grant === 'refresh_token');
  assert.equal(refreshes.length, 2, JSON.stringify(as.log));
  assert.ok(refreshes.every((l) => l.ok), JSON.stringify(as.log));
  assert.equal(as.retired.length, 2, 'two refresh tokens rotated away');
  console.log(`# refreshes: ${refreshes.length}, each answered with a new refresh token (rotated: ${as.retired.length}); users created: ${users.length}`);
  const lines = worker.out().split('\n').filter((l) => l.includes('"grant-refreshed"'));
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.ok(lines.every((l) => l.includes('"rotated":true')), lines.join('\n'));

  // Rotation: a retired refresh token is refused by the server (the proxy never reuses one).
  const reuse = await fetch(`${AS}/token`, { method: 'POST', body: `grant_type=refresh_token&refresh_token=${as.retired[0]}`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${TOKENS.CHATWORK_CLIENT_SECRET}`).toString('base64')}` } });
  assert.equal(reuse.status, 400);
  // Every call that reached the app carried a token the server had issued and not expired.
  assert.ok(seenTokens.every((t) => as.access.has(t)), 'a call reached the app with a token the server never issued');
});

test('issue 17 item 1: no token of any kind reaches a response or the log', async () => {
  await sleep(300);
  const out = worker.out();
  const all = [...Object.values(TOKENS), ...as.access.keys(), ...as.retired, as.refresh].filter(Boolean);
  for (const t of all) {
    assert.ok(!out.includes(t), 'wrangler output carried a token');
    assert.ok(!seen.some((s) => s.includes(t)), 'a response carried a token');
  }
});
