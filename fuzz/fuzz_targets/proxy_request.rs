//! The proxy pipeline never panics and always ends in a response, for any request and
//! any upstream answer.
//!
//! Input, as bytes: `<selector byte><method>\n<path and query>\n<header lines>\n\n<body>`,
//! optionally followed by `\n\n\n<upstream response body>`. The selector picks the profile,
//! whether the inbound token is added, and the upstream status. The path is appended to
//! `https://edge/scim/v2`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scimmap::proxy::{Config, FetchOutcome, Proxy, Request, Response, Step};
use serde_json::json;

const PROFILES: &[&str] = &["generic", "webex", "genesys", "chatwork", "timeclock365"];
const STATUSES: &[u16] = &[200, 201, 204, 400, 404, 409, 412, 500];

fn split<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], &'a [u8]) {
    match data.windows(sep.len()).position(|w| w == sep) {
        Some(i) => (&data[..i], &data[i + sep.len()..]),
        None => (data, &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let (request, upstream_body) = split(rest, b"\n\n\n");
    let (head, body) = split(request, b"\n\n");
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/Users");
    let profile = PROFILES[usize::from(sel) % PROFILES.len()];
    let secrets = |n: &str| Some(format!("{n}-value"));
    let cfg = Config::from_json(
        &json!({"preset": profile, "upstream": {"url": "http://app/v2", "auth": {"type": "bearer", "secret": "UP"}},
                "inbound": {"tokens": ["IN"]}}),
        &secrets,
    );
    let mut proxy = Proxy::new(cfg);
    let mut req = Request::new(method, &format!("https://edge/scim/v2{path}"));
    if sel & 0x80 == 0 {
        req = req.header("Authorization", "Bearer IN-value");
    }
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            req = req.header(name, value.trim_start());
        }
    }
    let req = req.body(body.to_vec());
    let status = STATUSES[usize::from(sel >> 3) % STATUSES.len()];
    let answer = |i: usize| match i % 3 {
        // The first answer is the hostile upstream body; later ones a plausible resource.
        0 => FetchOutcome::Response(Response {
            status,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: upstream_body.to_vec(),
        }),
        1 => FetchOutcome::Response(Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/scim+json".into()), ("ETag".into(), "W/\"1\"".into())],
            body: serde_json::to_vec(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "abc", "userName": "a@x", "emails": [{"type": "work", "value": "a@x"}],
                "meta": {"resourceType": "User", "version": "W/\"1\""}})).unwrap_or_default(),
        }),
        _ => FetchOutcome::Timeout,
    };
    let mut step = proxy.handle(req, 0);
    for i in 0.. {
        match step {
            Step::Respond(r, _) => {
                assert!((100..600).contains(&r.status), "status {}", r.status);
                return;
            }
            Step::Fetch(_, pending) => {
                // A request needs at most a token, a read, a write and their retries.
                assert!(i < 32, "no response after {i} upstream calls");
                step = proxy.resume(pending, answer(i), 1_000 * i as u64);
            }
        }
    }
});
