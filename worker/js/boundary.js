// The Worker's side of the JS ↔ wasm boundary, where building the runtime's objects one
// import call at a time would cost more than the work itself (BENCHMARKS.md, "Where the
// Worker's time goes"): headers cross as one text of `name:value` lines (field names are
// tokens without `:`, and field values carry no CR or LF, RFC 9110 §5.1 and §5.5), and a
// request, a response or an upstream call is made here in one call.

export function headerText(headers) {
  let text = "";
  for (const [name, value] of headers) text += name + ":" + value + "\n";
  return text;
}

// As `[name, value]` pairs, which the runtime's constructors take whole.
function headersOf(text) {
  const headers = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return headers;
}

// A `body` is a view of wasm memory: copied before anything else can grow that memory.
function own(body) {
  return body == null ? null : body.slice();
}

// An empty body is none, as statuses 204 and 304 require (Fetch, "null body status").
export function makeResponse(status, headers, body) {
  return new Response(body.length === 0 ? null : body.slice(), { status, headers: headersOf(headers) });
}

export function makeRequest(url, method, headers, body) {
  return new Request(url, { method, headers: headersOf(headers), body: own(body) });
}

// Resolves to [status, header text, body bytes], or to null when `timeoutMs` passed
// before the answer was read whole; rejects when the app cannot be reached.
export async function fetchUpstream(url, method, headers, body, timeoutMs) {
  const signal = AbortSignal.timeout(timeoutMs);
  const init = { method, headers: headersOf(headers), body: own(body), redirect: "manual", signal };
  try {
    const response = await fetch(url, init);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return [response.status, headerText(response.headers), bytes];
  } catch (error) {
    if (signal.aborted) return null;
    throw error;
  }
}
