//! Writing mapped values into the resource [`CompiledMapping::apply`] builds from nothing.
//!
//! The PATCH writer ([`crate::scim::patch::write_at`]) is the reference: it finds keys
//! case-insensitively, matches value filters against existing elements, keeps `primary`
//! unique and prunes empty values, at several thousand instructions per target. When the
//! resource starts empty and is written only by the mapping's own targets, most targets
//! can be placed without any of that: the container, key and element each target writes
//! are resolved once, at compile time, from all the targets together, and apply inserts
//! into the JSON objects directly. A target is routed that way only where the result is
//! provably what `write_at` would produce; every other target, and every value whose
//! writing would involve pruning or `primary`, still goes through `write_at`.
//!
//! [`CompiledMapping::apply`]: crate::mapping::CompiledMapping::apply

use crate::mapping::apply::CompiledAttribute;
use crate::scim::ast::{CompValue, CompareOp, Filter};
use crate::scim::eval::parse_date;
use crate::scim::path::get_ci;
use crate::scim::{Path, Schemas};
use serde_json::{Map, Value as Json};

/// Where apply writes each attribute mapping.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// By attribute index.
    routes: Vec<Route>,
    /// The extension objects routes write into.
    exts: Vec<Ext>,
    /// Top-level members the resource can have, `schemas` included.
    width: usize,
    /// No target is a top-level `schemas`, so `schemas` can hold the first place while the
    /// resource is built instead of being put in front of it afterwards (a second map).
    schemas_first: bool,
}

/// An extension object (`urn:…:enterprise:2.0:User`).
#[derive(Debug, Clone)]
struct Ext {
    uri: String,
    /// Members it can have.
    width: usize,
}

/// How one target is written; `ext` indexes [`Plan::exts`] (`None` = the resource itself).
/// The names come from the target's slot when writing, so a plan holds no copies of them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    /// By `write_at`.
    General,
    /// `key` (`userName`, `urn:…:enterprise:2.0:User:department`), the only target of `key`.
    Attr { ext: Option<usize> },
    /// `key.sub` (`name.givenName`); every target of `key` has this form.
    Sub { ext: Option<usize> },
    /// `key[on eq "is"].sub` (`emails[type eq "work"].value`); every target of `key` has
    /// this form with the same `on`, and the element each writes is told apart by `is`.
    Element {
        ext: Option<usize>,
        /// Elements the targets of `key` can make.
        elements: usize,
    },
}

/// A target as far as routing goes, borrowed from its slot.
struct Shape<'a> {
    /// Extension container URN; `None` = the resource itself (no URN or a core one).
    ext: Option<&'a str>,
    /// The top-level attribute in its container.
    key: &'a str,
    form: Form<'a>,
}

#[derive(Clone, Copy, PartialEq)]
enum Form<'a> {
    Attr,
    Sub(&'a str),
    Element {
        on: &'a str,
        is: &'a str,
        sub: &'a str,
    },
    General,
}

impl<'a> Shape<'a> {
    fn of(slot: &'a Path, schemas: &Schemas) -> Shape<'a> {
        let attr = &slot.attr;
        let ext = attr.uri.as_deref().filter(|u| !schemas.is_core(u));
        let form = match (&slot.filter, attr.sub.as_deref(), slot.sub.as_deref()) {
            (None, None, None) => Form::Attr,
            (None, Some(sub), None) => Form::Sub(sub),
            (
                Some(Filter::Compare {
                    path,
                    op: CompareOp::Eq,
                    value: CompValue::String(is),
                    ..
                }),
                None,
                Some(sub),
            ) if path.uri.is_none()
                && path.sub.is_none()
                // A date is compared as a date, so two spellings can match one element
                // (every date form has digits).
                && (!is.bytes().any(|b| b.is_ascii_digit()) || parse_date(is).is_none())
                // `primary` would bring in `write_at`'s uniqueness rule, and a sub-attribute
                // named like the filter's would rewrite the element's identity.
                && !path.attr.eq_ignore_ascii_case("primary")
                && !sub.eq_ignore_ascii_case("primary")
                && !sub.eq_ignore_ascii_case(&path.attr) =>
            {
                Form::Element {
                    on: &path.attr,
                    is,
                    sub,
                }
            }
            _ => Form::General,
        };
        Shape {
            ext,
            key: &attr.attr,
            form,
        }
    }

    /// The member of the resource itself this target lives under.
    fn top(&self) -> &'a str {
        self.ext.unwrap_or(self.key)
    }

    /// Whether this target can be routed directly given that `other` writes too.
    fn beside(&self, other: &Shape<'_>) -> bool {
        if self.top().eq_ignore_ascii_case(other.top()) {
            // `write_at` finds members case-insensitively and keeps the first spelling.
            match (self.ext, other.ext) {
                (Some(a), Some(b)) if a != b => return false,
                (Some(_), None) | (None, Some(_)) => return false,
                _ => {}
            }
        }
        if self.ext != other.ext || !self.key.eq_ignore_ascii_case(other.key) {
            return true;
        }
        if self.key != other.key {
            return false;
        }
        let same_ci = |a: &str, b: &str| !a.eq_ignore_ascii_case(b) || a == b;
        match (self.form, other.form) {
            (Form::Sub(a), Form::Sub(b)) => same_ci(a, b),
            (
                Form::Element { on, is, sub },
                Form::Element {
                    on: on2,
                    is: is2,
                    sub: sub2,
                },
            ) => {
                // Filters compare strings case-insensitively without a schema.
                on == on2 && same_ci(sub, sub2) && (is == is2 || !folds_equal(is, is2))
            }
            // Two writers of one attribute, different forms, or one `write_at` handles.
            _ => false,
        }
    }
}

impl Plan {
    /// Routes every attribute mapping of a compiled mapping.
    pub(crate) fn new(attributes: &[CompiledAttribute]) -> Plan {
        let schemas = Schemas::empty();
        let shapes: Vec<Shape<'_>> = attributes
            .iter()
            .map(|a| Shape::of(&a.slot, &schemas))
            .collect();
        let top = |i: usize| shapes.get(i).map_or("", Shape::top);
        // Targets under different members of the resource never meet, so they are compared
        // only within groups of one member (case-insensitively, as `write_at` finds them).
        let mut order: Vec<usize> = (0..shapes.len()).collect();
        order.sort_by(|&a, &b| {
            let lower = |i: usize| top(i).bytes().map(|c| c.to_ascii_lowercase());
            lower(a).cmp(lower(b))
        });
        let mut plan = Plan {
            routes: vec![Route::General; shapes.len()],
            exts: Vec::new(),
            width: 1,
            schemas_first: true,
        };
        for group in order.chunk_by(|&a, &b| top(a).eq_ignore_ascii_case(top(b))) {
            plan.width += 1;
            let members = || group.iter().filter_map(|&i| shapes.get(i));
            if members().any(|s| s.top().eq_ignore_ascii_case("schemas")) {
                plan.schemas_first = false;
            }
            let mut ext = None;
            for (n, s) in members().enumerate() {
                let direct = s.form != Form::General
                    && members().enumerate().all(|(m, o)| n == m || s.beside(o));
                if !direct {
                    continue;
                }
                let ext = s.ext.map(|uri| {
                    *ext.get_or_insert_with(|| {
                        plan.exts.push(Ext {
                            uri: uri.to_string(),
                            width: distinct(members().map(|o| o.key)),
                        });
                        plan.exts.len() - 1
                    })
                });
                let route = match s.form {
                    Form::General => Route::General,
                    Form::Attr => Route::Attr { ext },
                    Form::Sub(_) => Route::Sub { ext },
                    Form::Element { .. } => Route::Element {
                        ext,
                        elements: distinct(members().filter_map(|o| match o.form {
                            Form::Element { is, .. } if o.key == s.key => Some(is),
                            _ => None,
                        })),
                    },
                };
                if let Some(r) = group.get(n).and_then(|&i| plan.routes.get_mut(i)) {
                    *r = route;
                }
            }
        }
        plan
    }

    /// Whether the plan was made for this many attribute mappings.
    pub(crate) fn fits(&self, attributes: usize) -> bool {
        self.routes.len() == attributes
    }

    /// The empty resource to write into, and the writer that does.
    pub(crate) fn start(&self) -> (Json, Writer<'_>) {
        let mut m = Map::with_capacity(self.width);
        if self.schemas_first {
            m.insert("schemas".into(), Json::Null);
        }
        (
            Json::Object(m),
            Writer {
                plan: self,
                present: 0,
            },
        )
    }

    /// Fills in `schemas` (see [`Plan::start`]), or hands it back when the plan did not
    /// reserve its place.
    pub(crate) fn finish(&self, resource: &mut Json, schemas: Json) -> Result<(), Json> {
        match resource {
            Json::Object(m) if self.schemas_first => match m.get_mut("schemas") {
                Some(slot) => {
                    *slot = schemas;
                    Ok(())
                }
                None => Err(schemas),
            },
            _ => Err(schemas),
        }
    }
}

/// Writes the routed targets of one apply.
pub(crate) struct Writer<'p> {
    plan: &'p Plan,
    /// Extension objects known to exist (bit = index in [`Plan::exts`]), so that each is
    /// looked for and created once rather than for every target in it.
    present: u64,
}

impl Writer<'_> {
    /// Writes attribute mapping `i`'s value at `slot` directly, or hands it back for
    /// `write_at`.
    pub(crate) fn write(
        &mut self,
        i: usize,
        slot: &Path,
        resource: &mut Json,
        value: Json,
    ) -> Result<(), Json> {
        let (Some(route), Json::Object(resource)) = (self.plan.routes.get(i), resource) else {
            return Err(value);
        };
        let key = &slot.attr.attr;
        match *route {
            Route::General => Err(value),
            Route::Attr { ext } => {
                if !settled(&value) {
                    return Err(value);
                }
                let Some(obj) = self.container(resource, ext) else {
                    return Err(value);
                };
                if obj.contains_key(key) {
                    return Err(value);
                }
                obj.insert(key.clone(), value);
                Ok(())
            }
            Route::Sub { ext } => {
                let Some(sub) = &slot.attr.sub else {
                    return Err(value);
                };
                let Some(obj) = self.container(resource, ext) else {
                    return Err(value);
                };
                match obj.get_mut(key) {
                    None => {
                        let mut o = Map::new();
                        o.insert(sub.clone(), value);
                        obj.insert(key.clone(), Json::Object(o));
                    }
                    Some(Json::Object(o)) => {
                        o.insert(sub.clone(), value);
                    }
                    Some(_) => return Err(value),
                }
                Ok(())
            }
            Route::Element { ext, elements } => {
                let (
                    Some(Filter::Compare {
                        path,
                        value: CompValue::String(is),
                        ..
                    }),
                    Some(sub),
                ) = (&slot.filter, &slot.sub)
                else {
                    return Err(value);
                };
                let on = &path.attr;
                let Some(obj) = self.container(resource, ext) else {
                    return Err(value);
                };
                let element = |value: Json| {
                    let mut e = Map::with_capacity(2);
                    e.insert(on.clone(), Json::String(is.clone()));
                    e.insert(sub.clone(), value);
                    Json::Object(e)
                };
                match obj.get_mut(key) {
                    None => {
                        let mut items = Vec::with_capacity(elements);
                        items.push(element(value));
                        obj.insert(key.clone(), Json::Array(items));
                    }
                    Some(Json::Array(items)) => {
                        let hit = items.iter_mut().find_map(|e| match e {
                            Json::Object(o)
                                if o.get(on).and_then(Json::as_str) == Some(is.as_str()) =>
                            {
                                Some(o)
                            }
                            _ => None,
                        });
                        match hit {
                            Some(o) => {
                                o.insert(sub.clone(), value);
                            }
                            None => items.push(element(value)),
                        }
                    }
                    Some(_) => return Err(value),
                }
                Ok(())
            }
        }
    }

    /// The object holding the attribute: the resource, or its extension object, created
    /// where `write_at` would create it. `None` (for `write_at`) when that member is not
    /// an object.
    fn container<'r>(
        &mut self,
        resource: &'r mut Map<String, Json>,
        ext: Option<usize>,
    ) -> Option<&'r mut Map<String, Json>> {
        let Some(x) = ext else {
            return Some(resource);
        };
        let e = self.plan.exts.get(x)?;
        let bit = u32::try_from(x)
            .ok()
            .and_then(|x| 1u64.checked_shl(x))
            .unwrap_or(0);
        if self.present & bit == 0 {
            if !resource.contains_key(&e.uri) {
                resource.insert(e.uri.clone(), Json::Object(Map::with_capacity(e.width)));
            }
            self.present |= bit;
        }
        resource.get_mut(&e.uri).and_then(Json::as_object_mut)
    }
}

/// Whether a schema-less filter finds `a` and `b` equal (`scim::eval` folds both to lower
/// case); ASCII, the usual case, without allocating.
fn folds_equal(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// How many different names, compared as `write_at` compares keys.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(n)) {
            seen.push(n);
        }
    }
    seen.len()
}

/// Whether `write_at` would store a value for a new attribute as it is: not null (which
/// removes), not empty (pruned), and not an array with several primary values.
fn settled(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Object(o) => !o.is_empty(),
        Json::Array(a) => {
            !a.is_empty()
                && a.iter()
                    .filter(|e| {
                        e.as_object()
                            .and_then(|o| get_ci(o, "primary"))
                            .is_some_and(|p| p == &Json::Bool(true))
                    })
                    .count()
                    <= 1
        }
        _ => true,
    }
}

#[cfg(test)]
impl Plan {
    pub(crate) fn is_general(&self, i: usize) -> bool {
        self.routes.get(i).map_or(true, |r| *r == Route::General)
    }
}
