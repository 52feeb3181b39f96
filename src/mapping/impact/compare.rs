//! What a mapping change does to one user: two provision-on-demand simulations (the old
//! mapping and the new one, each as for a user the app does not have yet) compared, and,
//! when the user stays in scope, the lookup and the update Entra would run against the
//! resource the old mapping created.
//!
//! The app is taken to hold, for every user the old mapping provisions, exactly what that
//! mapping's requests create (the POST body, then any follow-up PATCH). Under the new
//! mapping Entra first looks the user up with the new matching filters (in priority
//! order); when none finds that resource it creates another one (`matchingChanged`),
//! otherwise it sends the PATCH [`simulate`] gives against it.

use super::Kind;
use crate::entra::EvalOptions;
use crate::mapping::apply::{produce, CompiledMapping, MappingError, Mode, Produced, Step};
use crate::mapping::simulate::{self, simulate, Action, Report, Request};
use crate::scim::{AttrPath, CompValue, CompareOp, Compat, Filter, Schemas};
use crate::span::Span;
use serde_json::Value as Json;

/// A simulation's result.
pub type Outcome = Result<Report, MappingError>;

/// One side of the comparison: a compiled mapping and the app's capabilities.
pub(crate) struct Side {
    pub mapping: CompiledMapping,
    pub cannot_create: bool,
    pub cannot_delete: bool,
    /// The matching attribute mappings in priority order: index, and the attribute a
    /// lookup on it filters (`None`: a value-path target, looked up by its filter text).
    pub matching: Vec<(usize, Option<AttrPath>)>,
}

impl Side {
    pub fn new(mapping: CompiledMapping, cannot_create: bool, cannot_delete: bool) -> Side {
        let mut matching: Vec<(i64, usize, Option<AttrPath>)> = mapping
            .attributes
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let plain = (a.target.filter.is_none() && a.target.sub.is_none())
                    .then(|| a.target.attr.clone());
                a.matching.map(|p| (p, i, plain))
            })
            .collect();
        matching.sort_by_key(|(p, i, _)| (*p, *i));
        Side {
            matching: matching.into_iter().map(|(_, i, a)| (i, a)).collect(),
            mapping,
            cannot_create,
            cannot_delete,
        }
    }

    pub fn options<'a>(
        &self,
        aad_opt_scim062020: bool,
        eval: EvalOptions<'a>,
    ) -> simulate::Options<'a> {
        simulate::Options {
            aad_opt_scim062020,
            hard_deleted: false,
            cannot_create: self.cannot_create,
            cannot_delete: self.cannot_delete,
            eval,
        }
    }

    /// This side's mapping on one user, as for a user the app does not have yet.
    pub fn simulate(&self, user: &Json, aad: bool, eval: &EvalOptions<'_>) -> Outcome {
        simulate(&self.mapping, user, None, &self.options(aad, eval.clone()))
    }
}

/// A target attribute and the attribute mapping writing it on each side.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    /// The target path, canonical (`addresses[type eq "work"].locality`).
    pub target: String,
    pub from: Option<usize>,
    pub to: Option<usize>,
}

/// Pairs the targets of two mappings by canonical path, in the old mapping's order, then the
/// new mapping's additions.
pub(crate) fn pairs(from: &CompiledMapping, to: &CompiledMapping) -> Vec<Pair> {
    let mut out: Vec<Pair> = Vec::new();
    for (i, a) in from.attributes.iter().enumerate() {
        let target = a.target.to_string();
        if !out.iter().any(|p| p.target == target) {
            out.push(Pair {
                target,
                from: Some(i),
                to: None,
            });
        }
    }
    for (j, a) in to.attributes.iter().enumerate() {
        let target = a.target.to_string();
        match out.iter_mut().find(|p| p.target == target) {
            Some(p) if p.to.is_none() => p.to = Some(j),
            Some(_) => {}
            None => out.push(Pair {
                target,
                from: None,
                to: Some(j),
            }),
        }
    }
    out
}

/// How one target attribute's value differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Both write it, with different values.
    Changed,
    /// Only the new mapping writes it.
    Added,
    /// Only the old mapping writes it.
    Dropped,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Changed => "changed",
            Change::Added => "added",
            Change::Dropped => "dropped",
        }
    }
}

/// A target attribute whose value differs for the user.
pub(crate) struct AttributeDiff<'r> {
    /// Index into the pairs.
    pub pair: usize,
    pub change: Change,
    pub before: Option<&'r Json>,
    pub after: Option<&'r Json>,
}

/// The evidence behind a user's finding, rendered into an example only while examples
/// are still wanted.
pub(crate) enum Detail<'r> {
    None,
    Errors {
        before: Option<&'r MappingError>,
        after: Option<&'r MappingError>,
    },
    /// Why the user is out of scope (before: entering; after: leaving).
    Scope(&'r str),
    Matching {
        before: &'r [Request],
        after: &'r [Request],
        /// What the app's resource holds at the new first matching attribute.
        held: Option<Json>,
        target: Option<String>,
    },
    /// The requests Entra sends to the existing resource under the new mapping.
    Update(Vec<Request>),
}

/// What the change does to one user.
pub(crate) struct Verdict<'r> {
    /// `None`: nothing changes for this user.
    pub kind: Option<Kind>,
    pub detail: Detail<'r>,
    /// Differing target attributes (both mappings produce the user's resource).
    pub attributes: Vec<AttributeDiff<'r>>,
    /// The user's resource would be PATCHed (`attributesChanged`).
    pub patched: bool,
}

impl<'r> Verdict<'r> {
    fn of(kind: Option<Kind>, detail: Detail<'r>) -> Self {
        Verdict {
            kind,
            detail,
            attributes: Vec::new(),
            patched: false,
        }
    }
}

/// What the comparison needs besides the two outcomes.
pub(crate) struct Context<'a> {
    pub to: &'a Side,
    pub pairs: &'a [Pair],
    pub aad: bool,
    pub eval: &'a EvalOptions<'a>,
}

/// Compares the old mapping's outcome with the new one's for `user`.
pub(crate) fn compare<'r>(
    cx: &Context<'_>,
    user: &Json,
    before: &'r Outcome,
    after: &'r Outcome,
) -> Verdict<'r> {
    match (before, after) {
        (Err(a), Err(b)) => {
            let kind = (a.to_string() != b.to_string()).then_some(Kind::ErrorChanged);
            let detail = Detail::Errors {
                before: Some(a),
                after: Some(b),
            };
            Verdict::of(kind, detail)
        }
        (Err(a), Ok(_)) => Verdict::of(
            Some(Kind::ErrorFixed),
            Detail::Errors {
                before: Some(a),
                after: None,
            },
        ),
        (Ok(_), Err(b)) => Verdict::of(
            Some(Kind::NewError),
            Detail::Errors {
                before: None,
                after: Some(b),
            },
        ),
        (Ok(a), Ok(b)) => reports(cx, user, a, b),
    }
}

fn same(a: &Report, b: &Report) -> bool {
    a.action == b.action && a.matching == b.matching && a.requests == b.requests
}

fn reports<'r>(cx: &Context<'_>, user: &Json, a: &'r Report, b: &'r Report) -> Verdict<'r> {
    if same(a, b) {
        return Verdict::of(None, Detail::None);
    }
    let in_app = a.action == Action::Create;
    let in_scope = b.scope.in_scope && !simulate::is_soft_deleted(user);
    match (in_app, in_scope) {
        (true, false) => Verdict::of(Some(Kind::LeavingScope), Detail::Scope(&b.scope.reason)),
        (false, true) if b.action == Action::Create => {
            let why = if a.scope.in_scope {
                &a.reason
            } else {
                &a.scope.reason
            };
            Verdict::of(Some(Kind::EnteringScope), Detail::Scope(why))
        }
        (false, _) => Verdict::of(None, Detail::None),
        (true, true) => provisioned(cx, user, a, b),
    }
}

/// A user the old mapping provisioned and the new one keeps in scope.
fn provisioned<'r>(cx: &Context<'_>, user: &Json, a: &'r Report, b: &'r Report) -> Verdict<'r> {
    let attributes = if b.action == Action::Create {
        attribute_diffs(cx.pairs, &a.steps, &b.steps)
    } else {
        Vec::new()
    };
    let app = app_resource(a);
    if !found(cx.to, a, b, &app) {
        let target = cx
            .to
            .matching
            .first()
            .and_then(|(i, _)| cx.to.mapping.attributes.get(*i))
            .map(|m| m.target.to_string());
        let held = target
            .as_deref()
            .and_then(|t| crate::scim::resolve_attribute(&app, t));
        let mut v = Verdict::of(
            Some(Kind::MatchingChanged),
            Detail::Matching {
                before: &a.matching,
                after: &b.matching,
                held,
                target,
            },
        );
        v.attributes = attributes;
        return v;
    }
    let update = simulate(
        &cx.to.mapping,
        user,
        Some(&app),
        &cx.to.options(cx.aad, cx.eval.clone()),
    );
    let requests = match update {
        Ok(r) => r.requests,
        Err(_) => Vec::new(),
    };
    let patched = !requests.is_empty();
    let kind = (patched || !attributes.is_empty()).then_some(Kind::AttributesChanged);
    Verdict {
        kind,
        detail: Detail::Update(requests),
        attributes,
        patched,
    }
}

/// The resource a create leaves in the app: the POST body, with any follow-up PATCH (a
/// group's members) applied.
fn app_resource(created: &Report) -> Json {
    let mut resource = Json::Null;
    for r in &created.requests {
        match (r.method, &r.body) {
            ("POST", Some(body)) => resource = body.clone(),
            ("PATCH", Some(body)) => {
                if let Ok(next) =
                    crate::scim::apply_patch(&resource, body, &Schemas::empty(), &Compat::entra())
                {
                    resource = next;
                }
            }
            _ => {}
        }
    }
    resource
}

/// Whether one of the new matching queries finds the resource the old mapping created
/// (the app evaluates the filter; RFC 7644 §3.4.2.2 with the core schema's case rules).
fn found(to: &Side, a: &Report, b: &Report, app: &Json) -> bool {
    if a.matching == b.matching {
        return true;
    }
    let schemas = Schemas::shared_core();
    let holds = |f: &Filter| f.matches(app, schemas).unwrap_or(false);
    // The lookup values are what the new mapping sent for its matching attributes (a
    // lookup filters `attribute eq "value"`): build those filters rather than parse the
    // query text, which is kept for value-path targets and non-text values.
    let mut built = Vec::with_capacity(to.matching.len());
    for (i, attr) in &to.matching {
        match (attr, b.steps.get(*i)) {
            (
                Some(path),
                Some(Step::Sent {
                    value: Json::String(v),
                    ..
                }),
            ) => {
                built.push(Filter::Compare {
                    path: path.clone(),
                    op: CompareOp::Eq,
                    value: CompValue::String(v.clone()),
                    span: Span::default(),
                });
            }
            (_, Some(Step::Null { .. } | Step::Ignored { .. })) => {}
            _ => {
                return b
                    .matching
                    .iter()
                    .filter_map(|q| q.filter.as_deref())
                    .any(|f| Filter::parse(f).ok().is_some_and(|f| holds(&f)));
            }
        }
    }
    built.iter().any(holds)
}

fn written(steps: &[Step], i: Option<usize>) -> Option<&Json> {
    match steps.get(i?)? {
        Step::Sent { value, .. } | Step::Default { value, .. } => Some(value),
        _ => None,
    }
}

/// The target attributes whose created value differs.
fn attribute_diffs<'r>(pairs: &[Pair], a: &'r [Step], b: &'r [Step]) -> Vec<AttributeDiff<'r>> {
    let mut out = Vec::new();
    for (pair, p) in pairs.iter().enumerate() {
        let (before, after) = (written(a, p.from), written(b, p.to));
        let change = match (before, after) {
            (Some(x), Some(y)) if x != y => Change::Changed,
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Dropped,
            _ => continue,
        };
        out.push(AttributeDiff {
            pair,
            change,
            before,
            after,
        });
    }
    out
}

/// The two mappings differ only in what some attribute mappings produce (their source,
/// default value or flow type), with the same targets in the same order, the same matching
/// priorities and the same capabilities, as after most edits. Then a user for whom each
/// differing attribute mapping produces under the new mapping what it produced under the
/// old one, and whom both scopes treat alike, gets the same simulation under both: it is
/// unchanged without simulating the new mapping. Anything else (an error, a differing
/// value, another action) goes the full way.
pub(crate) struct Shortcut {
    /// The attribute mappings (same index in both) that differ.
    differing: Vec<usize>,
    scope_differs: bool,
    matching_differs: bool,
}

impl Shortcut {
    pub fn new(from: &Side, to: &Side) -> Option<Shortcut> {
        let (a, b) = (&from.mapping, &to.mapping);
        let comparable = a.attributes.len() == b.attributes.len()
            && a.target_object == b.target_object
            && a.source_object == b.source_object
            && from.cannot_create == to.cannot_create
            && from.cannot_delete == to.cannot_delete;
        if !comparable {
            return None;
        }
        let mut differing = Vec::new();
        for (i, (x, y)) in a.attributes.iter().zip(&b.attributes).enumerate() {
            let same_target = x.target_text == y.target_text
                && x.matching == y.matching
                && x.kind == y.kind
                && x.multi == y.multi;
            if !same_target {
                return None;
            }
            let source =
                |e: &Option<crate::entra::Expression>| e.as_ref().map(|e| e.source().to_string());
            if source(&x.expr) != source(&y.expr) || x.default != y.default || x.flow != y.flow {
                differing.push(i);
            }
        }
        let matching_differs = differing
            .iter()
            .any(|i| a.attributes.get(*i).is_some_and(|x| x.matching.is_some()));
        Some(Shortcut {
            differing,
            scope_differs: a.model.scope() != b.model.scope(),
            matching_differs,
        })
    }

    /// Whether `user`, whose old outcome is `before`, is certainly unchanged.
    pub fn unchanged(
        &self,
        to: &Side,
        user: &Json,
        before: &Outcome,
        eval: &EvalOptions<'_>,
    ) -> bool {
        let Ok(a) = before else { return false };
        let in_scope = if self.scope_differs {
            crate::mapping::scope::evaluate(to.mapping.model.scope(), user).in_scope
        } else {
            a.scope.in_scope
        };
        if in_scope != a.scope.in_scope {
            return false;
        }
        if self.matching_differs {
            match simulate::matching_queries(&to.mapping, user, eval) {
                Ok(q) if q == a.matching => {}
                _ => return false,
            }
        }
        match a.action {
            Action::Create => {}
            // Skipped before any attribute mapping ran (out of scope, disabled, or the app
            // cannot create): the new mapping skips the same way.
            Action::Skip if a.steps.is_empty() => return true,
            _ => return false,
        }
        self.differing.iter().all(|&i| {
            let (Some(attribute), Some(step)) = (to.mapping.attributes.get(i), a.steps.get(i))
            else {
                return false;
            };
            match (produce(attribute, user, Mode::Create, eval), step) {
                (Ok(Produced::Value(v, false)), Step::Sent { value, .. })
                | (Ok(Produced::Value(v, true)), Step::Default { value, .. }) => v == *value,
                (Ok(Produced::Null), Step::Null { .. })
                | (Ok(Produced::Ignored), Step::Ignored { .. }) => true,
                _ => false,
            }
        })
    }
}
