// A local stand-in for an app's OAuth 2.0 authorization server (Chatwork's, for the
// proxy's tests and `PRESET=chatwork bash scripts/start.sh`): RFC 6749 §4.1 with PKCE
// (RFC 7636, S256 required), the client authenticated with HTTP Basic (§2.3.1), and a
// refresh (§6) that rotates the refresh token every time (a retired one is refused with
// invalid_grant). The authorize endpoint approves at once, as an admin who signs in and
// consents would. Binds 127.0.0.1 only.
//
//   node worker/test/stand-ins/oauth-server.mjs PORT CLIENT_ID   (secret in OAUTH_CLIENT_SECRET)
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Starts the server; the returned object records what happened: `log` (one entry per
 * token request: `grant`, `ok`, `error`), `retired` (refresh tokens rotated away),
 * `isLive(accessToken)`, `issued(accessToken)`, and `close()`.
 */
export async function startAuthorizationServer({ port, clientId, clientSecret, accessTtlS = 3600 }) {
  const as = { codes: new Map(), access: new Map(), refresh: null, retired: [], log: [] };
  as.isLive = (token) => (as.access.get(token) ?? 0) > Date.now();
  as.issued = (token) => as.access.has(token);

  const issue = (res) => {
    const access = `at-${randomUUID()}`;
    const refresh = `rt-${randomUUID()}`;
    if (as.refresh) as.retired.push(as.refresh);
    as.refresh = refresh;
    as.access.set(access, Date.now() + accessTtlS * 1000);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ access_token: access, token_type: 'Bearer', expires_in: accessTtlS, refresh_token: refresh }));
  };
  const refuse = (res, error, grant) => {
    as.log.push({ grant, ok: false, error });
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error }));
  };
  const token = (req, res, body) => {
    const [scheme, cred] = (req.headers.authorization ?? '').split(' ');
    const [id, secret] = Buffer.from(cred ?? '', 'base64').toString().split(':').map(decodeURIComponent);
    const f = Object.fromEntries(new URLSearchParams(body));
    if (scheme !== 'Basic' || id !== clientId || secret !== clientSecret) return refuse(res, 'invalid_client', f.grant_type);
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
  };
  const authorize = (url, res) => {
    const p = url.searchParams;
    if (p.get('client_id') !== clientId || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') {
      res.writeHead(400); res.end('bad authorization request'); return;
    }
    const code = `code-${randomUUID()}`;
    as.codes.set(code, { challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri') });
    const back = new URL(p.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state'));
    res.writeHead(302, { Location: back.toString() }); res.end();
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = new URL(req.url, `http://127.0.0.1:${port}`);
      if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url, res);
      if (req.method === 'POST' && url.pathname === '/token') return token(req, res, body);
      res.writeHead(404); res.end();
      return undefined;
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  as.close = () => new Promise((r) => { server.close(() => r()); server.closeAllConnections?.(); });
  return as;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, clientId] = process.argv.slice(2);
  await startAuthorizationServer({ port: Number(port), clientId, clientSecret: process.env.OAUTH_CLIENT_SECRET ?? '' });
  console.log(`authorization server on 127.0.0.1:${port}`);
}
