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
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  USER_URN, startScim2Server, startGate, tempDir, writeEnvFile, seedTenants, startWorker, stopAll,
  waitFor, client, sleep, consent,
} from './harness.mjs';
import { startAuthorizationServer } from './stand-ins/oauth-server.mjs';

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
let as;
let gate;

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
let worker;
const chatwork = client(BASE, TOKENS.CHATWORK_TOKEN, seen);
const up = client(UP, TOKENS.UPSTREAM_TOKEN);

before(async () => {
  startScim2Server(UP_PORT, TOKENS.UPSTREAM_TOKEN);
  as = await startAuthorizationServer({ port: AS_PORT, clientId: CLIENT_ID, clientSecret: TOKENS.CHATWORK_CLIENT_SECRET, accessTtlS: ACCESS_TTL_S });
  gate = await startGate(GATE_PORT, UP_PORT);
  gate.setMode('chatwork');
  gate.oauth = { chatwork: { isLive: as.isLive, upstreamToken: TOKENS.UPSTREAM_TOKEN } };
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
  await gate?.close();
  await as?.close();
});

const createUser = (tag) => chatwork('POST', '/Users', { schemas: [USER_URN], userName: `${tag}-${randomUUID()}@example.com`, externalId: randomUUID() });

test('issue 17 item 1: before consent the app is not called: 502 naming the consent start, /health 503', async () => {
  const before = gate.requests.length;
  const r = await createUser('early');
  assert.equal(r.status, 502, r.text);
  assert.match(r.json.detail, /consent/);
  assert.ok(r.json.detail.includes(`${ORIGIN}/t/chatwork/oauth/start`), r.json.detail);
  assert.ok(r.headers.get('retry-after'));
  assert.equal(gate.requests.length, before, 'the app was called without a grant');
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
  const done = await consent(ORIGIN, 'chatwork', TOKENS.CHATWORK_CONSENT);
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /Consent recorded/);
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
  // Every call that reached the app carried a live token the server had issued.
  assert.deepEqual(gate.refusals, [], 'a call reached the app without a live access token');
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
