// End-to-end: the built worker in real workerd (`wrangler dev`) in front of PyPI
// scim2-server, with a fault-injecting pass-through between them.
//
//   Entra-like client ──▶ workerd :WORKER_PORT ──▶ fault gate :GATE_PORT ──▶ scim2-server :UP_PORT
//
// Needs worker/build (scripts/test-proxy.sh builds it once) and .venv (scripts/setup.sh).
// Every process is started in its own group and killed by PID in `after`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ROOT, sleep, q, PATCH_URN, startScim2Server, startGate, tempDir, writeEnvFile, seedTenants,
  startWorker, stopAll, waitFor, client,
} from './harness.mjs';

const UP_PORT = Number(process.env.UP_PORT ?? 18081);
const GATE_PORT = Number(process.env.GATE_PORT ?? 18082);
const WORKER_PORT = Number(process.env.WORKER_PORT ?? 18788);
const UP_TOKEN = `up-${randomUUID()}`;
const IN_TOKEN = `in-${randomUUID()}`;
const ACME_TOKEN = `acme-${randomUUID()}`;
const UP = `http://127.0.0.1:${UP_PORT}/v2`;
const PROXY = `http://127.0.0.1:${WORKER_PORT}/scim/v2`;
const ACME = `http://127.0.0.1:${WORKER_PORT}/t/acme/scim/v2`;
const LOAD_N = Number(process.env.LOAD_N ?? 2000);
const LOAD_C = Number(process.env.LOAD_C ?? 20);

const seen = []; // every proxy response (status line, headers, body) for the token check
let gate;
let worker;

// Through the proxy, as Entra would call it.
const px = client(PROXY, IN_TOKEN, seen);

// Straight to scim2-server, to check what it really holds.
const up = client(UP, UP_TOKEN);

before(async () => {
  startScim2Server(UP_PORT, UP_TOKEN);
  gate = await startGate(GATE_PORT, UP_PORT);
  const dir = tempDir('e2e');
  const envFile = writeEnvFile(dir, { INBOUND_TOKEN: IN_TOKEN, UPSTREAM_TOKEN: UP_TOKEN, ACME_TOKEN });
  // Tenant `acme` in (local) KV: same app, its own inbound token, and a transform whose
  // target depends on two sources, so its PATCHes go read-modify-write.
  const acme = {
    preset: 'generic',
    upstream: { url: `http://127.0.0.1:${UP_PORT}/v2`, auth: { type: 'bearer', secret: 'UPSTREAM_TOKEN' } },
    inbound: { tokens: ['ACME_TOKEN'] },
    resources: { User: { transforms: { nickName: 'Join(".", [name.givenName], [name.familyName])' } } },
  };
  const persist = join(dir, 'state');
  await seedTenants(persist, { acme });
  const config = {
    preset: 'generic',
    // 10 s: scim2-server (single-threaded) stalls for over 2 s now and then under load;
    // the slow gate mode answers after 12 s, so the timeout still trips there.
    upstream: { url: `http://127.0.0.1:${GATE_PORT}/v2`, auth: { type: 'bearer', secret: 'UPSTREAM_TOKEN' }, timeoutMs: 10000 },
    inbound: { tokens: ['INBOUND_TOKEN'] },
  };
  worker = startWorker({ port: WORKER_PORT, envFile, persist, config });
  await waitFor(`${UP}/ServiceProviderConfig`, { Authorization: `Bearer ${UP_TOKEN}` });
  await waitFor(`${PROXY}/ServiceProviderConfig`);
});

after(async () => {
  stopAll();
  await gate?.close();
});

test('auth: no token and wrong token are 401', async () => {
  const none = await fetch(`${PROXY}/Users`);
  assert.equal(none.status, 401);
  assert.equal((await none.json()).schemas[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
  const wrong = await px('GET', '/Users', undefined, { Authorization: `Bearer ${IN_TOKEN}x` });
  assert.equal(wrong.status, 401);
  const upstreamToken = await px('GET', '/Users', undefined, { Authorization: `Bearer ${UP_TOKEN}` });
  assert.equal(upstreamToken.status, 401);
});

test("Entra's request catalogue (spec §4.2), each step checked upstream", async () => {
  const userName = `Test_User_${randomUUID()}`;
  // Test connection: a user that does not exist → empty ListResponse.
  const probe = await px('GET', `/Users?filter=${q(`userName eq "${randomUUID()}"`)}&aadOptscim062020`);
  assert.equal(probe.status, 200);
  assert.equal(probe.json.totalResults, 0);

  const created = await px('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: randomUUID(), userName, active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [], addresses: null, title: null,
  });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  assert.ok(created.headers.get('location').startsWith(`${PROXY}/Users/`), created.headers.get('location'));
  assert.ok(created.json.meta.location.startsWith(PROXY));
  let u = await up('GET', `/Users/${id}`);
  assert.equal(u.json.userName, userName);

  const found = await px('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`);
  assert.equal(found.json.totalResults, 1);
  assert.equal(found.json.Resources[0].id, id);

  const replaced = await px('PATCH', `/Users/${id}`, { schemas: [PATCH_URN], Operations: [
    { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
    { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' }] });
  assert.ok([200, 204].includes(replaced.status), replaced.text);
  u = await up('GET', `/Users/${id}`);
  assert.equal(u.json.emails.find((e) => e.type === 'work').value, 'updatedEmail@microsoft.com');
  assert.equal(u.json.name.familyName, 'updatedFamilyName');

  // aadOptscim062020 shape: one path-less replace keyed by attribute paths.
  const pathless = await px('PATCH', `/Users/${id}`, { schemas: [PATCH_URN], Operations: [
    { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'Aklq' } }] });
  assert.ok([200, 204].includes(pathless.status), pathless.text);
  u = await up('GET', `/Users/${id}`);
  assert.equal(u.json.name.givenName, 'Kkom');
  assert.equal(u.json.displayName, 'Bjfe');
  assert.equal(u.json['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].employeeNumber, 'Aklq');

  const disabled = await px('PATCH', `/Users/${id}`, { schemas: [PATCH_URN], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
  assert.ok([200, 204].includes(disabled.status), disabled.text);
  u = await up('GET', `/Users/${id}`);
  assert.equal(u.json.active, false);

  const displayName = `group-${randomUUID()}`;
  const g = await px('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
    externalId: randomUUID(), displayName, meta: { resourceType: 'Group' } });
  assert.equal(g.status, 201, g.text);
  const gid = g.json.id;
  const gq = await px('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${displayName}"`)}`);
  assert.equal(gq.json.totalResults, 1);

  const add = await px('PATCH', `/Groups/${gid}`, { schemas: [PATCH_URN], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }] });
  assert.equal(add.status, 204, add.text);
  let grp = await up('GET', `/Groups/${gid}`);
  assert.deepEqual(grp.json.members.map((m) => m.value), [id]);

  const rm = await px('PATCH', `/Groups/${gid}`, { schemas: [PATCH_URN], Operations: [{ op: 'Remove', path: 'members', value: [{ value: id }] }] });
  assert.equal(rm.status, 204, rm.text);
  grp = await up('GET', `/Groups/${gid}`);
  assert.equal((grp.json.members ?? []).length, 0);

  // Dry-run: the request comes back, nothing reaches the app.
  const dry = await px('DELETE', `/Users/${id}`, undefined, { 'X-Scimmap-Dry-Run': '1' });
  assert.equal(dry.status, 200);
  assert.equal(dry.json.request.method, 'DELETE');
  assert.equal((await up('GET', `/Users/${id}`)).status, 200);

  assert.equal((await px('DELETE', `/Groups/${gid}`)).status, 204);
  assert.equal((await up('GET', `/Groups/${gid}`)).status, 404);
  assert.equal((await px('DELETE', `/Users/${id}`)).status, 204);
  assert.equal((await up('GET', `/Users/${id}`)).status, 404);
  assert.equal((await px('GET', `/Users/${id}`)).status, 404);
});

test('tenant from KV: own token, transform, read-modify-write with If-Match', async () => {
  const call = client(ACME, ACME_TOKEN, seen);
  assert.equal((await call('GET', '/Users', undefined, { Authorization: `Bearer ${IN_TOKEN}` })).status, 401);
  const unknown = await fetch(`http://127.0.0.1:${WORKER_PORT}/t/nobody/scim/v2/Users`, { headers: { Authorization: `Bearer ${ACME_TOKEN}` } });
  assert.equal(unknown.status, 404);
  const userName = `acme-${randomUUID()}`;
  const c = await call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, name: { givenName: 'Ada', familyName: 'Lovelace' } });
  assert.equal(c.status, 201, c.text);
  assert.ok(c.headers.get('location').startsWith(`${ACME}/Users/`));
  let u = await up('GET', `/Users/${c.json.id}`);
  assert.equal(u.json.nickName, 'Ada.Lovelace');
  const p = await call('PATCH', `/Users/${c.json.id}`, { schemas: [PATCH_URN], Operations: [{ op: 'Replace', path: 'name.familyName', value: 'Byron' }] });
  assert.ok([200, 204].includes(p.status), p.text);
  u = await up('GET', `/Users/${c.json.id}`);
  assert.equal(u.json.name.familyName, 'Byron');
  assert.equal(u.json.nickName, 'Ada.Byron');
  const f = await call('GET', `/Users?filter=${q('nickName eq "Ada.Byron"')}`);
  assert.equal(f.status, 400);
  assert.equal(f.json.scimType, 'invalidFilter');
});

test('untranslatable or malformed filter → 400 invalidFilter', async () => {
  const r = await px('GET', `/Users?filter=${q('userName eq')}`);
  assert.equal(r.status, 400);
  assert.equal(r.json.scimType, 'invalidFilter');
});

function runScim2Tester(url, token) {
  // stdin must be closed: the CLI reads a body from a non-TTY stdin.
  return new Promise((resolve) => {
    const p = spawn(join(ROOT, '.venv/bin/scim2'), ['--url', url, 'test'], {
      env: { ...process.env, SCIM_CLI_HEADERS: `Authorization: Bearer ${token}`, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('close', () => {
      clearTimeout(timer);
      const count = (w) => out.split('\n').filter((l) => l.startsWith(`${w} `)).length;
      resolve({ success: count('SUCCESS'), error: count('ERROR'), out });
    });
  });
}

test('scim2-tester: through the proxy passes at least what it passes directly', async () => {
  const direct = await runScim2Tester(UP, UP_TOKEN);
  const proxied = await runScim2Tester(PROXY, IN_TOKEN);
  // Kept for comparison when the counts differ.
  writeFileSync(join(tmpdir(), 'scimmap-scim2-tester-direct.txt'), direct.out);
  writeFileSync(join(tmpdir(), 'scimmap-scim2-tester-proxy.txt'), proxied.out);
  console.log(`# scim2-tester direct: ${direct.success} SUCCESS / ${direct.error} ERROR; through the proxy: ${proxied.success} SUCCESS / ${proxied.error} ERROR`);
  assert.ok(direct.success > 0, direct.out.slice(0, 2000));
  if (proxied.success < direct.success) {
    const failing = proxied.out.split('\n').filter((l) => /ERROR/.test(l)).slice(0, 30).join('\n');
    assert.fail(`proxy ${proxied.success} < direct ${direct.success}\n${failing}`);
  }
});

// `stall-body`: the timeout bounds the answer's body too, not only its headers.
test('faults: 500, garbage, reset → 502; slow, stall-body → 504; Retry-After; nothing reported done', async () => {
  for (const [mode, want] of [['500', 502], ['garbage', 502], ['reset', 502], ['slow', 504], ['stall-body', 504]]) {
    const userName = `fault-${mode}-${randomUUID()}`;
    const r = await gate.during(mode, () => px('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName }));
    assert.equal(r.status, want, `${mode}: ${r.text}`);
    assert.ok(r.headers.get('retry-after'), `${mode}: Retry-After`);
    assert.equal(r.json.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
    const there = await up('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`);
    assert.equal(there.json.totalResults, 0, `${mode}: the gate never forwarded, so nothing may exist`);
  }
});

async function load(base, token, tag, n) {
  const lat = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  const agent = async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      const r = await fetch(`${base}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${tag}-${i}`, active: 'True',
          emails: [{ type: 'work', value: `${tag}-${i}@x.org`, primary: true }] }),
      });
      await r.arrayBuffer();
      lat.push(performance.now() - s);
      if (r.status !== 201) {
        errors++;
        console.log(`# load error: ${r.status} ${r.headers.get('retry-after') ?? ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: LOAD_C }, agent));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
  return { errors, summary: `${n} POST /Users at concurrency ${LOAD_C}: ${(n / secs).toFixed(0)} req/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, errors ${errors}` };
}

test('load: 2000 creates at concurrency 20, zero errors, upstream exact', async () => {
  // Baseline straight to scim2-server (single-threaded), to tell its cost from the proxy's.
  const base = await load(UP, UP_TOKEN, `base${Date.now()}`, Math.min(500, LOAD_N));
  console.log(`# load direct to scim2-server: ${base.summary}`);
  const tag = `load${Date.now()}`;
  const { errors, summary } = await load(PROXY, IN_TOKEN, tag, LOAD_N);
  console.log(`# load through the proxy: ${summary}`);
  assert.equal(errors, 0);
  const names = new Set();
  for (let start = 1; ; start += 500) {
    const page = await up('GET', `/Users?filter=${q(`userName sw "${tag}-"`)}&startIndex=${start}&count=500`);
    for (const r of page.json.Resources ?? []) names.add(r.userName);
    if (!page.json.Resources?.length || start + 500 > page.json.totalResults) break;
  }
  assert.equal(names.size, LOAD_N);
  for (let i = 0; i < LOAD_N; i++) assert.ok(names.has(`${tag}-${i}`));
});

test('upstream stopped → 502 with Retry-After', async () => {
  await gate.close();
  const r = await px('GET', '/Users');
  assert.equal(r.status, 502, r.text);
  assert.ok(r.headers.get('retry-after'));
});

test('the upstream token never appears in a response or a log line; one JSON log line per request', async () => {
  await sleep(500);
  for (const s of seen) assert.ok(!s.includes(UP_TOKEN), 'a response carried the upstream token');
  assert.ok(!worker.out().includes(UP_TOKEN), 'wrangler output carried the upstream token');
  assert.ok(!worker.out().includes(IN_TOKEN), 'wrangler output carried an inbound token');
  const lines = worker.lines();
  assert.ok(lines.length >= LOAD_N, `only ${lines.length} log lines`);
  const patch = lines.find((l) => l.method === 'PATCH' && l.resourceType === 'Users');
  assert.ok(patch && patch.changed.length > 0 && typeof patch.durationMs === 'number', JSON.stringify(patch));
  assert.ok(lines.some((l) => l.status === 504 && l.fault === 'upstream timeout'));
});
