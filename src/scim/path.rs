//! PATCH paths (RFC 7644 §3.5.2, Figure 7: `PATH = attrPath / valuePath [subAttr]`) and
//! reading values at a path, with case-insensitive names (RFC 7644 §3.10).

use crate::diagnostic::ParseError;
use crate::limits::Limits;
use crate::memo::Memo;
use crate::scim::ast::{AttrPath, Filter};
use crate::scim::schema::{AttributeDef, Schemas};
use crate::span::Span;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// A parsed PATCH path: `attrPath`, or `valuePath` optionally followed by `.subAttr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The attribute (possibly URN-qualified, possibly with a sub-attribute when there is
    /// no filter).
    pub attr: AttrPath,
    /// The value filter of a value path.
    pub filter: Option<Filter>,
    /// The sub-attribute after a value path's `]`.
    pub sub: Option<String>,
    /// Source span.
    pub span: Span,
}

impl Path {
    /// Parses a PATCH path strictly (RFC 7644 §3.5.2).
    ///
    /// # Errors
    /// A [`ParseError`] with the location of the problem.
    pub fn parse(src: &str) -> Result<Path, ParseError> {
        Path::parse_with(src, &Limits::default(), false)
    }

    /// Parses a path accepting unquoted filter values (`members[value eq 123abc]`), for
    /// expression attribute references and Entra's documentation samples.
    ///
    /// # Errors
    /// A [`ParseError`] with the location of the problem.
    pub fn parse_lenient(src: &str) -> Result<Path, ParseError> {
        Path::parse_with(src, &Limits::default(), true)
    }

    /// Parses with explicit limits; `bare_values` accepts unquoted filter values.
    ///
    /// # Errors
    /// A [`ParseError`] with the location of the problem.
    pub fn parse_with(src: &str, limits: &Limits, bare_values: bool) -> Result<Path, ParseError> {
        let parse = || {
            crate::syntax::parse_scim_path(src, limits, crate::syntax::ScimSyntax { bare_values })
        };
        if *limits != Limits::default() {
            return parse();
        }
        // PATCH operations, expression references and mapping targets repeat a handful of
        // paths; a parse costs ~15 k instructions, a memo hit a hash and a clone.
        static STRICT: std::sync::OnceLock<Memo<Path>> = std::sync::OnceLock::new();
        static LENIENT: std::sync::OnceLock<Memo<Path>> = std::sync::OnceLock::new();
        let memo = if bare_values { &LENIENT } else { &STRICT };
        memo.get_or_init(|| Memo::new(512, 256))
            .get_or_try(src, parse)
    }

    /// A plain attribute path without filter.
    pub fn from_attr(attr: AttrPath) -> Path {
        Path {
            attr,
            filter: None,
            sub: None,
            span: Span::default(),
        }
    }

    /// The sub-attribute targeted, whether written `a.b` or `a[f].b`.
    pub fn target_sub(&self) -> Option<&str> {
        self.sub.as_deref().or(self.attr.sub.as_deref())
    }

    /// A copy with spans reset.
    pub fn without_spans(&self) -> Path {
        let mut p = self.clone();
        p.span = Span::default();
        p.attr.span = Span::default();
        p.filter = p.filter.map(|f| f.without_spans());
        p
    }
}

impl FromStr for Path {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Path::parse(s)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A key of `obj` equal to `key` ignoring ASCII case; an exact match wins.
pub(crate) fn find_key<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a String> {
    if let Some((k, _)) = obj.get_key_value(key) {
        return Some(k);
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(key))
}

/// `obj[key]`, case-insensitively.
pub(crate) fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    find_key(obj, key).and_then(|k| obj.get(k))
}

/// The object holding the attributes of schema `uri`: the resource itself for no URN or a
/// core schema, otherwise the extension object under its URN key (RFC 7643 §3.3).
pub(crate) fn container<'a>(
    resource: &'a Value,
    uri: Option<&str>,
    schemas: &Schemas,
) -> Option<&'a Map<String, Value>> {
    let obj = resource.as_object()?;
    match uri {
        None => Some(obj),
        Some(u) if schemas.is_core(u) => Some(obj),
        Some(u) => get_ci(obj, u)?.as_object(),
    }
}

/// The definition of the top-level attribute of `path`, if known.
pub(crate) fn attr_def<'s>(schemas: &'s Schemas, path: &AttrPath) -> Option<&'s AttributeDef> {
    schemas
        .attribute(path.uri.as_deref(), &path.attr)
        .map(|(d, _)| d)
}

/// Resolves `path` in `resource` as the expression evaluator wants it: `None` when unassigned,
/// arrays for multi-valued results, and for a value path with one matching element, that
/// element's value (Entra maps `emails[type eq "work"].value` as a single value).
pub(crate) fn resolve(resource: &Value, path: &Path, schemas: &Schemas) -> Option<Value> {
    let obj = container(resource, path.attr.uri.as_deref(), schemas)?;
    let top = get_ci(obj, &path.attr.attr)?;
    let Some(filter) = &path.filter else {
        let v = match &path.attr.sub {
            None => top.clone(),
            Some(sub) => sub_values(top, sub)?,
        };
        return (!crate::scim::eval::is_unassigned(&v)).then_some(v);
    };
    let def = attr_def(schemas, &path.attr);
    let def = match &path.attr.sub {
        Some(s) => def.and_then(|d| d.sub(s)),
        None => def,
    };
    let top = match &path.attr.sub {
        Some(s) => top.as_object().and_then(|o| get_ci(o, s))?,
        None => top,
    };
    let elements: Vec<&Value> = match top {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for e in elements {
        if crate::scim::eval::matches_element(filter, e, def, schemas).unwrap_or(false) {
            match &path.sub {
                None => out.push(e.clone()),
                Some(sub) => {
                    if let Some(v) = e.as_object().and_then(|o| get_ci(o, sub)) {
                        if !crate::scim::eval::is_unassigned(v) {
                            out.push(v.clone());
                        }
                    }
                }
            }
        }
    }
    match out.len() {
        0 => None,
        1 => out.pop(),
        _ => Some(Value::Array(out)),
    }
}

/// `v.sub` for a complex value, or the array of `e.sub` for a multi-valued one.
fn sub_values(v: &Value, sub: &str) -> Option<Value> {
    match v {
        Value::Object(o) => get_ci(o, sub).cloned(),
        Value::Array(a) => {
            let vals: Vec<Value> = a
                .iter()
                .filter_map(|e| e.as_object().and_then(|o| get_ci(o, sub)))
                .filter(|v| !v.is_null())
                .cloned()
                .collect();
            Some(Value::Array(vals))
        }
        _ => None,
    }
}
