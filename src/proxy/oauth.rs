//! The app's OAuth 2.0 authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636) and
//! refresh (§6): the pure half. Apps such as Chatwork connect by an admin's consent, not
//! by a static token. The runtime keeps the consent in progress and the grant where every
//! isolate reaches them (a Durable Object), sends the requests built here, and hands the
//! answers back; nothing here does I/O, and no token is ever logged or answered.

use crate::proxy::http::{self, Response, UpstreamRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::fmt;

/// A consent in progress lives this long (the admin signs in at the app meanwhile).
pub const CONSENT_TTL_MS: u64 = 10 * 60 * 1000;
/// Refresh an access token this long before it expires.
pub const REFRESH_MARGIN_MS: u64 = 60_000;

/// `upstream.auth` of type `authorizationCode`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthCode {
    /// The app's authorization endpoint (the admin's browser goes there).
    pub authorize_url: String,
    /// The app's token endpoint.
    pub token_url: String,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret` (a secret's value, resolved from its name).
    pub client_secret: String,
    /// `scope`, when the app needs one.
    pub scope: Option<String>,
    /// Send a PKCE challenge (RFC 7636, `S256`).
    pub pkce: bool,
    /// The secret an admin presents to start a consent.
    pub consent_secret: String,
}

impl fmt::Debug for AuthCode {
    // Never print credentials, even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AuthCode({}, {}, ***)",
            self.authorize_url, self.token_url
        )
    }
}

/// A consent in progress: what the callback must match.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Consent {
    /// The `state` sent to the app (RFC 6749 §10.12: binds the callback to this start).
    pub state: String,
    /// The PKCE `code_verifier` (RFC 7636 §4.1).
    pub verifier: String,
    /// The `redirect_uri` the start used; the code exchange repeats it (§4.1.3).
    pub redirect_uri: String,
    /// When the consent lapses.
    pub expires_ms: u64,
}

impl fmt::Debug for Consent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Consent(expires {}, ***)", self.expires_ms)
    }
}

/// What the app granted.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// The access token for SCIM calls.
    pub access_token: String,
    /// When it expires.
    pub access_expires_ms: u64,
    /// The refresh token, the newest the app issued (it may rotate it on every refresh).
    pub refresh_token: Option<String>,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Grant(expires {}, refresh {})",
            self.access_expires_ms,
            self.refresh_token.is_some()
        )
    }
}

impl Grant {
    /// Whether the access token is good for a call made at `now_ms`.
    pub fn fresh_at(&self, now_ms: u64) -> bool {
        self.access_expires_ms > now_ms.saturating_add(REFRESH_MARGIN_MS)
    }
}

/// Starts a consent: the app's authorization URL for the admin's browser, and what the
/// callback must match. `random` must come from a CSPRNG (64 bytes: 32 for `state`, 32
/// for the PKCE verifier).
pub fn start(
    auth: &AuthCode,
    redirect_uri: &str,
    random: &[u8; 64],
    now_ms: u64,
) -> (String, Consent) {
    let (a, b) = random.split_at(32);
    let consent = Consent {
        state: URL_SAFE_NO_PAD.encode(a),
        verifier: URL_SAFE_NO_PAD.encode(b),
        redirect_uri: redirect_uri.to_string(),
        expires_ms: now_ms.saturating_add(CONSENT_TTL_MS),
    };
    let mut q = vec![
        ("response_type".to_string(), "code".to_string()),
        ("client_id".into(), auth.client_id.clone()),
        ("redirect_uri".into(), redirect_uri.to_string()),
        ("state".into(), consent.state.clone()),
    ];
    if let Some(s) = &auth.scope {
        q.push(("scope".into(), s.clone()));
    }
    if auth.pkce {
        q.push(("code_challenge".into(), challenge(&consent.verifier)));
        q.push(("code_challenge_method".into(), "S256".into()));
    }
    let sep = if auth.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{}{sep}{}", auth.authorize_url, http::build_query(&q));
    (url, consent)
}

/// RFC 7636 §4.2: `BASE64URL(SHA256(code_verifier))`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Why a callback is refused (the admin reads it in the browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// The app answered with `error` (RFC 6749 §4.1.2.1), e.g. the admin declined.
    Denied(String),
    /// No `code` or no `state` in the callback.
    Malformed,
    /// The `state` matches no consent in progress, or it lapsed.
    UnknownState,
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Denied(e) => write!(f, "the app refused the consent ({e})"),
            CallbackError::Malformed => f.write_str("the callback carries no code or no state"),
            CallbackError::UnknownState => {
                f.write_str("this consent is unknown or has lapsed (10 minutes); start it again")
            }
        }
    }
}

/// The callback's query: the `code` to exchange, once its `state` matches `pending`.
///
/// # Errors
/// See [`CallbackError`].
pub fn callback_code(
    query: &str,
    pending: Option<&Consent>,
    now_ms: u64,
) -> Result<String, CallbackError> {
    let pairs = http::parse_query(query);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(e) = get("error") {
        // The error code is an ASCII keyword (§4.1.2.1); anything else is not repeated.
        let keyword = e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return Err(CallbackError::Denied(if keyword {
            e
        } else {
            "error".into()
        }));
    }
    let (Some(code), Some(state)) = (get("code"), get("state")) else {
        return Err(CallbackError::Malformed);
    };
    match pending {
        Some(c) if c.expires_ms > now_ms && constant_eq(&c.state, &state) => Ok(code),
        _ => Err(CallbackError::UnknownState),
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    crate::proxy::config::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// The token request for a form (RFC 6749 §4.1.3, §6), the client authenticated with
/// HTTP Basic (§2.3.1: every server must support it).
fn token_request(auth: &AuthCode, form: &[(String, String)], timeout_ms: u64) -> UpstreamRequest {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        http::encode(&auth.client_id),
        http::encode(&auth.client_secret)
    ));
    UpstreamRequest {
        method: "POST".into(),
        url: auth.token_url.clone(),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Accept".into(), "application/json".into()),
            ("Authorization".into(), format!("Basic {basic}")),
        ],
        body: Some(http::build_query(form).into_bytes()),
        timeout_ms,
    }
}

/// Exchanges the callback's code for a grant (RFC 6749 §4.1.3, RFC 7636 §4.5).
pub fn code_request(
    auth: &AuthCode,
    code: &str,
    consent: &Consent,
    timeout_ms: u64,
) -> UpstreamRequest {
    let mut form = vec![
        ("grant_type".to_string(), "authorization_code".to_string()),
        ("code".into(), code.to_string()),
        ("redirect_uri".into(), consent.redirect_uri.clone()),
    ];
    if auth.pkce {
        form.push(("code_verifier".into(), consent.verifier.clone()));
    }
    token_request(auth, &form, timeout_ms)
}

/// Refreshes a grant (RFC 6749 §6).
pub fn refresh_request(auth: &AuthCode, refresh_token: &str, timeout_ms: u64) -> UpstreamRequest {
    let form = vec![
        ("grant_type".to_string(), "refresh_token".to_string()),
        ("refresh_token".into(), refresh_token.to_string()),
    ];
    token_request(auth, &form, timeout_ms)
}

/// The grant in a token answer (§5.1). A refresh answer without a new refresh token keeps
/// the one it was made with (§6: the server MAY issue a new one; when it does, the old
/// one is to be discarded).
///
/// # Errors
/// Text for the log (the status and the OAuth `error` keyword, never a token).
pub fn grant_from(
    resp: &Response,
    now_ms: u64,
    previous_refresh: Option<&str>,
) -> Result<Grant, String> {
    let body = resp.json();
    if resp.status != 200 {
        let error = body
            .as_ref()
            .and_then(|b| b.get("error"))
            .and_then(Json::as_str)
            .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or("no error code");
        return Err(format!("token endpoint answered {} ({error})", resp.status));
    }
    let body = body.ok_or("token endpoint answered a body that is not JSON")?;
    let access_token = body
        .get("access_token")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("token endpoint answered no access_token")?
        .to_string();
    let secs = body.get("expires_in").and_then(Json::as_u64).unwrap_or(300);
    let refresh_token = body
        .get("refresh_token")
        .and_then(Json::as_str)
        .map(str::to_string)
        .or_else(|| previous_refresh.map(str::to_string));
    Ok(Grant {
        access_token,
        access_expires_ms: now_ms.saturating_add(secs.saturating_mul(1000)),
        refresh_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> AuthCode {
        AuthCode {
            authorize_url: "https://app.example/oauth/authorize".into(),
            token_url: "https://app.example/oauth/token".into(),
            client_id: "cid".into(),
            client_secret: "s3cret".into(),
            scope: Some("users.all:read_write".into()),
            pkce: true,
            consent_secret: "admin".into(),
        }
    }

    #[test]
    fn rfc7636_appendix_b_challenge() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn consent_round_trip() {
        let cb = "https://edge/t/acme/oauth/callback";
        let mut random = [0u8; 64];
        for (i, b) in random.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap();
        }
        let (url, consent) = start(&auth(), cb, &random, 1_000);
        assert!(url.starts_with("https://app.example/oauth/authorize?response_type=code&client_id=cid&redirect_uri=https%3A%2F%2Fedge%2Ft%2Facme%2Foauth%2Fcallback&state="));
        assert!(url.contains(&format!("code_challenge={}", challenge(&consent.verifier))));
        assert!(url.contains("code_challenge_method=S256"));
        assert!(!url.contains(&consent.verifier));
        let q = format!("code=abc&state={}", consent.state);
        assert_eq!(callback_code(&q, Some(&consent), 2_000), Ok("abc".into()));
        assert_eq!(
            callback_code(&q, Some(&consent), 1_000 + CONSENT_TTL_MS),
            Err(CallbackError::UnknownState)
        );
        assert_eq!(
            callback_code("code=abc&state=forged", Some(&consent), 2_000),
            Err(CallbackError::UnknownState)
        );
        assert_eq!(
            callback_code("code=abc", Some(&consent), 2_000),
            Err(CallbackError::Malformed)
        );
        assert_eq!(
            callback_code("error=access_denied&state=x", None, 0),
            Err(CallbackError::Denied("access_denied".into()))
        );
        let req = code_request(&auth(), "abc", &consent, 5_000);
        let form = String::from_utf8(req.body.unwrap()).unwrap();
        assert!(form.contains("grant_type=authorization_code&code=abc&redirect_uri="));
        assert!(form.contains(&format!("code_verifier={}", consent.verifier)));
        assert!(!form.contains("s3cret"));
        assert_eq!(
            crate::proxy::http::get(&req.headers, "Authorization"),
            Some("Basic Y2lkOnMzY3JldA==")
        );
    }

    #[test]
    fn refresh_rotates_or_keeps_the_refresh_token() {
        let ok = |body: Json| Response {
            status: 200,
            headers: vec![],
            body: serde_json::to_vec(&body).unwrap(),
        };
        let g = grant_from(
            &ok(serde_json::json!({"access_token": "a1", "expires_in": 3600, "refresh_token": "r2"})),
            10,
            Some("r1"),
        )
        .unwrap();
        assert_eq!(
            (g.access_token.as_str(), g.refresh_token.as_deref()),
            ("a1", Some("r2"))
        );
        assert_eq!(g.access_expires_ms, 3_600_010);
        assert!(g.fresh_at(10) && !g.fresh_at(3_600_010 - REFRESH_MARGIN_MS));
        let kept = grant_from(
            &ok(serde_json::json!({"access_token": "a2"})),
            0,
            Some("r2"),
        )
        .unwrap();
        assert_eq!(kept.refresh_token.as_deref(), Some("r2"));
        let refused = Response {
            status: 400,
            headers: vec![],
            body: br#"{"error": "invalid_grant", "error_description": "r2 revoked"}"#.to_vec(),
        };
        let e = grant_from(&refused, 0, Some("r2")).unwrap_err();
        assert_eq!(e, "token endpoint answered 400 (invalid_grant)");
        let req = refresh_request(&auth(), "r2", 1);
        assert_eq!(
            String::from_utf8(req.body.unwrap()).unwrap(),
            "grant_type=refresh_token&refresh_token=r2"
        );
        assert!(!format!("{g:?}").contains("a1"));
    }
}
