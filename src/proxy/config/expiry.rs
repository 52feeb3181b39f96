//! `upstream.auth.expiresAt` / `warnDaysBefore`: when the app credential stops working.
//! Some apps issue long-lived static tokens that simply die (Webex: 365 days), and the
//! only sign of it is every provisioning cycle failing; the proxy warns ahead instead.

use super::{bad, ConfigError};
use serde_json::Value as Json;

const DAY_MS: i64 = 86_400_000;
/// `upstream.auth.warnDaysBefore` when not given.
pub const DEFAULT_WARN_DAYS: u64 = 30;
/// The largest `upstream.auth.warnDaysBefore`: a year, the longest token life we know of.
pub const MAX_WARN_DAYS: u64 = 366;

/// When the configured app credential expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialExpiry {
    /// The instant, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The instant in UTC, RFC 3339 (`2026-05-01T00:00:00Z`), for messages and the log.
    pub at: String,
    /// How many days before it the proxy starts warning.
    pub warn_days: u64,
}

/// Where a credential stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialState {
    /// Outside the warning window.
    Valid {
        /// Whole days left.
        days_left: u64,
    },
    /// Within `warnDaysBefore` days of expiry.
    Expiring {
        /// Whole days left (0 on the last day).
        days_left: u64,
    },
    /// Expired.
    Expired,
}

impl CredentialExpiry {
    /// The state at `now_ms` (milliseconds since the Unix epoch). Days left are whole
    /// days, rounded down: 0 on the last day.
    pub fn state(&self, now_ms: u64) -> CredentialState {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        let left = self.at_ms.saturating_sub(now);
        if left <= 0 {
            return CredentialState::Expired;
        }
        let days_left = u64::try_from(left / DAY_MS).unwrap_or(0);
        let window = i64::try_from(self.warn_days)
            .unwrap_or(i64::MAX)
            .saturating_mul(DAY_MS);
        if left <= window {
            CredentialState::Expiring { days_left }
        } else {
            CredentialState::Valid { days_left }
        }
    }
}

/// Reads `expiresAt` and `warnDaysBefore` of `upstream.auth` (type `bearer` or `oauth2`).
pub(super) fn credential_expiry(
    auth: Option<&Json>,
) -> Result<Option<CredentialExpiry>, ConfigError> {
    let Some(auth) = auth else { return Ok(None) };
    let warn = auth.get("warnDaysBefore");
    let Some(at) = auth.get("expiresAt") else {
        if warn.is_some() {
            return Err(bad(
                "`upstream.auth.warnDaysBefore` needs `upstream.auth.expiresAt` (when the credential expires)",
            ));
        }
        return Ok(None);
    };
    if !matches!(
        auth.get("type").and_then(Json::as_str),
        Some("bearer" | "oauth2")
    ) {
        return Err(bad(
            "`upstream.auth.expiresAt` applies to a credential: `upstream.auth.type` `bearer` or `oauth2`",
        ));
    }
    let when = at
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .ok_or_else(|| {
            bad("`upstream.auth.expiresAt` must be an RFC 3339 date-time such as `2026-05-01T00:00:00Z`")
        })?
        .with_timezone(&chrono::Utc);
    let warn_days = match warn {
        None => DEFAULT_WARN_DAYS,
        Some(w) => w.as_u64().filter(|n| *n <= MAX_WARN_DAYS).ok_or_else(|| {
            bad(format!(
                "`upstream.auth.warnDaysBefore` must be 0..={MAX_WARN_DAYS}"
            ))
        })?,
    };
    Ok(Some(CredentialExpiry {
        at_ms: when.timestamp_millis(),
        at: when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        warn_days,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(auth: Json) -> Result<Option<CredentialExpiry>, ConfigError> {
        credential_expiry(Some(&auth))
    }

    #[test]
    fn expiry_is_read_in_utc_with_a_30_day_default() {
        let e = parse(
            json!({"type": "bearer", "secret": "S", "expiresAt": "2026-05-01T02:00:00+02:00"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.at, "2026-05-01T00:00:00Z");
        assert_eq!(e.warn_days, 30);
        assert_eq!(
            parse(json!({"type": "bearer", "secret": "S"})).unwrap(),
            None
        );
    }

    #[test]
    fn bad_expiry_members_are_refused_by_name() {
        let cases = [
            (
                json!({"type": "bearer", "expiresAt": "2026-05-01"}),
                "RFC 3339",
            ),
            (json!({"type": "bearer", "expiresAt": 5}), "RFC 3339"),
            (
                json!({"type": "none", "expiresAt": "2026-05-01T00:00:00Z"}),
                "`bearer` or `oauth2`",
            ),
            (
                json!({"type": "bearer", "warnDaysBefore": 5}),
                "needs `upstream.auth.expiresAt`",
            ),
            (
                json!({"type": "bearer", "expiresAt": "2026-05-01T00:00:00Z", "warnDaysBefore": 367}),
                "0..=366",
            ),
        ];
        for (auth, want) in cases {
            let e = parse(auth.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{auth}: {e}");
        }
    }

    #[test]
    fn state_counts_whole_days_and_warns_inside_the_window() {
        let e = CredentialExpiry {
            at_ms: 100 * DAY_MS,
            at: "x".into(),
            warn_days: 30,
        };
        let day = |d: i64| u64::try_from(d * DAY_MS).unwrap();
        assert_eq!(e.state(day(69)), CredentialState::Valid { days_left: 31 });
        assert_eq!(
            e.state(day(70)),
            CredentialState::Expiring { days_left: 30 }
        );
        assert_eq!(
            e.state(day(88) - 1),
            CredentialState::Expiring { days_left: 12 }
        );
        assert_eq!(
            e.state(day(100) - 1),
            CredentialState::Expiring { days_left: 0 }
        );
        assert_eq!(e.state(day(100)), CredentialState::Expired);
        assert_eq!(e.state(u64::MAX), CredentialState::Expired);
        let never_warn = CredentialExpiry { warn_days: 0, ..e };
        assert_eq!(
            never_warn.state(day(100) - 1),
            CredentialState::Valid { days_left: 0 }
        );
    }
}
