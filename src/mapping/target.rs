//! Target attribute paths as Entra writes them (`userName`, `name.givenName`,
//! `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager`): SCIM PATCH paths
//! ([`crate::scim::Path`]) with Entra's one rule for value filters, named and typed by the
//! SCIM schemas ([`crate::scim::Schemas`]).

use crate::diagnostic::Diagnostic;
use crate::scim::ast::{CompareOp, Filter};
use crate::scim::schema::{AttrType, AttributeDef, Mutability, Schemas, GROUP, USER};
use crate::scim::Path;
use crate::span::Span;
use std::borrow::Cow;

/// The type of a target attribute, as far as writing a value is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (also dates, numbers and URIs written as text).
    String,
    /// JSON boolean: `"True"`/`"False"` results are converted.
    Boolean,
    /// A reference to another resource: carries its id (`{"value": id}`).
    Reference,
    /// A complex attribute with sub-attributes.
    Complex,
}

impl Kind {
    /// How a value is written to an attribute of this definition. Read-only references
    /// (`groups`) are maintained by the app, so Entra never sends ids to them.
    pub fn of(def: &AttributeDef) -> Kind {
        match def.ty {
            AttrType::Boolean => Kind::Boolean,
            AttrType::Complex
                if def.refers_to_resource() && def.mutability != Mutability::ReadOnly =>
            {
                Kind::Reference
            }
            AttrType::Complex => Kind::Complex,
            _ => Kind::String,
        }
    }
}

/// The core schema URN of a target object type.
pub(crate) fn core_schema(target_object: &str) -> &'static str {
    if target_object.eq_ignore_ascii_case("Group") {
        GROUP
    } else {
        USER
    }
}

/// The attributes a target object type has in schema `urn` (`None` = its core schema, plus
/// the common `id`, `externalId`, `meta`). `None` for a schema we do not know (a
/// custom extension, whose attributes are whatever the app declares) and for the other
/// core schema (a User attribute on a Group).
pub(crate) fn target_attributes<'s>(
    schemas: &'s Schemas,
    target_object: &str,
    urn: Option<&str>,
) -> Option<Vec<&'s AttributeDef>> {
    let core = core_schema(target_object);
    let urn = urn.unwrap_or(core);
    let is_core = schemas.is_core(urn);
    if is_core && !urn.eq_ignore_ascii_case(core) {
        return None;
    }
    let schema = schemas.schema(urn)?;
    let mut out: Vec<&AttributeDef> = schema.attributes.iter().collect();
    if is_core {
        // `schemas` is not a target: the mapping writes it from the URNs it used.
        out.extend(
            schemas
                .common()
                .iter()
                .filter(|a| !a.name.eq_ignore_ascii_case("schemas")),
        );
    }
    Some(out)
}

/// An attribute by name, case-insensitively (RFC 7643 §2.1).
pub(crate) fn find_attribute<'s>(
    attrs: &[&'s AttributeDef],
    name: &str,
) -> Option<&'s AttributeDef> {
    attrs
        .iter()
        .copied()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Parses a target path: RFC 7644 PATCH path syntax, with a value filter limited to one
/// `attr eq value` test, the form Entra writes (SCIMTUT) and the only one that says what
/// element to create.
///
/// # Errors
/// An `invalid-target-path` diagnostic located in `text`.
pub fn parse_target(text: &str) -> Result<Path, Diagnostic> {
    let p = Path::parse(text).map_err(|e| {
        let first = e.diagnostics.into_iter().next();
        let (span, message, help) = match first {
            Some(d) => (d.span, d.message, d.help),
            None => (Span::new(0, text.len()), "invalid target path".into(), None),
        };
        let d = Diagnostic::error("invalid-target-path", span, message);
        match help {
            Some(h) => d.with_help(h),
            None => d,
        }
    })?;
    let Some(filter) = &p.filter else {
        return Ok(p);
    };
    match filter {
        Filter::Compare {
            op: CompareOp::Eq,
            path,
            ..
        } if path.uri.is_none() && path.sub.is_none() => Ok(p),
        Filter::Compare { path, op, span, .. } => Err(Diagnostic::error(
            "invalid-target-path",
            *span,
            format!(
                "target value filters must be `{} eq \"…\"`, found `{}`",
                path.attr,
                op.as_str()
            ),
        )),
        other => Err(Diagnostic::error(
            "invalid-target-path",
            other.span(),
            format!("target value filters must be one `attr eq \"…\"` test, found `{other}`"),
        )),
    }
}

/// Where a target's value goes: a value path without a sub-attribute
/// (`emails[type eq "work"]`) writes the element's `value`.
pub(crate) fn value_slot(target: &Path) -> Cow<'_, Path> {
    if target.filter.is_some() && target.sub.is_none() {
        let mut p = target.clone();
        p.sub = Some("value".into());
        Cow::Owned(p)
    } else {
        Cow::Borrowed(target)
    }
}

/// Looks the target up in the SCIM schema, fixes the spelling of known names
/// (`emails[type eq "other"].Value` → `.value`, SCIMTUT) and returns the type.
pub(crate) fn canonicalise(
    schemas: &Schemas,
    target_object: &str,
    t: &mut Path,
) -> (Option<Kind>, bool) {
    let Some(attrs) = target_attributes(schemas, target_object, t.attr.uri.as_deref()) else {
        return (None, false);
    };
    let Some(attr) = find_attribute(&attrs, &t.attr.attr) else {
        return (None, false);
    };
    t.attr.attr = attr.name.clone();
    if t.filter.is_none() && t.target_sub().is_none() {
        return (Some(Kind::of(attr)), attr.multi_valued);
    }
    if let Some(Filter::Compare { path, .. }) = &mut t.filter {
        if let Some(s) = attr.sub(&path.attr) {
            path.attr = s.name.clone();
        }
    }
    let sub_name = t.target_sub().unwrap_or("value").to_string();
    match attr.sub(&sub_name) {
        Some(s) => {
            if t.sub.is_some() {
                t.sub = Some(s.name.clone());
            } else if t.attr.sub.is_some() {
                t.attr.sub = Some(s.name.clone());
            }
            (Some(Kind::of(s)), false)
        }
        None => (None, false),
    }
}
