// The baseline for bench/worker/bench.mjs: a Worker that forwards every request to the
// upstream unchanged (same method, headers and body; /scim/v2/… → UPSTREAM_URL/…) and
// returns the upstream's response as it comes. No auth check, no parsing, no rewriting.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const target = env.UPSTREAM_URL + url.pathname.replace(/^\/scim\/v2/, '') + url.search;
    return fetch(new Request(target, request));
  },
};
