use super::*;
use crate::proxy::config::Config;
use crate::scim::Schemas;
use serde_json::{json, Value as Json};

const UP: &str = "http://app.local/v2";
const EDGE: &str = "https://edge.example/scim/v2";

fn secrets(n: &str) -> Option<String> {
    match n {
        "IN" => Some("in-token".into()),
        "UP" => Some("up-secret-token".into()),
        _ => None,
    }
}

fn proxy_with(extra: Json) -> Proxy {
    let mut j = json!({"upstream": {"url": UP, "auth": {"type": "bearer", "secret": "UP"}},
                       "inbound": {"tokens": ["IN"]}});
    if let (Some(o), Json::Object(e)) = (j.as_object_mut(), extra) {
        for (k, v) in e {
            o.insert(k, v);
        }
    }
    Proxy::new(Config::from_json(&j, &secrets))
}

fn req(method: &str, path: &str, body: Option<Json>) -> Request {
    let mut r =
        Request::new(method, &format!("{EDGE}{path}")).header("Authorization", "Bearer in-token");
    if let Some(b) = body {
        r = r.body(serde_json::to_vec(&b).unwrap());
    }
    r.request_id = "r1".into();
    r
}

fn fetch(step: Step) -> (UpstreamRequest, Pending) {
    match step {
        Step::Fetch(u, p) => (u, p),
        Step::Respond(r, _) => panic!(
            "expected a fetch, got {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        ),
    }
}

fn respond(step: Step) -> (Response, Json) {
    match step {
        Step::Respond(r, log) => {
            let log: Json = log
                .map(|l| serde_json::from_str(&l).unwrap())
                .unwrap_or(Json::Null);
            (r, log)
        }
        Step::Fetch(u, _) => panic!("expected a response, got a fetch of {}", u.url),
    }
}

fn up_resp(status: u16, body: Json) -> FetchOutcome {
    FetchOutcome::Response(Response {
        status,
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: if body.is_null() {
            Vec::new()
        } else {
            serde_json::to_vec(&body).unwrap()
        },
    })
}

fn body(r: &Response) -> Json {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn auth_is_required() {
    let mut p = proxy_with(json!({}));
    let mut r = req("GET", "/Users", None);
    r.headers.clear();
    let (resp, log) = respond(p.handle(r, 0));
    assert_eq!(resp.status, 401);
    assert_eq!(body(&resp)["schemas"][0], crate::scim::error::ERROR_URN);
    assert!(resp.get_header("WWW-Authenticate").is_some());
    assert_eq!(log["status"], 401);
    let r =
        Request::new("GET", &format!("{EDGE}/Users")).header("Authorization", "Bearer in-tokeN");
    assert_eq!(respond(p.handle(r, 0)).0.status, 401);
}

#[test]
fn invalid_config_is_described_only_to_its_admins() {
    let text = r#"{"upstream": {"url": "nope"}, "inbound": {"tokens": ["IN"]}}"#;
    let mut p = Proxy::from_config_text(text, &secrets);
    let mut anon = req("GET", "/Users", None);
    anon.headers.clear();
    let (resp, log) = respond(p.handle(anon, 0));
    assert_eq!(resp.status, 500);
    let detail = body(&resp)["detail"].as_str().unwrap().to_string();
    assert!(
        !detail.contains("upstream.url") && !detail.contains("nope"),
        "{detail}"
    );
    assert!(log["fault"].as_str().unwrap().contains("upstream.url"));
    assert_eq!(log["reason"], "misconfigured");
    let (resp, _) = respond(p.handle(req("GET", "/Users", None), 0));
    assert_eq!(resp.status, 500);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("upstream.url"));
    // A secret that is not set is not named to strangers either.
    let text = r#"{"upstream": {"url": "http://x"}, "inbound": {"tokens": ["MISSING_SECRET"]}}"#;
    let mut p = Proxy::from_config_text(text, &secrets);
    let (resp, _) = respond(p.handle(req("GET", "/Users", None), 0));
    assert_eq!(resp.status, 500);
    assert!(!String::from_utf8_lossy(&resp.body).contains("MISSING_SECRET"));
}

#[test]
fn health_says_ok_or_not_and_details_only_to_admins() {
    let mut p = proxy_with(json!({}));
    let anon = Request::new("GET", "https://edge.example/health");
    let (resp, _) = respond(p.handle(anon, 0));
    assert_eq!((resp.status, body(&resp)), (200, json!({"status": "ok"})));
    let text =
        r#"{"upstream": {"url": "http://x"}, "inbound": {"tokens": ["IN"]}, "preset": "nope"}"#;
    let mut p = Proxy::from_config_text(text, &secrets);
    let (resp, log) =
        respond(p.handle(Request::new("GET", "https://edge.example/t/acme/health"), 0));
    assert_eq!(resp.status, 500);
    assert!(!String::from_utf8_lossy(&resp.body).contains("nope"));
    assert_eq!(log["tenant"], "acme");
    let admin = Request::new("GET", "https://edge.example/t/acme/health")
        .header("Authorization", "Bearer in-token");
    let (resp, _) = respond(p.handle(admin, 0));
    assert!(String::from_utf8_lossy(&resp.body).contains("nope"));
}

#[test]
fn unsafe_ids_are_never_forwarded() {
    let mut p = proxy_with(json!({}));
    for id in [
        "..%2f..%2fGroups",
        "a%2Fb",
        "a%5Cb",
        "%2e%2e",
        "..",
        "a%252fb",
        "%00",
        "x%3Fy",
    ] {
        for m in ["GET", "DELETE", "PATCH", "PUT"] {
            let body = (m == "PATCH" || m == "PUT").then(|| json!({"Operations": []}));
            let (resp, log) = respond(p.handle(req(m, &format!("/Users/{id}"), body), 0));
            assert_eq!(resp.status, 404, "{m} {id}");
            assert_eq!(body_of(&resp)["schemas"][0], crate::scim::error::ERROR_URN);
            assert_eq!(log["reason"], "unsafe-id", "{m} {id}");
        }
    }
    // An id with a space or a colon is fine, and goes upstream encoded.
    let (up, _) = fetch(p.handle(req("GET", "/Users/a%20b:c", None), 0));
    assert_eq!(up.url, format!("{UP}/Users/a%20b%3Ac"));
}

fn body_of(r: &Response) -> Json {
    body(r)
}

#[test]
fn unserved_requests_get_scim_errors_and_log_lines() {
    for (url, why, status, reason) in [
        (
            "https://e/t/a%20b/scim/v2/Users",
            Unserved::NotFound,
            404,
            "unknown-path",
        ),
        (
            "https://e/t/nobody/scim/v2/Users",
            Unserved::UnknownTenant,
            404,
            "unknown-tenant",
        ),
        (
            "https://e/t/acme/scim/v2/Users",
            Unserved::StoreUnavailable,
            503,
            "config-store-unavailable",
        ),
    ] {
        let (resp, log) = respond(unserved(&Request::new("GET", url), why, 0));
        assert_eq!(resp.status, status);
        assert_eq!(body(&resp)["schemas"][0], crate::scim::error::ERROR_URN);
        assert_eq!(body(&resp)["status"], status.to_string());
        assert_eq!(log["reason"], reason);
        assert_eq!(resp.get_header("Retry-After").is_some(), status == 503);
    }
    let mut p = proxy_with(json!({}));
    let (resp, log) = respond(p.handle(Request::new("GET", "https://e/t//scim/v2/Users"), 0));
    assert_eq!(resp.status, 404);
    assert_eq!(log["reason"], "unknown-path");
}

fn rate_limited() -> FetchOutcome {
    FetchOutcome::Response(Response {
        status: 429,
        headers: vec![("Retry-After".into(), "7".into())],
        body: serde_json::to_vec(&json!({"schemas": [crate::scim::error::ERROR_URN], "status": "429", "detail": "slow down"})).unwrap(),
    })
}

#[test]
fn app_429_keeps_its_retry_after_on_every_path() {
    let mut p = proxy_with(json!({"preset": "webex"}));
    let patch = |path: &str| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": path, "value": "x"}]})
    };
    let requests = [
        req("POST", "/Users", Some(json!({"userName": "a"}))),
        req("PATCH", "/Users/1", Some(patch("title"))),
        req("PATCH", "/Users/1", Some(patch("name.familyName"))),
    ];
    for r in requests {
        let (_, pend) = fetch(p.handle(r, 0));
        let (resp, log) = respond(p.resume(pend, rate_limited(), 0));
        assert_eq!(resp.status, 429);
        assert_eq!(resp.get_header("Retry-After"), Some("7"));
        assert_eq!(log["upstreamStatus"], 429);
    }
    // The read-modify-write that failed names what it meant to change (client names).
    let (_, pend) = fetch(p.handle(req("PATCH", "/Users/1", Some(patch("name.familyName"))), 0));
    let (_, log) = respond(p.resume(pend, rate_limited(), 0));
    assert_eq!(log["changed"], json!(["name.familyName"]));
    assert_eq!(log["action"], "read-modify-write");
}

#[test]
fn read_modify_write_gives_up_with_412_and_retry_after() {
    let mut p = proxy_with(json!({"preset": "webex"}));
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "name.familyName", "value": "Byron"}]});
    let current = json!({"id": "5", "userName": "ada", "name": {"givenName": "Ada", "familyName": "L"}, "meta": {"version": "W/\"3\""}});
    let (_, mut pend) = fetch(p.handle(req("PATCH", "/Users/5", Some(patch)), 0));
    for _ in 0..2 {
        let (up, next) = fetch(p.resume(pend, up_resp(200, current.clone()), 0));
        assert_eq!(up.method, "PATCH");
        let step = p.resume(next, up_resp(412, json!({"status": "412"})), 0);
        match step {
            Step::Fetch(_, next) => pend = next,
            Step::Respond(resp, log) => {
                assert_eq!(resp.status, 412);
                assert_eq!(resp.get_header("Retry-After"), Some("1"));
                assert!(log.unwrap().contains("kept changing"));
                return;
            }
        }
    }
    panic!("the proxy retried more than once");
}

#[test]
fn lost_answers_say_what_may_have_happened() {
    let mut p = proxy_with(json!({}));
    let (_, pend) = fetch(p.handle(req("DELETE", "/Users/1", None), 0));
    let (resp, _) = respond(p.resume(pend, FetchOutcome::Unreachable("reset".into()), 0));
    assert_eq!(resp.status, 502);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("may have applied"));
    let (_, pend) = fetch(p.handle(req("GET", "/Users", None), 0));
    let (resp, _) = respond(p.resume(pend, FetchOutcome::Timeout, 0));
    assert_eq!(resp.status, 504);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was changed"));
}

#[test]
fn log_lines_carry_id_app_error_reason_and_drift() {
    let mut p = proxy_with(json!({}));
    let user = json!({"userName": "ada", "title": "CEO", "active": "True"});
    let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(user.clone())), 0));
    let stored = json!({"id": "n1", "userName": "ada", "active": true});
    let (resp, log) = respond(p.resume(pend, up_resp(201, stored), 0));
    assert_eq!(resp.status, 201);
    assert_eq!(log["id"], "n1");
    assert_eq!(log["drift"], json!(["title"]));
    assert_eq!(log["driftCount"], 1);
    assert!(!log.to_string().contains("CEO"));
    let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(user)), 0));
    let dup = json!({"schemas": [crate::scim::error::ERROR_URN], "status": "409", "scimType": "uniqueness", "detail": "ada exists"});
    let (_, pend) = fetch(p.resume(pend, up_resp(409, dup), 0));
    let none = json!({"totalResults": 0, "Resources": []});
    let (_, log) = respond(p.resume(pend, up_resp(200, none), 0));
    assert_eq!(
        (
            log["upstreamStatus"].clone(),
            log["upstreamScimType"].clone()
        ),
        (json!(409), json!("uniqueness"))
    );
    assert!(!log.to_string().contains("ada"));
    let (resp, log) = respond(p.handle(req("GET", "/Users?filter=userName%20eq", None), 0));
    assert_eq!(resp.status, 400);
    assert_eq!(log["reason"], "untranslatable-filter");
}

#[test]
fn writes_to_computed_attributes_are_logged_as_ignored() {
    let mut p = proxy_with(
        json!({"resources": {"User": {"transforms": {"nickName": "Join(\".\", [name.givenName], [name.familyName])"}}}}),
    );
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "nickName", "value": "x"}]});
    let (_, pend) = fetch(p.handle(req("PATCH", "/Users/1", Some(patch)), 0));
    let current =
        json!({"id": "1", "name": {"givenName": "A", "familyName": "B"}, "nickName": "A.B"});
    let (resp, log) = respond(p.resume(pend, up_resp(200, current), 0));
    assert_eq!(resp.status, 204);
    assert_eq!(log["action"], "no-op");
    assert_eq!(
        log["ignored"],
        json!([{"attribute": "nickName", "reason": "computed"}])
    );
}

#[test]
fn app_links_at_another_host_point_at_the_proxy() {
    let mut p = proxy_with(json!({}));
    let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(json!({"userName": "a"}))), 0));
    let created = FetchOutcome::Response(Response {
        status: 201,
        headers: vec![(
            "Location".into(),
            "https://app.internal.example:8443/v2/Users/9".into(),
        )],
        body: serde_json::to_vec(&json!({"id": "9", "userName": "a",
            "meta": {"location": "https://app.internal.example:8443/v2/Users/9"}}))
        .unwrap(),
    });
    let (resp, _) = respond(p.resume(pend, created, 0));
    assert_eq!(
        resp.get_header("Location"),
        Some(format!("{EDGE}/Users/9").as_str())
    );
    assert_eq!(body(&resp)["meta"]["location"], format!("{EDGE}/Users/9"));
    assert!(!String::from_utf8_lossy(&resp.body).contains("internal"));
}

#[test]
fn get_by_username_rewrites_filter_and_response() {
    let mut p = proxy_with(json!({"resources": {"User": {"renames": {"userName": "login"}}}}));
    let (up, pend) = fetch(p.handle(
        req(
            "GET",
            "/Users?filter=userName+eq+%22ada%22&aadOptscim062020",
            None,
        ),
        0,
    ));
    assert_eq!(up.url, format!("{UP}/Users?filter=login%20eq%20%22ada%22"));
    assert_eq!(
        crate::proxy::http::get(&up.headers, "Authorization"),
        Some("Bearer up-secret-token")
    );
    let list = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1,
        "Resources": [{"id": "1", "login": "ada", "meta": {"location": format!("{UP}/Users/1")}}]});
    let (resp, log) = respond(p.resume(pend, up_resp(200, list), 7));
    assert_eq!(resp.status, 200);
    let b = body(&resp);
    assert_eq!(b["Resources"][0]["userName"], "ada");
    assert_eq!(
        b["Resources"][0]["meta"]["location"],
        format!("{EDGE}/Users/1")
    );
    assert_eq!(log["durationMs"], 7);
    assert_eq!(log["upstreamStatus"], 200);
    assert!(!resp.body.windows(5).any(|w| w == b"login"));
}

#[test]
fn untranslatable_filter_is_invalid_filter() {
    let mut p = proxy_with(json!({"preset": "webex"}));
    let (resp, _) = respond(p.handle(
        req("GET", "/Users?filter=displayName%20eq%20%22x%22", None),
        0,
    ));
    assert_eq!(resp.status, 400);
    assert_eq!(body(&resp)["scimType"], "invalidFilter");
    let (resp, _) = respond(p.handle(req("GET", "/Users?filter=userName%20eq", None), 0));
    assert_eq!(body(&resp)["scimType"], "invalidFilter");
}

#[test]
fn create_maps_body_and_location() {
    let mut p = proxy_with(json!({"preset": "webex"}));
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "active": true});
    let (up, pend) = fetch(p.handle(req("POST", "/Users", Some(user)), 0));
    assert_eq!(up.method, "POST");
    let sent: Json = serde_json::from_slice(up.body.as_ref().unwrap()).unwrap();
    assert_eq!(sent["displayName"], "Ada Lovelace");
    let created = FetchOutcome::Response(Response {
        status: 201,
        headers: vec![
            ("Location".into(), format!("{UP}/Users/9")),
            ("ETag".into(), "W/\"1\"".into()),
        ],
        body: serde_json::to_vec(
            &json!({"id": "9", "userName": "ada", "displayName": "Ada Lovelace"}),
        )
        .unwrap(),
    });
    let (resp, log) = respond(p.resume(pend, created, 1));
    assert_eq!(resp.status, 201);
    assert_eq!(
        resp.get_header("Location"),
        Some(format!("{EDGE}/Users/9").as_str())
    );
    assert_eq!(resp.get_header("ETag"), Some("W/\"1\""));
    assert!(log["changed"]
        .as_array()
        .unwrap()
        .contains(&json!("displayName")));
}

#[test]
fn entra_patch_goes_direct_and_strict() {
    let mut p = proxy_with(json!({}));
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let (up, pend) = fetch(p.handle(req("PATCH", "/Users/5", Some(patch)), 0));
    assert_eq!(up.url, format!("{UP}/Users/5"));
    let sent: Json = serde_json::from_slice(up.body.as_ref().unwrap()).unwrap();
    assert_eq!(
        sent["Operations"],
        json!([{"op": "replace", "path": "active", "value": false}])
    );
    let (resp, log) = respond(p.resume(pend, up_resp(204, Json::Null), 0));
    assert_eq!(resp.status, 204);
    assert_eq!(log["changed"], json!(["active"]));
}

#[test]
fn read_modify_write_with_if_match_and_retry() {
    let mut p = proxy_with(json!({"preset": "webex"}));
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@x.org"},
                       {"op": "Replace", "path": "name.familyName", "value": "Byron"}]});
    let (up, pend) = fetch(p.handle(req("PATCH", "/Users/5", Some(patch)), 0));
    assert_eq!(
        (up.method.as_str(), up.url.as_str()),
        ("GET", format!("{UP}/Users/5").as_str())
    );
    let current = json!({"id": "5", "userName": "ada", "displayName": "Ada Lovelace",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "meta": {"version": "W/\"3\""}});
    let (up, pend) = fetch(p.resume(pend, up_resp(200, current.clone()), 0));
    assert_eq!(up.method, "PATCH");
    assert_eq!(
        crate::proxy::http::get(&up.headers, "If-Match"),
        Some("W/\"3\"")
    );
    let sent: Json = serde_json::from_slice(up.body.as_ref().unwrap()).unwrap();
    let applied = crate::scim::apply_patch(
        &current,
        &sent,
        &Schemas::core(),
        &crate::scim::Compat::strict(),
    )
    .unwrap();
    assert_eq!(
        applied["emails"],
        json!([{"type": "work", "value": "new@x.org"}])
    );
    assert_eq!(applied["name"]["familyName"], "Byron");
    // Someone else wrote in between: 412 → read again → write again.
    let (up, pend) = fetch(p.resume(pend, up_resp(412, json!({"status": "412"})), 0));
    assert_eq!(up.method, "GET");
    let (up, pend) = fetch(p.resume(pend, up_resp(200, current), 0));
    assert_eq!(up.method, "PATCH");
    let (resp, log) = respond(p.resume(pend, up_resp(204, Json::Null), 0));
    assert_eq!(resp.status, 204);
    assert_eq!(log["action"], "read-modify-write");
}

#[test]
fn faults_are_502_504_with_retry_after() {
    let mut p = proxy_with(json!({}));
    // A PUT: a POST's lost answer is followed by a lookup (see the recovery tests).
    let post = || req("PUT", "/Users/1", Some(json!({"userName": "a"})));
    let cases: Vec<(FetchOutcome, u16)> = vec![
        (FetchOutcome::Timeout, 504),
        (FetchOutcome::Unreachable("connection refused".into()), 502),
        (up_resp(500, json!({})), 502),
        (up_resp(401, json!({})), 502),
        (
            FetchOutcome::Response(Response {
                status: 201,
                headers: vec![],
                body: b"<html>".to_vec(),
            }),
            502,
        ),
    ];
    for (outcome, want) in cases {
        let (_, pend) = fetch(p.handle(post(), 0));
        let (resp, log) = respond(p.resume(pend, outcome, 0));
        assert_eq!(resp.status, want);
        assert_eq!(resp.get_header("Retry-After"), Some("30"));
        assert!(log["fault"].is_string());
        assert!(!String::from_utf8_lossy(&resp.body).contains("up-secret-token"));
    }
    let (_, pend) = fetch(p.handle(post(), 0));
    let (resp, _) = respond(p.resume(
        pend,
        up_resp(
            409,
            json!({"schemas": ["x"], "scimType": "uniqueness", "detail": "dup"}),
        ),
        0,
    ));
    assert_eq!(resp.status, 409);
    assert_eq!(body(&resp)["scimType"], "uniqueness");
    assert_eq!(body(&resp)["schemas"][0], crate::scim::error::ERROR_URN);
}

#[test]
fn oauth_token_is_fetched_once_and_cached() {
    let j = json!({"upstream": {"url": UP, "auth": {"type": "oauth2", "tokenUrl": "https://idp/token", "clientId": "c", "clientSecret": "UP"}},
                   "inbound": {"tokens": ["IN"]}});
    let mut p = Proxy::new(Config::from_json(&j, &secrets));
    let (tok, pend) = fetch(p.handle(req("GET", "/Users/1", None), 0));
    assert_eq!(tok.url, "https://idp/token");
    assert!(String::from_utf8_lossy(tok.body.as_ref().unwrap())
        .contains("grant_type=client_credentials"));
    let (up, pend) = fetch(p.resume(
        pend,
        up_resp(200, json!({"access_token": "AT", "expires_in": 3600})),
        0,
    ));
    assert_eq!(
        crate::proxy::http::get(&up.headers, "Authorization"),
        Some("Bearer AT")
    );
    let _ = respond(p.resume(pend, up_resp(200, json!({"id": "1"})), 0));
    let (up, _) = fetch(p.handle(req("GET", "/Users/1", None), 1000));
    assert_eq!(up.url, format!("{UP}/Users/1"));
    // Near expiry: fetched again.
    let (tok, _) = fetch(p.handle(req("GET", "/Users/1", None), 3_590_000));
    assert_eq!(tok.url, "https://idp/token");
}

#[test]
fn dry_run_returns_the_upstream_request() {
    let mut p = proxy_with(json!({}));
    let r = req(
        "POST",
        "/Users",
        Some(json!({"userName": "a", "active": "True"})),
    )
    .header("X-Scimmap-Dry-Run", "1");
    let (resp, log) = respond(p.handle(r, 0));
    assert_eq!(resp.status, 200);
    let b = body(&resp);
    assert_eq!(b["request"]["url"], format!("{UP}/Users"));
    assert_eq!(b["request"]["body"]["userName"], "a");
    assert_eq!(b["request"]["headers"]["Authorization"], "[redacted]");
    assert!(!String::from_utf8_lossy(&resp.body).contains("up-secret-token"));
    assert_eq!(log["action"], "dry-run");
    let (resp, _) = respond(p.handle(req("DELETE", "/Users/1?dryRun=true", None), 0));
    assert_eq!(body(&resp)["request"]["method"], "DELETE");
}

#[test]
fn genesys_adopts_and_detaches_groups() {
    let mut p = proxy_with(json!({"preset": "genesys"}));
    let g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "externalId": "e1"});
    let (up, pend) = fetch(p.handle(req("POST", "/Groups", Some(g.clone())), 0));
    assert_eq!(
        up.url,
        format!("{UP}/Groups?filter=displayName%20eq%20%22Sales%22&excludedAttributes=members")
    );
    let found = json!({"totalResults": 1, "Resources": [{"id": "g7", "displayName": "Sales"}]});
    let (resp, log) = respond(p.resume(pend, up_resp(200, found), 0));
    assert_eq!(resp.status, 201);
    assert_eq!(
        resp.get_header("Location"),
        Some(format!("{EDGE}/Groups/g7").as_str())
    );
    assert_eq!(log["action"], "adopted");
    // Not found: Genesys cannot create it, so the app is not asked to.
    let (_, pend) = fetch(p.handle(req("POST", "/Groups", Some(g.clone())), 0));
    let (resp, log) = respond(p.resume(
        pend,
        up_resp(200, json!({"totalResults": 0, "Resources": []})),
        0,
    ));
    assert_eq!(resp.status, 501);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("create it in Genesys Cloud first"));
    assert_eq!(log["reason"], "app-cannot-create-groups");
    // An app that can create groups but prefers adoption creates it when none matches.
    let mut p2 = proxy_with(json!({"preset": "genesys", "app": {"createGroups": true}}));
    let (_, pend) = fetch(p2.handle(req("POST", "/Groups", Some(g)), 0));
    let (up, _) = fetch(p2.resume(
        pend,
        up_resp(200, json!({"totalResults": 0, "Resources": []})),
        0,
    ));
    assert_eq!(up.method, "POST");
    let (resp, log) = respond(p.handle(req("DELETE", "/Groups/g7", None), 0));
    assert_eq!(resp.status, 204);
    assert_eq!(log["action"], "detached");
}

#[test]
fn limits_and_bad_requests() {
    let mut p = proxy_with(json!({"limits": {"maxBodyBytes": 64, "maxDepth": 4}}));
    let big = req("POST", "/Users", Some(json!({"userName": "x".repeat(100)})));
    assert_eq!(respond(p.handle(big, 0)).0.status, 413);
    let deep = req("POST", "/Users", None).body(b"{\"a\":[[[[[1]]]]]}".to_vec());
    let (r, _) = respond(p.handle(deep, 0));
    assert_eq!(
        (r.status, body(&r)["scimType"].as_str()),
        (400, Some("invalidSyntax"))
    );
    let garbage = req("PATCH", "/Users/1", None).body(b"nope".to_vec());
    assert_eq!(respond(p.handle(garbage, 0)).0.status, 400);
    assert_eq!(
        respond(p.handle(req("POST", "/Bulk", Some(json!({}))), 0))
            .0
            .status,
        501
    );
    assert_eq!(
        respond(p.handle(req("GET", "/Widgets", None), 0)).0.status,
        404
    );
    assert_eq!(
        respond(p.handle(req("DELETE", "/Schemas", None), 0))
            .0
            .status,
        405
    );
    assert_eq!(
        respond(p.handle(req("PUT", "/Users", Some(json!({}))), 0))
            .0
            .status,
        405
    );
    let bad_patch = req(
        "PATCH",
        "/Users/1",
        Some(json!({"Operations": [{"op": "frobnicate"}]})),
    );
    assert_eq!(respond(p.handle(bad_patch, 0)).0.status, 400);
}

#[test]
fn discovery_is_consistent() {
    let mut p = proxy_with(json!({"resources": {"User": {"renames": {"userName": "login"}}}}));
    let (_, pend) = fetch(p.handle(req("GET", "/ServiceProviderConfig", None), 0));
    let spc = json!({"patch": {"supported": false}, "authenticationSchemes": [{"type": "httpbasic"}], "meta": {"location": format!("{UP}/ServiceProviderConfig")}});
    let (r, _) = respond(p.resume(pend, up_resp(200, spc), 0));
    let b = body(&r);
    assert_eq!(b["patch"]["supported"], true);
    assert_eq!(b["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        b["meta"]["location"],
        format!("{EDGE}/ServiceProviderConfig")
    );
    let (_, pend) = fetch(p.handle(req("GET", "/Schemas", None), 0));
    let schemas = json!({"Resources": [{"id": crate::scim::schema::USER, "attributes": [{"name": "login"}, {"name": "emails"}]}]});
    let (r, _) = respond(p.resume(pend, up_resp(200, schemas), 0));
    assert_eq!(
        body(&r)["Resources"][0]["attributes"][0]["name"],
        "userName"
    );
}

#[test]
fn tenant_routes_and_log_names() {
    let mut p = proxy_with(json!({}));
    let mut r = Request::new("GET", "https://edge.example/t/acme/scim/v2/Groups/g%201")
        .header("Authorization", "Bearer in-token");
    r.request_id = "rid".into();
    let (up, pend) = fetch(p.handle(r, 0));
    assert_eq!(up.url, format!("{UP}/Groups/g%201"));
    let (_, log) = respond(p.resume(
        pend,
        up_resp(
            404,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"}),
        ),
        0,
    ));
    assert_eq!(log["tenant"], "acme");
    assert_eq!(log["id"], "g 1");
    assert_eq!(log["resourceType"], "Groups");
    assert_eq!(log["requestId"], "rid");
    let (r, _) = respond(p.handle(Request::new("GET", "https://edge.example/other"), 0));
    assert_eq!(r.status, 404);
}

#[test]
fn search_posts_translate_the_filter() {
    let mut p = proxy_with(json!({"resources": {"User": {"renames": {"userName": "login"}}}}));
    let (up, _) = fetch(p.handle(req("POST", "/Users/.search", Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"a\""}))), 0));
    assert_eq!(up.url, format!("{UP}/Users/.search"));
    let sent: Json = serde_json::from_slice(up.body.as_ref().unwrap()).unwrap();
    assert_eq!(sent["filter"], "login eq \"a\"");
}

#[test]
fn discovery_writes_are_405_even_without_a_body() {
    let mut p = proxy_with(json!({}));
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let (r, _) = respond(p.handle(req(m, "/ServiceProviderConfig", None), 0));
        assert_eq!(r.status, 405, "{m}");
        assert_eq!(r.get_header("Allow"), Some("GET"));
    }
}

#[test]
fn root_search_only_without_renames() {
    let mut p = proxy_with(json!({}));
    let (up, _) = fetch(p.handle(
        req("POST", "/.search", Some(json!({"filter": "userName pr"}))),
        0,
    ));
    assert_eq!(up.url, format!("{UP}/.search"));
    let mut p = proxy_with(json!({"resources": {"User": {"renames": {"userName": "login"}}}}));
    let (r, _) = respond(p.handle(
        req("POST", "/.search", Some(json!({"filter": "userName pr"}))),
        0,
    ));
    assert_eq!(r.status, 501);
}

#[test]
fn a_create_whose_answer_was_lost_is_found_by_its_matching_attribute() {
    let mut p = proxy_with(json!({"resources": {"User": {"renames": {"userName": "login"}}}}));
    let user = json!({"userName": "ada", "externalId": "e1"});
    for outcome in [
        FetchOutcome::Unreachable("connection reset".into()),
        FetchOutcome::Timeout,
        up_resp(409, json!({"scimType": "uniqueness", "detail": "exists"})),
    ] {
        let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(user.clone())), 0));
        let (lookup, pend) = fetch(p.resume(pend, outcome, 0));
        assert_eq!(
            lookup.url,
            format!("{UP}/Users?filter=login%20eq%20%22ada%22")
        );
        let list = json!({"totalResults": 1, "Resources": [{"id": "u9", "login": "ada", "externalId": "e1"}]});
        let (resp, log) = respond(p.resume(pend, up_resp(200, list), 0));
        assert_eq!(resp.status, 201);
        assert_eq!(body(&resp)["userName"], "ada");
        assert_eq!(
            resp.get_header("Location"),
            Some(format!("{EDGE}/Users/u9").as_str())
        );
        assert_eq!(
            (log["action"].clone(), log["id"].clone()),
            (json!("recovered"), json!("u9"))
        );
    }
}

#[test]
fn a_lost_create_not_found_or_contradicted_keeps_its_answer() {
    let mut p = proxy_with(json!({}));
    let user = json!({"userName": "ada", "externalId": "e1"});
    let cases = [
        (json!({"totalResults": 0, "Resources": []}), 502),
        (
            json!({"totalResults": 1, "Resources": [{"id": "x", "userName": "ada", "externalId": "other"}]}),
            502,
        ),
    ];
    for (list, want) in cases {
        let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(user.clone())), 0));
        let (_, pend) = fetch(p.resume(pend, FetchOutcome::Unreachable("reset".into()), 0));
        let (resp, _) = respond(p.resume(pend, up_resp(200, list), 0));
        assert_eq!(resp.status, want);
        assert!(body(&resp)["detail"]
            .as_str()
            .unwrap()
            .contains("may have applied"));
    }
    // A 409 for a user that is not the one sent stays a 409.
    let (_, pend) = fetch(p.handle(req("POST", "/Users", Some(user)), 0));
    let (_, pend) = fetch(p.resume(pend, up_resp(409, json!({"scimType": "uniqueness"})), 0));
    let (resp, _) = respond(p.resume(pend, FetchOutcome::Timeout, 0));
    assert_eq!(resp.status, 409);
    // Groups are matched by displayName unless configured.
    let mut p = proxy_with(json!({"resources": {"Group": {"matchingAttribute": "externalId"}}}));
    let (_, pend) = fetch(p.handle(
        req(
            "POST",
            "/Groups",
            Some(json!({"displayName": "g", "externalId": "x1"})),
        ),
        0,
    ));
    let (lookup, _) = fetch(p.resume(pend, FetchOutcome::Timeout, 0));
    assert_eq!(
        lookup.url,
        format!("{UP}/Groups?filter=externalId%20eq%20%22x1%22")
    );
}

/// `upstream.auth.expiresAt` for the expiry tests: 2026-05-01T00:00:00Z.
const EXPIRES_MS: u64 = 1_777_593_600_000;
const DAY_MS: u64 = 86_400_000;

fn expiring_proxy(extra_auth: Json) -> Proxy {
    let mut auth = json!({"type": "bearer", "secret": "UP", "expiresAt": "2026-05-01T00:00:00Z"});
    if let (Some(a), Json::Object(e)) = (auth.as_object_mut(), extra_auth) {
        a.extend(e);
    }
    proxy_with(json!({"upstream": {"url": UP, "auth": auth}}))
}

#[test]
fn log_lines_warn_of_credential_expiry_from_warn_days_before() {
    let mut p = expiring_proxy(json!({}));
    // 31 days before: no warning.
    let (up, pend) = fetch(p.handle(req("GET", "/Users/1", None), EXPIRES_MS - 31 * DAY_MS));
    assert_eq!(up.method, "GET");
    let (_, log) = respond(p.resume(
        pend,
        up_resp(200, json!({"id": "1"})),
        EXPIRES_MS - 31 * DAY_MS,
    ));
    assert!(log.get("credentialExpiresInDays").is_none(), "{log}");
    // 12 and a half days before: the app is still called, and the line warns.
    let now = EXPIRES_MS - 12 * DAY_MS - DAY_MS / 2;
    let (_, pend) = fetch(p.handle(req("GET", "/Users/1", None), now));
    let (resp, log) = respond(p.resume(pend, up_resp(200, json!({"id": "1"})), now));
    assert_eq!(resp.status, 200);
    assert_eq!(log["credentialExpiresInDays"], 12);
    assert_eq!(log["credentialExpiresAt"], "2026-05-01T00:00:00Z");
    // Refusals made by the proxy itself carry it too, and never the token.
    let (resp, log) = respond(p.handle(req("GET", "/Bulk", None), now));
    assert_eq!(resp.status, 501);
    assert_eq!(log["credentialExpiresInDays"], 12);
    assert!(!log.to_string().contains("up-secret-token") && !log.to_string().contains("UP\""));
    // A shorter window, configured.
    let mut p = expiring_proxy(json!({"warnDaysBefore": 7}));
    let (_, pend) = fetch(p.handle(req("GET", "/Users/1", None), now));
    let (_, log) = respond(p.resume(pend, up_resp(200, json!({"id": "1"})), now));
    assert!(log.get("credentialExpiresInDays").is_none(), "{log}");
}

#[test]
fn an_expired_credential_answers_502_without_calling_the_app() {
    let mut p = expiring_proxy(json!({}));
    for (method, path, b) in [
        ("GET", "/Users?filter=userName%20eq%20%22ada%22", None),
        ("POST", "/Users", Some(json!({"userName": "ada"}))),
        ("DELETE", "/Users/1", None),
    ] {
        let (resp, log) = respond(p.handle(req(method, path, b), EXPIRES_MS));
        assert_eq!(resp.status, 502, "{method} {path}");
        assert_eq!(
            body(&resp)["detail"],
            "the app credential expired on 2026-05-01T00:00:00Z: it must be renewed (put the new credential in its secret and update `upstream.auth.expiresAt`)"
        );
        assert!(resp.get_header("Retry-After").is_some());
        assert_eq!(log["reason"], "credential-expired");
        assert_eq!(log["credentialExpiredAt"], "2026-05-01T00:00:00Z");
        assert_eq!(log["upstreamStatus"], Json::Null);
    }
    // OAuth client credentials: not even the token endpoint is called.
    let mut p = proxy_with(json!({"upstream": {"url": UP, "auth": {"type": "oauth2",
        "tokenUrl": "http://idp.local/token", "clientId": "c", "clientSecret": "UP",
        "expiresAt": "2026-05-01T00:00:00Z"}}}));
    let (resp, log) = respond(p.handle(req("GET", "/Users/1", None), EXPIRES_MS + DAY_MS));
    assert_eq!(
        (resp.status, log["reason"].clone()),
        (502, json!("credential-expired"))
    );
    // One millisecond before, the request goes out.
    let mut p = expiring_proxy(json!({}));
    fetch(p.handle(req("GET", "/Users/1", None), EXPIRES_MS - 1));
}

#[test]
fn health_reports_credential_expiry_to_admins_only() {
    let mut p = expiring_proxy(json!({}));
    let anon = || Request::new("GET", "https://edge.example/health");
    let admin = || anon().header("Authorization", "Bearer in-token");
    let at = |p: &mut Proxy, r: Request, now: u64| {
        let (resp, log) = respond(p.handle(r, now));
        (resp.status, body(&resp), log)
    };
    let early = EXPIRES_MS - 100 * DAY_MS;
    assert_eq!(at(&mut p, anon(), early).1, json!({"status": "ok"}));
    let (status, b, _) = at(&mut p, admin(), early);
    assert_eq!(status, 200);
    assert_eq!(b["status"], "ok");
    assert_eq!(
        b["credential"],
        json!({"expiresAt": "2026-05-01T00:00:00Z", "daysLeft": 100, "warnDaysBefore": 30})
    );
    // In the warning window: strangers still read `ok`; the admin reads the warning.
    let late = EXPIRES_MS - 3 * DAY_MS;
    assert_eq!(at(&mut p, anon(), late).1, json!({"status": "ok"}));
    let (status, b, log) = at(&mut p, admin(), late);
    assert_eq!((status, b["status"].clone()), (200, json!("warning")));
    assert_eq!(b["credential"]["daysLeft"], 3);
    assert_eq!(log["credentialExpiresInDays"], 3);
    // Expired: 503 for everyone; only the admin learns why.
    let (status, b, _) = at(&mut p, anon(), EXPIRES_MS);
    assert_eq!((status, b), (503, json!({"status": "unavailable"})));
    let (status, b, _) = at(&mut p, admin(), EXPIRES_MS);
    assert_eq!(status, 503);
    assert_eq!(b["status"], "expired");
    assert_eq!(
        b["credential"],
        json!({"expiresAt": "2026-05-01T00:00:00Z", "expired": true})
    );
    assert!(
        !String::from_utf8_lossy(&respond(p.handle(admin(), EXPIRES_MS)).0.body).contains("UP")
    );
}

#[test]
fn groups_on_an_app_without_groups_are_501_naming_the_app() {
    for (preset, name) in [("chatwork", "Chatwork"), ("timeclock365", "TimeClock 365")] {
        let mut p = proxy_with(json!({"preset": preset}));
        for (method, path, b) in [
            ("GET", "/Groups?filter=displayName%20eq%20%22Sales%22", None),
            ("POST", "/Groups", Some(json!({"displayName": "Sales"}))),
            (
                "PATCH",
                "/Groups/g1",
                Some(
                    json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "u1"}]}]}),
                ),
            ),
            ("DELETE", "/Groups/g1", None),
        ] {
            let (resp, log) = respond(p.handle(req(method, path, b), 0));
            assert_eq!(resp.status, 501, "{preset} {method} {path}");
            let b = body(&resp);
            assert_eq!(b["schemas"][0], crate::scim::error::ERROR_URN);
            assert_eq!(b["status"], "501");
            assert!(
                b["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{name} has no groups")),
                "{b}"
            );
            assert_eq!(log["reason"], "app-has-no-groups");
        }
        // Users go through.
        let (up, _) = fetch(p.handle(req("GET", "/Users/1", None), 0));
        assert_eq!(up.url, format!("{UP}/Users/1"));
    }
    // A config may say the app has groups after all.
    let mut p = proxy_with(json!({"preset": "chatwork", "app": {"groups": true}}));
    fetch(p.handle(req("GET", "/Groups/g1", None), 0));
}

#[test]
fn genesys_without_adoption_refuses_group_create_and_delete() {
    let mut p = proxy_with(json!({"preset": "genesys",
        "groups": {"adoptExisting": false, "detachOnDelete": false}}));
    let (resp, log) = respond(p.handle(
        req("POST", "/Groups", Some(json!({"displayName": "Sales"}))),
        0,
    ));
    assert_eq!(resp.status, 501);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .starts_with("Genesys Cloud cannot create groups"));
    assert_eq!(log["reason"], "app-cannot-create-groups");
    let (resp, log) = respond(p.handle(req("DELETE", "/Groups/g7", None), 0));
    assert_eq!(resp.status, 501);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("`groups.detachOnDelete`"));
    assert_eq!(log["reason"], "app-cannot-delete-groups");
    // Reads and member changes are what Genesys offers.
    let (up, _) = fetch(p.handle(req("GET", "/Groups/g7", None), 0));
    assert_eq!(up.method, "GET");
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "u1"}]}]});
    let (up, _) = fetch(p.handle(req("PATCH", "/Groups/g7", Some(patch)), 0));
    assert_eq!(up.method, "PATCH");
}

#[test]
fn timeclock365_filters_users_on_username_only() {
    let mut p = proxy_with(json!({"preset": "timeclock365"}));
    let (up, _) = fetch(p.handle(
        req("GET", "/Users?filter=userName%20eq%20%22ada%22", None),
        0,
    ));
    assert_eq!(
        up.url,
        format!("{UP}/Users?filter=userName%20eq%20%22ada%22")
    );
    for filter in [
        "externalId%20eq%20%22e1%22",
        "userName%20eq%20%22ada%22%20and%20emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22a%40x%22",
    ] {
        let (resp, log) = respond(p.handle(req("GET", &format!("/Users?filter={filter}"), None), 0));
        assert_eq!(resp.status, 400, "{filter}");
        let b = body(&resp);
        assert_eq!(b["scimType"], "invalidFilter");
        assert!(
            b["detail"].as_str().unwrap().starts_with("TimeClock 365 can filter users only on userName; this filter uses `"),
            "{b}"
        );
        assert_eq!(log["reason"], "unfilterable-attribute");
    }
    // The same check applies to a search POST.
    let (resp, _) = respond(p.handle(
        req(
            "POST",
            "/Users/.search",
            Some(json!({"filter": "externalId eq \"e1\""})),
        ),
        0,
    ));
    assert_eq!(
        (resp.status, body(&resp)["scimType"].clone()),
        (400, json!("invalidFilter"))
    );
}

#[test]
fn filter_attributes_are_the_apps_names_after_renames() {
    let mut p = proxy_with(
        json!({"app": {"name": "Acme", "filterAttributes": {"User": ["login"]}},
                                  "resources": {"User": {"renames": {"userName": "login"}}}}),
    );
    let (up, _) = fetch(p.handle(
        req("GET", "/Users?filter=userName%20eq%20%22ada%22", None),
        0,
    ));
    assert_eq!(up.url, format!("{UP}/Users?filter=login%20eq%20%22ada%22"));
    let (resp, _) = respond(p.handle(
        req("GET", "/Users?filter=name.familyName%20eq%20%22L%22", None),
        0,
    ));
    assert_eq!(
        body(&resp)["detail"],
        "Acme can filter users only on login; this filter uses `name.familyName`"
    );
    // Groups are not limited unless listed.
    fetch(p.handle(
        req("GET", "/Groups?filter=externalId%20eq%20%22g%22", None),
        0,
    ));
}

#[test]
fn generic_and_webex_keep_every_capability() {
    for preset in ["generic", "webex"] {
        let mut p = proxy_with(json!({"preset": preset}));
        let (up, _) = fetch(p.handle(
            req("POST", "/Groups", Some(json!({"displayName": "Sales"}))),
            0,
        ));
        assert_eq!(
            (up.method.as_str(), up.url.as_str()),
            ("POST", format!("{UP}/Groups").as_str())
        );
        let (up, _) = fetch(p.handle(req("DELETE", "/Groups/g1", None), 0));
        assert_eq!(up.method, "DELETE");
        let (up, _) = fetch(p.handle(
            req("GET", "/Users?filter=externalId%20eq%20%22e1%22", None),
            0,
        ));
        assert_eq!(up.method, "GET");
    }
}

fn consent_proxy() -> Proxy {
    let j = json!({"upstream": {"url": UP, "auth": {"type": "authorizationCode",
            "authorizeUrl": "https://app.example/oauth/authorize", "tokenUrl": "https://app.example/oauth/token",
            "clientId": "cid", "clientSecret": "UP", "consentSecret": "IN", "scope": "users"}},
        "inbound": {"tokens": ["IN"]}, "preset": "chatwork"});
    Proxy::new(Config::from_json(&j, &secrets))
}

#[test]
fn consent_round_trip_then_calls_with_the_grant() {
    let mut p = consent_proxy();
    // No grant yet: the app is not called, and the answer says where to consent.
    let (resp, log) = respond(p.handle(req("GET", "/Users", None), 0));
    assert_eq!(resp.status, 502);
    assert!(body(&resp)["detail"]
        .as_str()
        .unwrap()
        .contains("https://edge.example/oauth/start"));
    assert_eq!(log["reason"], "consent-needed");
    let (resp, _) = respond(p.handle(Request::new("GET", "https://edge.example/health"), 0));
    assert_eq!(
        (resp.status, body(&resp)["status"].clone()),
        (503, json!("consent-needed"))
    );

    let start = Request::new("GET", "https://edge.example/t/acme/oauth/start");
    let (step, consent) = p.consent_start(&start, &[1; 64], 0);
    assert_eq!(respond(step).0.status, 401);
    assert!(consent.is_none());
    let start = start.header("Authorization", "Bearer in-token");
    let (step, consent) = p.consent_start(&start, &[1; 64], 0);
    let (resp, log) = respond(step);
    assert_eq!(resp.status, 302);
    let loc = resp.get_header("Location").unwrap();
    assert!(loc.contains("redirect_uri=https%3A%2F%2Fedge.example%2Ft%2Facme%2Foauth%2Fcallback"));
    assert_eq!(log["tenant"], "acme");
    let consent = consent.unwrap();

    let forged = Request::new(
        "GET",
        "https://edge.example/t/acme/oauth/callback?code=c&state=nope",
    );
    match p.consent_callback(&forged, Some(&consent), 10) {
        Callback::Respond(step) => assert_eq!(respond(step).0.status, 400),
        Callback::Exchange(_) => panic!("a forged state was accepted"),
    }
    let cb = Request::new(
        "GET",
        &format!(
            "https://edge.example/t/acme/oauth/callback?code=c1&state={}",
            consent.state
        ),
    );
    let Callback::Exchange(exchange) = p.consent_callback(&cb, Some(&consent), 10) else {
        panic!("the callback was refused");
    };
    assert_eq!(exchange.url, "https://app.example/oauth/token");
    let granted = up_resp(
        200,
        json!({"access_token": "AT1", "refresh_token": "RT1", "expires_in": 3600}),
    );
    let (step, grant) = p.consent_done(&cb, granted, 20);
    let (resp, log) = respond(step);
    assert_eq!(resp.status, 200);
    assert!(
        !String::from_utf8_lossy(&resp.body).contains("AT1") && !log.to_string().contains("AT1")
    );
    let grant = grant.unwrap();
    assert_eq!(grant.refresh_token.as_deref(), Some("RT1"));

    // A fresh proxy (another isolate) gets the grant from the runtime's store.
    let mut other = consent_proxy();
    other.use_grant(Some(&grant));
    let (up, _) = fetch(other.handle(req("GET", "/Users", None), 1000));
    assert_eq!(
        crate::proxy::http::get(&up.headers, "Authorization"),
        Some("Bearer AT1")
    );
    // Expired: consent needed again (the runtime refreshes before that).
    let (resp, _) = respond(other.handle(req("GET", "/Users", None), 3_600_020));
    assert_eq!(resp.status, 502);
}
