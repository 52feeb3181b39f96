// End-to-end, issue 13 ("the proxy at scale"): writes serialised per resource in a Durable
// Object (ResourceLock) and bursts shaped per tenant (TenantShaper), in real workerd
// (`wrangler dev`, Durable Objects simulated locally) in front of PyPI scim2-server.
// Every outcome is checked in what scim2-server stores, read directly.
//
//   client ──▶ workerd :18103 ──▶ fault gate :18102 ────▶ scim2-server :18101
//                           └───▶ timing gate :18105 ──┘   (tenant `limited` only)
//
// Tenants: SCIMMAP_CONFIG (/scim/v2, preset generic); in local KV `rmw` (the same app: a
// value-filtered replace is read-modify-write for a strict app), `adopt` (groups adopted
// by displayName), `limited` (rateLimit 20/s, 2 s wait at most) and `open` (no limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  q, patchOp, USER_URN, ERROR_URN, startScim2Server, startGate, startTimingGate, tempDir,
  writeEnvFile, seedTenants, startWorker, stopAll, waitFor, client, busiestWindow, pool,
} from './harness.mjs';

const UP_PORT = Number(process.env.SCALE_UP_PORT ?? 18101);
const GATE_PORT = Number(process.env.SCALE_GATE_PORT ?? 18102);
const WORKER_PORT = Number(process.env.SCALE_WORKER_PORT ?? 18103); // inspector on +1
const TIMING_PORT = Number(process.env.SCALE_TIMING_PORT ?? 18105);
const UP = `http://127.0.0.1:${UP_PORT}/v2`;
const ORIGIN = `http://127.0.0.1:${WORKER_PORT}`;
const tenantBase = (t) => `${ORIGIN}/t/${t}/scim/v2`;
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

// The limit under test, and the bound the issue allows for clock granularity.
const RATE = 20;
const RATE_BOUND = Math.floor(RATE * 1.1);

const TOKENS = {
  UPSTREAM_TOKEN: `up-${randomUUID()}`,
  INBOUND_TOKEN: `in-${randomUUID()}`,
  RMW_TOKEN: `rmw-${randomUUID()}`,
  ADOPT_TOKEN: `adopt-${randomUUID()}`,
  LIMITED_TOKEN: `limited-${randomUUID()}`,
  OPEN_TOKEN: `open-${randomUUID()}`,
};

const auth = { type: 'bearer', secret: 'UPSTREAM_TOKEN' };
const upstream = { url: `http://127.0.0.1:${GATE_PORT}/v2`, auth, timeoutMs: 10000 };
// scim2-server answers one request at a time and sometimes stalls for seconds under a
// burst on a loaded machine: a generous timeout, so only the proxy's own answers count.
const timed = { url: `http://127.0.0.1:${TIMING_PORT}/v2`, auth, timeoutMs: 30000 };
const TENANTS = {
  rmw: { preset: 'generic', upstream, inbound: { tokens: ['RMW_TOKEN'] } },
  adopt: { preset: 'generic', upstream, inbound: { tokens: ['ADOPT_TOKEN'] }, groups: { adoptExisting: true } },
  limited: { preset: 'generic', upstream: timed, inbound: { tokens: ['LIMITED_TOKEN'] }, rateLimit: { requestsPerSecond: RATE, maxWaitMs: 2000 } },
  open: { preset: 'generic', upstream: timed, inbound: { tokens: ['OPEN_TOKEN'] } },
};

let gate;
let timing;
let worker;

const up = client(UP, TOKENS.UPSTREAM_TOKEN); // straight to scim2-server: what it stores
const generic = client(`${ORIGIN}/scim/v2`, TOKENS.INBOUND_TOKEN);
const rmw = client(tenantBase('rmw'), TOKENS.RMW_TOKEN);
const adopt = client(tenantBase('adopt'), TOKENS.ADOPT_TOKEN);
const limited = client(tenantBase('limited'), TOKENS.LIMITED_TOKEN);
const open = client(tenantBase('open'), TOKENS.OPEN_TOKEN);

const is2xx = (r) => r.status >= 200 && r.status < 300;
const statuses = (rs) => rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});

/** A user created in scim2-server directly; its id. */
async function storedUser(extra = {}) {
  const r = await up('POST', '/Users', { schemas: [USER_URN], userName: `scale-${randomUUID()}`, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function storedMembers(groupId) {
  const g = await up('GET', `/Groups/${groupId}`);
  assert.equal(g.status, 200, g.text);
  return (g.json.members ?? []).map((m) => m.value).sort();
}

before(async () => {
  startScim2Server(UP_PORT, TOKENS.UPSTREAM_TOKEN);
  gate = await startGate(GATE_PORT, UP_PORT);
  timing = await startTimingGate(TIMING_PORT, UP_PORT);
  const dir = tempDir('scale');
  const envFile = writeEnvFile(dir, TOKENS);
  const persist = join(dir, 'state');
  await seedTenants(persist, TENANTS);
  const config = { preset: 'generic', upstream, inbound: { tokens: ['INBOUND_TOKEN'] } };
  worker = startWorker({ port: WORKER_PORT, envFile, persist, config });
  await waitFor(`${UP}/ServiceProviderConfig`, { Authorization: `Bearer ${TOKENS.UPSTREAM_TOKEN}` });
  await waitFor(`${ORIGIN}/scim/v2/ServiceProviderConfig`);
});

after(async () => {
  stopAll();
  await gate?.close();
  await timing?.close();
});

test('20 concurrent read-modify-write PATCHes on one user: all applied, one after the other', async () => {
  const id = await storedUser();
  const marked = gate.requests.length;
  // A replace through a value filter that matches nothing yet: a strict app answers
  // noTarget, so the proxy reads the user, applies it, and writes the result.
  const phone = (i) => `+1 555 0100 ${String(i).padStart(2, '0')}`;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => rmw('PATCH', `/Users/${id}`,
    patchOp({ op: 'Replace', path: `phoneNumbers[type eq "line${i}"].value`, value: phone(i) }))));
  assert.deepEqual(statuses(answers.filter((r) => !is2xx(r))), {}, answers.filter((r) => !is2xx(r)).map((r) => r.text).join('\n'));

  const stored = (await up('GET', `/Users/${id}`)).json;
  const phones = Object.fromEntries((stored.phoneNumbers ?? []).map((p) => [p.type, p.value]));
  for (let i = 0; i < 20; i++) assert.equal(phones[`line${i}`], phone(i), `line${i} lost: ${JSON.stringify(stored.phoneNumbers)}`);
  assert.equal(stored.phoneNumbers.length, 20, JSON.stringify(stored.phoneNumbers));

  // What the app saw for this user: read, write, read, write… never two reads in a row,
  // every write conditional on the version just read, and none refused.
  const calls = gate.requests.slice(marked).filter((r) => r.path.startsWith(`/v2/Users/${id}`));
  assert.equal(calls.length, 40, calls.map((c) => c.method).join(' '));
  calls.forEach((c, i) => assert.equal(c.method, i % 2 === 0 ? 'GET' : 'PATCH', calls.map((x) => x.method).join(' ')));
  for (const w of calls.filter((c) => c.method === 'PATCH')) assert.ok(w.ifMatch, 'a write without If-Match');
});

test('read-modify-write on different users is not queued behind one another', async () => {
  const ids = [await storedUser(), await storedUser()];
  const marked = gate.requests.length;
  const answers = await Promise.all(ids.flatMap((id) => Array.from({ length: 5 }, (_, i) => rmw('PATCH', `/Users/${id}`,
    patchOp({ op: 'Replace', path: `phoneNumbers[type eq "desk${i}"].value`, value: `${i}` })))));
  assert.ok(answers.every(is2xx), answers.map((r) => r.status).join(' '));
  for (const id of ids) {
    const stored = (await up('GET', `/Users/${id}`)).json;
    assert.deepEqual(stored.phoneNumbers.map((p) => p.type).sort(), ['desk0', 'desk1', 'desk2', 'desk3', 'desk4']);
    // Each user's own calls still alternate: its lock is its own.
    const calls = gate.requests.slice(marked).filter((r) => r.path.startsWith(`/v2/Users/${id}`)).map((c) => c.method);
    assert.deepEqual(calls, Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'GET' : 'PATCH')));
  }
  // …while the two users' writes overlap: somewhere both had been read before either was
  // written (one lock for both would alternate read, write across the pair as well).
  const both = gate.requests.slice(marked).filter((r) => ids.some((id) => r.path.startsWith(`/v2/Users/${id}`)));
  assert.ok(both.some((c, i) => i > 0 && c.method === 'GET' && both[i - 1].method === 'GET'), both.map((c) => c.method).join(' '));
});

test('50 concurrent member adds, then 20 concurrent adds and removes: the app holds exactly the expected members', async () => {
  const users = [];
  for (let i = 0; i < 60; i++) users.push(await storedUser());
  const g = await up('POST', '/Groups', { schemas: [GROUP_URN], displayName: `scale-${randomUUID()}` });
  assert.equal(g.status, 201, g.text);
  const gid = g.json.id;
  // Entra's shapes (spec §4.3): one member per PATCH, removal by value.
  const member = (op, uid) => generic('PATCH', `/Groups/${gid}`, patchOp({ op, path: 'members', value: [{ value: uid }] }));

  const adds = await Promise.all(users.slice(0, 50).map((u) => member('Add', u)));
  assert.ok(adds.every(is2xx), JSON.stringify(statuses(adds)));
  assert.deepEqual(await storedMembers(gid), users.slice(0, 50).sort());

  const mixed = await Promise.all([
    ...users.slice(50, 60).map((u) => member('Add', u)),
    ...users.slice(0, 10).map((u) => member('Remove', u)),
  ]);
  assert.ok(mixed.every(is2xx), JSON.stringify(statuses(mixed)));
  assert.deepEqual(await storedMembers(gid), users.slice(10, 60).sort());
});

test('10 concurrent creates of one group name with adoption: one group in the app, every answer names it', async () => {
  const displayName = `adopted-${randomUUID()}`;
  const answers = await Promise.all(Array.from({ length: 10 }, () => adopt('POST', '/Groups', { schemas: [GROUP_URN], displayName })));
  assert.ok(answers.every(is2xx), answers.map((r) => `${r.status} ${r.text}`).join('\n'));
  const found = (await up('GET', `/Groups?filter=${q(`displayName eq "${displayName}"`)}`)).json;
  assert.equal(found.totalResults, 1, JSON.stringify(found));
  const id = found.Resources[0].id;
  for (const r of answers) assert.equal(r.json.id, id);
});

test(`rateLimit ${RATE}/s: 500 requests at concurrency 100, the app never sees more than ${RATE_BOUND} in a second, the rest 429 with Retry-After`, async (t) => {
  const id = await storedUser();
  // No limit configured: the same burst passes untouched (the default).
  const before0 = (await timing.times()).length;
  const free = await pool(100, 25, () => open('GET', `/Users/${id}`));
  assert.deepEqual(statuses(free), { 200: 100 });
  assert.equal((await timing.times()).length - before0, 100);

  const before1 = (await timing.times()).length;
  const answers = await pool(500, 100, () => limited('GET', `/Users/${id}`));
  const times = (await timing.times()).slice(before1);
  const ok = answers.filter((r) => r.status === 200);
  const refused = answers.filter((r) => r.status === 429);
  assert.equal(ok.length + refused.length, 500, JSON.stringify(statuses(answers)));
  for (const r of refused) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1, `Retry-After: ${r.headers.get('retry-after')}`);
    assert.equal(r.json?.schemas?.[0], ERROR_URN, r.text);
    assert.equal(r.json.status, '429', r.text);
  }
  // A refused request never reached the app; an admitted one reached it once.
  assert.equal(times.length, ok.length);
  // The first second's worth at least was admitted (2 s of waiting allowed).
  assert.ok(ok.length >= RATE, `${ok.length} admitted`);
  const busiest = busiestWindow(times);
  t.diagnostic(`${ok.length} admitted, ${refused.length} refused; busiest second at the app: ${busiest.count} calls`);
  assert.ok(busiest.count <= RATE_BOUND, `${busiest.count} calls at the app in the second from ${busiest.from}`);
});
