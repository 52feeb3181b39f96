//! SCIM protocol errors (RFC 7644 §3.12) and their JSON bodies.

use crate::diagnostic::ParseError;
use std::fmt;

/// Schema URN of error responses (RFC 7644 §3.12).
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// `scimType` values for 400 responses (RFC 7644 §3.12, Table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax was invalid or the filter cannot be applied.
    InvalidFilter,
    /// The filter yields too many results.
    TooMany,
    /// A uniqueness constraint was violated.
    Uniqueness,
    /// The modification conflicts with the attribute's mutability.
    Mutability,
    /// The request body was malformed or violated the schema.
    InvalidSyntax,
    /// The `path` was invalid or malformed.
    InvalidPath,
    /// The path matched no attribute or value.
    NoTarget,
    /// A value was missing or of the wrong type.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information.
    Sensitive,
}

impl ScimType {
    /// The `scimType` keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error: HTTP status, optional `scimType` and a detail naming what failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}: {detail}", scim_type.map_or("error", |t| t.as_str()))]
pub struct ScimError {
    /// HTTP status code.
    pub status: u16,
    /// `scimType` (400 responses only).
    pub scim_type: Option<ScimType>,
    /// Human-readable detail.
    pub detail: String,
}

impl ScimError {
    /// A 400 error of the given type.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// A 400 `invalidFilter` error for a filter that did not parse.
    pub fn invalid_filter(src: &str, e: &ParseError) -> Self {
        Self::from_parse(ScimType::InvalidFilter, "filter", src, e)
    }

    /// A 400 `invalidPath` error for a PATCH path that did not parse.
    pub fn invalid_path(src: &str, e: &ParseError) -> Self {
        Self::from_parse(ScimType::InvalidPath, "path", src, e)
    }

    fn from_parse(t: ScimType, what: &str, src: &str, e: &ParseError) -> Self {
        let d = e.diagnostics.first();
        let detail = match d {
            Some(d) => format!(
                "invalid {what} {}: {} at offset {}",
                serde_json::Value::String(src.to_string()),
                d.message,
                d.span.start
            ),
            None => format!(
                "invalid {what} {}",
                serde_json::Value::String(src.to_string())
            ),
        };
        Self::bad_request(t, detail)
    }

    /// The RFC 7644 §3.12 JSON body; `status` is a string, as in the RFC's examples.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("schemas".into(), serde_json::json!([ERROR_URN]));
        m.insert("status".into(), self.status.to_string().into());
        if let Some(t) = self.scim_type {
            m.insert("scimType".into(), t.as_str().into());
        }
        m.insert("detail".into(), self.detail.clone().into());
        serde_json::Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_string_status() {
        let e = ScimError::bad_request(ScimType::NoTarget, "no match for path `x`");
        assert_eq!(
            e.to_json(),
            serde_json::json!({"schemas":[ERROR_URN],"status":"400","scimType":"noTarget","detail":"no match for path `x`"})
        );
    }
}
