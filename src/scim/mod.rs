//! SCIM 2.0 attribute paths, filters and PATCH (RFC 7644).

/// Resolves a SCIM attribute path (`name.givenName`, `emails[type eq "work"].value`,
/// URN-qualified) against a resource (placeholder).
pub fn resolve_attribute(_resource: &serde_json::Value, _path: &str) -> Option<serde_json::Value> {
    None
}
