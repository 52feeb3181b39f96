//! Filter evaluation over JSON resources (RFC 7644 §3.4.2.2) with schema-aware comparison.
//!
//! Rules, in one place (also in `docs/scim-decisions.md`):
//! * strings compare by the attribute's `caseExact` (RFC 7643 §2.2 default: false);
//! * `dateTime` attributes (and, for unknown attributes, values that both parse as
//!   dates) compare chronologically for `eq ne gt ge lt le`; partial dates in the
//!   filter (`2021-09`, `2021-09-08`) mean their first instant, UTC;
//! * a multi-valued attribute matches if any value matches; a complex value without a
//!   sub-attribute is compared through its `value` sub-attribute (RFC 7643 §2.4);
//! * `eq null` matches unassigned attributes, `ne null` assigned ones (RFC 7643 §2.5);
//! * type mismatches between a resource value and the compared value are a documented
//!   no-match (`ne` matches: the values are not identical); filters that are wrong
//!   whatever the data are `invalidFilter`: ordering on booleans, binary or `null`
//!   (RFC 7644 §3.4.2.2), `co`/`sw`/`ew` with a non-string value, a non-date compared to
//!   a `dateTime` attribute.

use crate::scim::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::error::{ScimError, ScimType};
use crate::scim::path::{attr_def, container, get_ci};
use crate::scim::schema::{AttrType, AttributeDef, Schemas};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;
use std::cmp::Ordering;

/// Deepest tree evaluated (parsed filters are far shallower; this bounds hand-built ones).
const MAX_EVAL_DEPTH: usize = 512;

/// Where names in a filter are resolved.
#[derive(Clone, Copy)]
enum Scope<'s> {
    /// At the resource: names are top-level attributes, URN-qualified or not.
    Resource,
    /// Inside one element of a value path: names are sub-attributes of `def`.
    Element(Option<&'s AttributeDef>),
}

impl Filter {
    /// Whether `resource` matches this filter.
    ///
    /// # Errors
    /// `invalidFilter` for filters that cannot apply whatever the data (see module docs).
    ///
    /// # Examples
    /// ```
    /// use scimmap::scim::{Filter, Schemas};
    /// let f = Filter::parse(r#"emails[type eq "work" and value ew "example.org"]"#).unwrap();
    /// let user = serde_json::json!({"emails": [{"type": "work", "value": "a@EXAMPLE.org"}]});
    /// assert!(f.matches(&user, &Schemas::core()).unwrap());
    /// ```
    pub fn matches(&self, resource: &Value, schemas: &Schemas) -> Result<bool, ScimError> {
        eval(self, resource, Scope::Resource, schemas, 0)
    }
}

/// Whether one element of a multi-valued attribute matches a value filter.
pub(crate) fn matches_element(
    filter: &Filter,
    element: &Value,
    def: Option<&AttributeDef>,
    schemas: &Schemas,
) -> Result<bool, ScimError> {
    eval(filter, element, Scope::Element(def), schemas, 0)
}

fn eval(
    f: &Filter,
    obj: &Value,
    scope: Scope<'_>,
    schemas: &Schemas,
    depth: usize,
) -> Result<bool, ScimError> {
    if depth > MAX_EVAL_DEPTH {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            "filter nests too deeply",
        ));
    }
    match f {
        Filter::And { operands, .. } => {
            for o in operands {
                if !eval(o, obj, scope, schemas, depth + 1)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Filter::Or { operands, .. } => {
            for o in operands {
                if eval(o, obj, scope, schemas, depth + 1)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Filter::Not { inner, .. } => Ok(!eval(inner, obj, scope, schemas, depth + 1)?),
        Filter::Present { path, .. } => {
            let (vals, _) = lookup(obj, path, scope, schemas);
            Ok(vals.iter().any(|v| !is_unassigned(v)))
        }
        Filter::Compare {
            path, op, value, ..
        } => {
            let (vals, def) = lookup(obj, path, scope, schemas);
            check_applicable(path, *op, value, def)?;
            if matches!(value, CompValue::Null) {
                let assigned = vals.iter().any(|v| !is_unassigned(v));
                return Ok(if *op == CompareOp::Eq {
                    !assigned
                } else {
                    assigned
                });
            }
            let mut leaves = Vec::new();
            for v in vals {
                flatten(v, &mut leaves);
            }
            // RFC 7643 §2.4: a complex value without a sub-attribute is compared by `value`.
            let value_def = def.and_then(|d| d.sub("value"));
            for leaf in leaves {
                let (leaf, leaf_def) = match leaf {
                    Value::Object(o) => match get_ci(o, "value") {
                        Some(v) => (v, value_def),
                        None => continue,
                    },
                    other => (other, def),
                };
                if compare(leaf, *op, value, leaf_def, path)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Filter::ValuePath {
            path, filter, tail, ..
        } => {
            let (vals, def) = lookup(obj, path, scope, schemas);
            let mut elements = Vec::new();
            for v in vals {
                flatten(v, &mut elements);
            }
            for e in elements {
                if !e.is_object() {
                    continue;
                }
                let inner = Scope::Element(def);
                if eval(filter, e, inner, schemas, depth + 1)?
                    && match tail {
                        Some(t) => eval(t, e, inner, schemas, depth + 1)?,
                        None => true,
                    }
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

/// The values `path` denotes in `obj` (one per element for multi-valued complex parents)
/// and the definition of the attribute they belong to.
fn lookup<'v, 's>(
    obj: &'v Value,
    path: &AttrPath,
    scope: Scope<'s>,
    schemas: &'s Schemas,
) -> (Vec<&'v Value>, Option<&'s AttributeDef>) {
    let (top, def) = match scope {
        Scope::Resource => {
            let top =
                container(obj, path.uri.as_deref(), schemas).and_then(|c| get_ci(c, &path.attr));
            (top, attr_def(schemas, path))
        }
        Scope::Element(parent) => {
            let top = obj.as_object().and_then(|o| get_ci(o, &path.attr));
            (top, parent.and_then(|p| p.sub(&path.attr)))
        }
    };
    let Some(top) = top else {
        return (Vec::new(), def.map(|d| sub_def(d, path)).unwrap_or(None));
    };
    match &path.sub {
        None => (vec![top], def),
        Some(sub) => {
            let sdef = def.and_then(|d| d.sub(sub));
            let vals = match top {
                Value::Array(a) => a
                    .iter()
                    .filter_map(|e| e.as_object().and_then(|o| get_ci(o, sub)))
                    .collect(),
                Value::Object(o) => get_ci(o, sub).into_iter().collect(),
                _ => Vec::new(),
            };
            (vals, sdef)
        }
    }
}

fn sub_def<'s>(d: &'s AttributeDef, path: &AttrPath) -> Option<&'s AttributeDef> {
    match &path.sub {
        None => Some(d),
        Some(s) => d.sub(s),
    }
}

fn flatten<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(a) => out.extend(a.iter().filter(|e| !e.is_null())),
        Value::Null => {}
        other => out.push(other),
    }
}

/// RFC 7643 §2.5: null, an empty array and (for `pr`, RFC 7644 §3.4.2.2) an empty string
/// or a complex value with no non-empty node are unassigned.
pub(crate) fn is_unassigned(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.iter().all(is_unassigned),
        Value::Object(o) => o.values().all(is_unassigned),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn invalid(path: &AttrPath, why: &str) -> ScimError {
    ScimError::bad_request(ScimType::InvalidFilter, format!("`{path}`: {why}"))
}

/// Checks that do not depend on the data: the filter is wrong whatever the resource.
fn check_applicable(
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
    def: Option<&AttributeDef>,
) -> Result<(), ScimError> {
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    match value {
        CompValue::Null if op != CompareOp::Eq && op != CompareOp::Ne => {
            return Err(invalid(path, "only `eq` and `ne` compare with null"));
        }
        CompValue::Bool(_) if ordering || substring => {
            return Err(invalid(
                path,
                "booleans support only `eq`, `ne` and `pr` (RFC 7644 §3.4.2.2)",
            ));
        }
        CompValue::Number(_) if substring => {
            return Err(invalid(path, "`co`, `sw` and `ew` need a string value"));
        }
        _ => {}
    }
    if let Some(d) = def {
        if ordering && matches!(d.ty, AttrType::Boolean | AttrType::Binary) {
            return Err(invalid(
                path,
                "boolean and binary attributes cannot be ordered (RFC 7644 §3.4.2.2)",
            ));
        }
        if d.ty == AttrType::DateTime && !substring {
            if let CompValue::String(s) = value {
                if parse_date(s).is_none() {
                    return Err(invalid(path, "is a dateTime; the value is not a date"));
                }
            }
        }
    }
    Ok(())
}

fn compare(
    leaf: &Value,
    op: CompareOp,
    value: &CompValue,
    def: Option<&AttributeDef>,
    path: &AttrPath,
) -> Result<bool, ScimError> {
    let ord: Option<Ordering> = match (leaf, value) {
        (Value::String(a), CompValue::String(b)) => {
            let is_date = match def {
                Some(d) => d.ty == AttrType::DateTime,
                None => DateTime::parse_from_rfc3339(a).is_ok() && parse_date(b).is_some(),
            };
            if matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew) {
                let exact = def.is_some_and(|d| d.case_exact);
                return Ok(substring(a, b, op, exact));
            }
            if is_date {
                match (parse_date(a), parse_date(b)) {
                    (Some(x), Some(y)) => Some(x.cmp(&y)),
                    (_, None) => return Err(invalid(path, "the value is not a date")),
                    // A stored value that is not a date never equals a date.
                    (None, Some(_)) => None,
                }
            } else if def.is_some_and(|d| d.case_exact) {
                Some(a.as_str().cmp(b.as_str()))
            } else {
                Some(fold(a).cmp(&fold(b)))
            }
        }
        (Value::Number(a), CompValue::Number(b)) => number_cmp(a, b),
        (Value::Bool(a), CompValue::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    Ok(match (op, ord) {
        (CompareOp::Eq, Some(o)) => o == Ordering::Equal,
        (CompareOp::Ne, Some(o)) => o != Ordering::Equal,
        // Type mismatch: not identical.
        (CompareOp::Eq, None) => false,
        (CompareOp::Ne, None) => true,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        _ => false,
    })
}

fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn substring(a: &str, b: &str, op: CompareOp, exact: bool) -> bool {
    let (a, b) = if exact {
        (std::borrow::Cow::Borrowed(a), std::borrow::Cow::Borrowed(b))
    } else {
        (fold(a), fold(b))
    };
    match op {
        CompareOp::Co => a.contains(b.as_ref()),
        CompareOp::Sw => a.starts_with(b.as_ref()),
        CompareOp::Ew => a.ends_with(b.as_ref()),
        _ => false,
    }
}

fn number_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    let int = |n: &serde_json::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    if let (Some(x), Some(y)) = (int(a), int(b)) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// An xsd:dateTime (RFC 3339), or a date prefix (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mm:ss` without zone), taken as its first instant in UTC.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    let utc = |n: NaiveDateTime| Utc.from_utc_datetime(&n).fixed_offset();
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(utc(n));
    }
    let date = if s.len() == 4 {
        NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1)
    } else if s.len() == 7 {
        NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()
    } else {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }?;
    Some(utc(date.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn m(f: &str, v: &Value) -> Result<bool, ScimError> {
        Filter::parse(f).unwrap().matches(v, &Schemas::core())
    }

    #[test]
    fn value_path_applies_per_element() {
        let u = json!({"emails": [
            {"type": "work", "value": "a@other.com"},
            {"type": "home", "value": "b@example.org"}]});
        assert!(!m(r#"emails[type eq "work" and value ew "example.org"]"#, &u).unwrap());
        assert!(m(
            r#"emails.type eq "work" and emails.value ew "example.org""#,
            &u
        )
        .unwrap());
        assert!(!m(r#"emails[type eq "work"].value ew "example.org""#, &u).unwrap());
        assert!(m(r#"emails[type eq "home"].value ew "EXAMPLE.org""#, &u).unwrap());
    }

    #[test]
    fn case_exact_follows_schema() {
        let u = json!({"userName": "Bjensen", "id": "Abc", "externalId": "X1"});
        assert!(m(r#"USERNAME eq "bjensen""#, &u).unwrap());
        assert!(!m(r#"id eq "abc""#, &u).unwrap());
        assert!(!m(r#"externalId eq "x1""#, &u).unwrap());
    }

    #[test]
    fn datetime_is_chronological() {
        let u = json!({"meta": {"lastModified": "2011-05-13T06:42:34+02:00"}});
        assert!(m(r#"meta.lastModified eq "2011-05-13T04:42:34Z""#, &u).unwrap());
        assert!(m(r#"meta.lastModified gt "2011-05-13T04:00:00Z""#, &u).unwrap());
        assert!(m(r#"meta.lastModified gt "yesterday""#, &u).is_err());
    }

    #[test]
    fn booleans_cannot_be_ordered() {
        let u = json!({"active": true});
        let e = m("active gt true", &u).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
        assert!(m("active eq true", &u).unwrap());
        assert!(!m(r#"active eq "true""#, &u).unwrap());
    }

    #[test]
    fn null_and_pr() {
        let u = json!({"title": "", "nickName": null, "emails": []});
        assert!(!m("title pr", &u).unwrap());
        assert!(!m("emails pr", &u).unwrap());
        assert!(m("nickName eq null", &u).unwrap());
        assert!(m("missing eq null", &u).unwrap());
        assert!(!m("missing ne null", &u).unwrap());
    }

    #[test]
    fn extension_urn_lookup() {
        let u = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}});
        assert!(m(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d""#,
            &u
        )
        .unwrap());
    }
}
