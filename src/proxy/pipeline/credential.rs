//! The app credential's expiry (`upstream.auth.expiresAt`): the log's warning fields, the
//! admin's /health block, and the refusal once it has passed.

use super::answer::{fault, Stop};
use crate::proxy::config::{Config, CredentialExpiry, CredentialState};
use serde_json::{json, Map, Value as Json};

/// Once the configured expiry has passed, the app is not called: its answer is known
/// (401), and repeated rejected calls can lock the credential or the client out at some
/// apps. 502 with Retry-After: Entra retries, and the next cycle succeeds once renewed.
pub(super) fn refuse_expired(cfg: &Config, now_ms: u64) -> Option<Stop> {
    let e = cfg.credential_expiry.as_ref()?;
    (e.state(now_ms) == CredentialState::Expired).then(|| Stop {
        resp: fault(
            502,
            &format!(
                "the app credential expired on {}: it must be renewed (put the new credential in its secret and update `upstream.auth.expiresAt`)",
                e.at
            ),
        ),
        reason: Some("credential-expired"),
    })
}

/// Log fields from the warning window on: dates and day counts, never the credential.
pub(super) fn log_fields(e: &CredentialExpiry, now_ms: u64, m: &mut Map<String, Json>) {
    match e.state(now_ms) {
        CredentialState::Valid { .. } => {}
        CredentialState::Expiring { days_left } => {
            m.insert("credentialExpiresInDays".into(), days_left.into());
            m.insert("credentialExpiresAt".into(), e.at.clone().into());
        }
        CredentialState::Expired => {
            m.insert("credentialExpiredAt".into(), e.at.clone().into());
        }
    }
}

/// The `/health` status word and, for an admin, the `credential` block.
pub(super) fn health(e: &CredentialExpiry, now_ms: u64) -> (&'static str, Json) {
    match e.state(now_ms) {
        CredentialState::Valid { days_left } => (
            "ok",
            json!({"expiresAt": e.at, "daysLeft": days_left, "warnDaysBefore": e.warn_days}),
        ),
        CredentialState::Expiring { days_left } => (
            "warning",
            json!({"expiresAt": e.at, "daysLeft": days_left, "warnDaysBefore": e.warn_days}),
        ),
        CredentialState::Expired => ("expired", json!({"expiresAt": e.at, "expired": true})),
    }
}
