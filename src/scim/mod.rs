//! SCIM 2.0 attribute paths, filters and PATCH (RFC 7643, RFC 7644), strict by default,
//! with named switches for Microsoft Entra ID's dialect ([`Compat::entra`]).
//!
//! ```
//! use scimmap::scim::{Filter, Schemas};
//! let f = Filter::parse(r#"userName eq "ADA@contoso.com" and active eq true"#).unwrap();
//! let user = serde_json::json!({"userName": "ada@contoso.com", "active": true});
//! assert!(f.matches(&user, &Schemas::core()).unwrap());
//! assert_eq!(f.to_string(), r#"userName eq "ADA@contoso.com" and active eq true"#);
//! ```

pub mod ast;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diff;
pub mod error;
pub mod eval;
pub mod patch;
pub mod path;
pub mod print;
pub mod protocol;
pub mod rewrite;
pub mod schema;
pub mod text;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use diff::{diff, diff_paths, DiffShape, PathDiff};
pub use error::{ScimError, ScimType};
pub use patch::{apply_patch, Compat, PatchOp};
pub use path::Path;
pub use schema::{AttrType, AttributeDef, Mutability, Returned, Schema, Schemas, Uniqueness};
pub use text::{ResourceTexts, ResourcesTextError};

use crate::diagnostic::ParseError;
use crate::limits::Limits;
use std::str::FromStr;

impl Filter {
    /// Parses a filter strictly (RFC 7644 §3.4.2.2), with default [`Limits`].
    ///
    /// # Errors
    /// A [`ParseError`] locating the problem; map it to an HTTP response with
    /// [`ScimError::invalid_filter`].
    pub fn parse(src: &str) -> Result<Filter, ParseError> {
        Filter::parse_with(src, &Limits::default(), false)
    }

    /// Parses a filter; `bare_values` accepts unquoted values as strings
    /// (`externalId eq jyoung`, seen in Entra's documentation).
    ///
    /// # Errors
    /// A [`ParseError`] locating the problem.
    pub fn parse_with(src: &str, limits: &Limits, bare_values: bool) -> Result<Filter, ParseError> {
        crate::syntax::parse_scim_filter(src, limits, crate::syntax::ScimSyntax { bare_values })
    }
}

impl FromStr for Filter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::parse(s)
    }
}

impl TryFrom<&str> for Filter {
    type Error = ParseError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Filter::parse(s)
    }
}

pub(crate) fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Resolves a SCIM attribute path (`name.givenName`, `emails[type eq "work"].value`,
/// URN-qualified) against a resource, as Entra expressions read `[path]`.
///
/// Returns `None` for unassigned attributes (RFC 7643 §2.5) and unparsable paths;
/// multi-valued results are arrays; a value path matching exactly one element yields that
/// element's value, several yield an array. Plain names take a fast path without parsing.
///
/// ```
/// let u = serde_json::json!({"emails": [{"type": "work", "value": "a@x.org"}]});
/// assert_eq!(
///     scimmap::scim::resolve_attribute(&u, r#"emails[type eq "work"].value"#),
///     Some(serde_json::json!("a@x.org"))
/// );
/// ```
pub fn resolve_attribute(resource: &serde_json::Value, path: &str) -> Option<serde_json::Value> {
    if is_plain_name(path) {
        let v = path::get_ci(resource.as_object()?, path)?;
        return (!eval::is_unassigned(v)).then(|| v.clone());
    }
    if let Some((a, b)) = path.split_once('.') {
        if is_plain_name(a) && is_plain_name(b) {
            // No top-level attribute, nothing to resolve: skip building the path.
            path::get_ci(resource.as_object()?, a)?;
            let p = Path::from_attr(AttrPath::new(None, a, Some(b)));
            return path::resolve(resource, &p, Schemas::shared_core());
        }
    }
    let p = Path::parse_lenient(path).ok()?;
    path::resolve(resource, &p, Schemas::shared_core())
}
