//! CPU time the proxy pipeline spends per request, natively, for a ~5 KB Entra user:
//! create (POST → 201) and PATCH (direct, and read-modify-write), each a full
//! handle → fetch → resume → respond cycle with the upstream answer supplied in memory.
//!
//! `cargo run --release --example proxy_cpu`
#![allow(clippy::indexing_slicing)] // test-style harness: JSON built here always has these keys
use scimmap::proxy::{Config, FetchOutcome, Proxy, Request, Response, Step};
use serde_json::{json, Value};
use std::time::Instant;

/// Name, method, path, body, upstream answers.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Vec<u8>,
    Vec<FetchOutcome>,
);

fn user(i: usize) -> Value {
    let mut u = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{i:012}"),
        "userName": format!("user{i}@contoso.com"), "active": true, "displayName": "Ada Lovelace",
        "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        "emails": [{"primary": true, "type": "work", "value": format!("user{i}@contoso.com")}],
        "phoneNumbers": [{"type": "work", "value": "+44 20 7946 0000"}, {"type": "mobile", "value": "+44 7700 900000"}],
        "addresses": [{"type": "work", "streetAddress": "1 Analytical Row", "locality": "London", "postalCode": "EC1", "country": "GB"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engines", "employeeNumber": "1815", "costCenter": "CC-1"},
        "roles": [], "title": "Countess"
    });
    // Pad to ~5 KB with entitlement values, as a large tenant's user might carry.
    let ents: Vec<Value> = (0..40)
        .map(|k| json!({"value": format!("entitlement-{k:03}-{}", "x".repeat(80))}))
        .collect();
    u["entitlements"] = Value::Array(ents);
    u
}

fn run(p: &mut Proxy, req: Request, answers: &[FetchOutcome]) -> u16 {
    let mut step = p.handle(req, 0);
    let mut i = 0;
    loop {
        match step {
            Step::Respond(r, _) => return r.status,
            Step::Fetch(_, pending) => {
                step = p.resume(
                    pending,
                    answers.get(i).cloned().unwrap_or(FetchOutcome::Timeout),
                    0,
                );
                i += 1;
            }
        }
    }
}

fn main() {
    let secrets = |n: &str| Some(format!("{n}-value"));
    let cfg = |preset: &str| {
        Config::from_json(
            &json!({"preset": preset, "upstream": {"url": "http://app/v2", "auth": {"type": "bearer", "secret": "UP"}}, "inbound": {"tokens": ["IN"]}}),
            &secrets,
        )
    };
    let u = user(1);
    let body = serde_json::to_vec(&u).unwrap_or_default();
    println!("user body: {} bytes", body.len());
    let mut stored = u.clone();
    stored["id"] = json!("abc");
    stored["meta"] = json!({"resourceType": "User", "location": "http://app/v2/Users/abc", "version": "W/\"1\""});
    let ok = |status: u16, v: Option<&Value>| {
        FetchOutcome::Response(Response {
            status,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: v
                .map(|v| serde_json::to_vec(v).unwrap_or_default())
                .unwrap_or_default(),
        })
    };
    let patch_direct = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}, {"op": "Replace", "path": "title", "value": "Lady"}]});
    let patch_rmw = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Byron"}]});
    // PROXY_CPU_ITERS and PROXY_CPU_ONLY (`webex/create`) let callgrind count one case
    // (scripts/bench-instructions.sh's method: run N and 2N, take the difference).
    let n: u32 = std::env::var("PROXY_CPU_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let only = std::env::var("PROXY_CPU_ONLY").ok();
    for preset in ["generic", "webex"] {
        let mut p = Proxy::new(cfg(preset));
        let cases: Vec<Case> = vec![
            (
                "create",
                "POST",
                "/Users",
                body.clone(),
                vec![ok(201, Some(&stored))],
            ),
            (
                "patch direct",
                "PATCH",
                "/Users/abc",
                serde_json::to_vec(&patch_direct).unwrap_or_default(),
                vec![ok(204, None)],
            ),
            (
                "patch read-modify-write",
                "PATCH",
                "/Users/abc",
                serde_json::to_vec(&patch_rmw).unwrap_or_default(),
                vec![ok(200, Some(&stored)), ok(204, None)],
            ),
        ];
        for (name, method, path, b, answers) in cases {
            if only
                .as_ref()
                .is_some_and(|o| *o != format!("{preset}/{name}"))
            {
                continue;
            }
            let mk = || {
                Request::new(method, &format!("https://edge/scim/v2{path}"))
                    .header("Authorization", "Bearer IN-value")
                    .body(b.clone())
            };
            let status = run(&mut p, mk(), &answers);
            for _ in 0..200 {
                run(&mut p, mk(), &answers);
            }
            let t = Instant::now();
            for _ in 0..n {
                run(&mut p, mk(), &answers);
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
            println!("{preset:8} {name:24} status {status}  {us:8.1} µs/request");
        }
    }
}
