//! Compiling an object mapping and applying it to a source object (spec §3.1).
//!
//! Entra's rules, as implemented here:
//! * a null result is not sent ("The Microsoft Entra provisioning service doesn't support
//!   provisioning null values", CUSTOMIZE); an empty string counts as null [INFERRED];
//! * the default value replaces a null result on create only ("isn't provisioned when
//!   updating an existing user", CUSTOMIZE); a mapping with no source is the portal's type
//!   "None" and only ever sends its default, on create;
//! * `IgnoreFlowIfNullOrEmpty` drops the attribute and no default applies (FUNCS);
//! * `flowType: ObjectAddOnly` ("Only during creation") flows on create only;
//! * results written to boolean targets (`active`) become JSON booleans, references
//!   (`manager`, `members`) carry the referenced object's id as `{"value": id}`.

use crate::diagnostic::ParseError;
use crate::entra::eval::Evaluator;
use crate::entra::{EvalError, EvalOptions, ExprKind, Expression, Outcome, Value};
use crate::mapping::build::Plan;
use crate::mapping::model::{FlowType, ObjectMapping};
use crate::mapping::source::expression_text;
use crate::mapping::target::{canonicalise, core_schema, parse_target, value_slot, Kind};
use crate::scim::{Path, Schemas};
use serde_json::{Map, Value as Json};

/// Whether the object is being created or updated in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: default values and create-only mappings apply.
    Create,
    /// PATCH: neither does.
    Update,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "create" => Ok(Mode::Create),
            "update" => Ok(Mode::Update),
            _ => Err(format!("unknown mode `{s}` (expected create or update)")),
        }
    }
}

/// A mapping that cannot be compiled or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The target path does not parse.
    #[error("target `{target}`: {message}")]
    Target {
        /// The target as written.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// The source expression does not parse or check.
    #[error("target `{target}`: invalid expression `{expression}`: {error}")]
    Expression {
        /// The target as written.
        target: String,
        /// The expression text.
        expression: String,
        /// The diagnostics.
        error: ParseError,
    },
    /// Evaluating the expression failed.
    #[error("target `{target}`: {error}")]
    Eval {
        /// The target as written.
        target: String,
        /// The expression text.
        expression: String,
        /// The error.
        error: EvalError,
    },
    /// The schema has no (enabled) object mapping for the requested object type.
    #[error("no object mapping for `{0}`")]
    NoObjectMapping(String),
    /// The input is not what was expected.
    #[error("{0}")]
    Input(String),
}

/// One compiled attribute mapping.
#[derive(Debug, Clone)]
pub struct CompiledAttribute {
    /// The target as written in the mapping.
    pub target_text: String,
    /// The parsed target, with names in their canonical spelling when known.
    pub target: Path,
    /// The source expression; `None` for mapping type "None".
    pub expr: Option<Expression>,
    /// Default value (create only).
    pub default: Option<String>,
    /// Flow type.
    pub flow: FlowType,
    /// Matching priority (`> 0`).
    pub matching: Option<i64>,
    /// The target attribute's type when the target schema is known.
    pub kind: Option<Kind>,
    /// The target is a whole multi-valued attribute (`roles`, `members`).
    pub multi: bool,
    /// Where the value is written: `target`, with `.value` added to a value-path target
    /// that names no sub-attribute. Resolved once here rather than on every apply.
    pub slot: Path,
}

/// A compiled object mapping: parse once, apply many.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    /// Source object type.
    pub source_object: String,
    /// Target object type.
    pub target_object: String,
    /// Attribute mappings in order. Apply writes them along routes worked out from all of
    /// them at compile time (as it does with each `slot`): to change a mapping, change the
    /// model and compile again rather than editing these.
    pub attributes: Vec<CompiledAttribute>,
    /// The model it was compiled from (scope, names).
    pub model: ObjectMapping,
    /// Where each attribute mapping writes, resolved from all the targets together; made
    /// for `attributes` as compiled.
    plan: Plan,
}

/// What happened to one attribute mapping.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Step {
    /// The value was written.
    Sent {
        /// Target path.
        target: String,
        /// Value written.
        value: Json,
    },
    /// The default value was written (create, null result).
    Default {
        /// Target path.
        target: String,
        /// Value written.
        value: Json,
    },
    /// Null result: nothing sent.
    Null {
        /// Target path.
        target: String,
    },
    /// `IgnoreFlowIfNullOrEmpty` fired.
    Ignored {
        /// Target path.
        target: String,
    },
    /// Create-only mapping skipped on update.
    CreateOnly {
        /// Target path.
        target: String,
    },
}

/// The result of applying a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The SCIM resource (with `schemas`).
    pub resource: Json,
    /// Per attribute mapping, in order: step `i` is attribute mapping `i`.
    pub steps: Vec<Step>,
}

impl Applied {
    /// `(index into attributes, value)` for every attribute written, in order; the PATCH
    /// builder compares these with the app's current resource. Read from the steps, which
    /// hold the values already.
    pub fn written(&self) -> impl Iterator<Item = (usize, &Json)> {
        self.steps.iter().enumerate().filter_map(|(i, s)| match s {
            Step::Sent { value, .. } | Step::Default { value, .. } => Some((i, value)),
            _ => None,
        })
    }

    /// [`Applied::written`], taking the values.
    pub fn into_written(self) -> impl Iterator<Item = (usize, Json)> {
        self.steps
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Step::Sent { value, .. } | Step::Default { value, .. } => Some((i, value)),
                _ => None,
            })
    }
}

impl CompiledMapping {
    /// Compiles every attribute mapping for a SCIM target.
    ///
    /// # Errors
    /// The first target path or expression that does not parse.
    pub fn compile(model: &ObjectMapping) -> Result<CompiledMapping, MappingError> {
        Self::compile_for(model, true)
    }

    /// Compiles every attribute mapping; with `scim` false (a non-SCIM target directory
    /// such as the Salesforce sample of spec §3.3) target names are taken as written and
    /// untyped.
    ///
    /// # Errors
    /// The first target path or expression that does not parse.
    pub fn compile_for(model: &ObjectMapping, scim: bool) -> Result<CompiledMapping, MappingError> {
        let target_object = if model.target_object_name.is_empty() {
            model.source_object_name.clone()
        } else {
            model.target_object_name.clone()
        };
        let mut attributes = Vec::new();
        for am in &model.attribute_mappings {
            let text = am.target_attribute_name.clone();
            let mut target = parse_target(&text).map_err(|d| MappingError::Target {
                target: text.clone(),
                message: d.message,
            })?;
            let (kind, multi) = if scim {
                canonicalise(
                    crate::scim::Schemas::shared_core(),
                    &target_object,
                    &mut target,
                )
            } else {
                (None, false)
            };
            let expr = match am.source() {
                None => None,
                Some(src) => {
                    let expression = expression_text(src);
                    Some(Expression::parse(&expression).map_err(|error| {
                        MappingError::Expression {
                            target: text.clone(),
                            expression,
                            error,
                        }
                    })?)
                }
            };
            let slot = value_slot(&target).into_owned();
            attributes.push(CompiledAttribute {
                target_text: text,
                slot,
                target,
                expr,
                default: am.default().map(str::to_string),
                flow: am.flow(),
                matching: am.matching(),
                kind,
                multi,
            });
        }
        Ok(CompiledMapping {
            source_object: model.source_object_name.clone(),
            target_object,
            plan: Plan::new(&attributes),
            attributes,
            model: model.clone(),
        })
    }

    /// Applies the mapping to a source object.
    ///
    /// # Errors
    /// An expression fails to evaluate.
    pub fn apply(
        &self,
        source: &Json,
        mode: Mode,
        opts: &EvalOptions<'_>,
    ) -> Result<Applied, MappingError> {
        let unplanned = Plan::default();
        let plan = if self.plan.fits(self.attributes.len()) {
            &self.plan
        } else {
            &unplanned
        };
        let (mut body, mut writer) = plan.start();
        // Names and types were resolved against the schema at compile time; writing is
        // structural, so no schema here (a non-SCIM target keeps its names as written, and a
        // value the app would reject is the app's to report, as with Entra).
        let structural = Schemas::empty();
        let mut steps = Vec::with_capacity(self.attributes.len());
        // RFC 7643 §3: the core schema of the resource type, then each extension URN written
        // to, in order of first use.
        let core = core_schema(&self.target_object);
        let mut schemas = Vec::with_capacity(4);
        schemas.push(Json::String(core.to_string()));
        for (i, a) in self.attributes.iter().enumerate() {
            let target = a.target_text.clone();
            let (json, defaulted) = match produce(a, source, mode, opts)? {
                Produced::CreateOnly => {
                    steps.push(Step::CreateOnly { target });
                    continue;
                }
                Produced::Ignored => {
                    steps.push(Step::Ignored { target });
                    continue;
                }
                Produced::Null => {
                    steps.push(Step::Null { target });
                    continue;
                }
                Produced::Value(json, defaulted) => (json, defaulted),
            };
            if let Err(v) = writer.write(i, &a.slot, &mut body, json.clone()) {
                if let Err(e) = crate::scim::patch::write_at(&mut body, &a.slot, v, &structural) {
                    return Err(MappingError::Target {
                        target,
                        message: format!(
                            "conflicts with a value written by an earlier mapping: {}",
                            e.detail
                        ),
                    });
                }
            }
            if let Some(u) = &a.target.attr.uri {
                let listed = |s: &Json| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(u));
                if !schemas.iter().any(listed) {
                    schemas.push(Json::String(u.clone()));
                }
            }
            steps.push(if defaulted {
                Step::Default {
                    target,
                    value: json,
                }
            } else {
                Step::Sent {
                    target,
                    value: json,
                }
            });
        }
        let resource = match plan.finish(&mut body, Json::Array(schemas)) {
            Ok(()) => body,
            Err(schemas) => with_schemas(schemas, body),
        };
        Ok(Applied { resource, steps })
    }

    /// The attribute mappings used for matching, lowest priority value first.
    pub fn matching_attributes(&self) -> Vec<&CompiledAttribute> {
        let mut m: Vec<&CompiledAttribute> = self
            .attributes
            .iter()
            .filter(|a| a.matching.is_some())
            .collect();
        m.sort_by_key(|a| a.matching);
        m
    }
}

/// What one attribute mapping produces for a source object, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Produced {
    /// A create-only mapping, on update.
    CreateOnly,
    /// `IgnoreFlowIfNullOrEmpty` fired.
    Ignored,
    /// Nothing to send.
    Null,
    /// The value, and whether it is the default value.
    Value(Json, bool),
}

/// The value one attribute mapping produces (see the module docs for the rules); what
/// [`CompiledMapping::apply`] writes for it.
pub(crate) fn produce(
    a: &CompiledAttribute,
    source: &Json,
    mode: Mode,
    opts: &EvalOptions<'_>,
) -> Result<Produced, MappingError> {
    if a.flow == FlowType::ObjectAddOnly && mode == Mode::Update {
        return Ok(Produced::CreateOnly);
    }
    let converted = match &a.expr {
        None => None,
        Some(e) => match lent_reference(e, a, source, opts) {
            Some(r) => r,
            None => match e
                .evaluate(source, opts)
                .map_err(|error| MappingError::Eval {
                    target: a.target_text.clone(),
                    expression: e.source().to_string(),
                    error,
                })? {
                Outcome::IgnoreFlow => return Ok(Produced::Ignored),
                Outcome::Value(v) => convert(v, a),
            },
        },
    };
    Ok(match converted {
        Some(j) => Produced::Value(j, false),
        None => match (&a.default, mode) {
            (Some(d), Mode::Create) => match convert(Value::String(d.clone()), a) {
                Some(j) => Produced::Value(j, true),
                None => Produced::Null,
            },
            _ => Produced::Null,
        },
    })
}

/// Puts `schemas` first (RFC 7643 §3).
fn with_schemas(schemas: Json, body: Json) -> Json {
    let mut out = Map::new();
    out.insert("schemas".into(), schemas);
    if let Json::Object(body) = body {
        out.extend(body);
    }
    Json::Object(out)
}

/// A single-valued reference target mapped from a source object (`[manager]`): what
/// evaluating and converting give, read in place rather than from a copy of the object.
/// `None` when the attribute mapping is not that.
fn lent_reference(
    e: &Expression,
    a: &CompiledAttribute,
    source: &Json,
    opts: &EvalOptions<'_>,
) -> Option<Option<Json>> {
    let ExprKind::Attribute(name) = &e.ast().kind else {
        return None;
    };
    if a.kind != Some(Kind::Reference) || a.multi || !Evaluator::would_start(opts) {
        return None;
    }
    match source.get(name) {
        Some(Json::Object(o)) => Some(object_reference_id(o).map(reference)),
        _ => None,
    }
}

/// The id a reference value carries: a string, or an object's `value`/`id`/`objectId`.
fn reference_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => object_reference_id(o),
        Value::List(l) if l.len() == 1 => l.first().and_then(reference_id),
        v => v
            .as_text()
            .map(|t| t.into_owned())
            .filter(|t| !t.is_empty()),
    }
}

fn object_reference_id(o: &Map<String, Json>) -> Option<String> {
    ["value", "id", "objectId"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Json::as_str))
        .map(str::to_string)
}

fn reference(id: String) -> Json {
    let mut m = Map::new();
    m.insert("value".into(), Json::String(id));
    Json::Object(m)
}

/// Converts an expression result for a target; `None` = nothing to send. Takes the value
/// so that its strings and objects move into the result rather than being copied.
fn convert(v: Value, a: &CompiledAttribute) -> Option<Json> {
    if v.is_null_or_empty() {
        return None;
    }
    match a.kind {
        Some(Kind::Boolean) => match v.as_bool() {
            Some(b) => Some(Json::Bool(b)),
            None => scalar(v, false),
        },
        Some(Kind::Reference) if a.multi => {
            let ids: Vec<Json> = elements(v)
                .iter()
                .filter_map(reference_id)
                .map(reference)
                .collect();
            (!ids.is_empty()).then_some(Json::Array(ids))
        }
        Some(Kind::Reference) => reference_id(&v).map(reference),
        Some(Kind::Complex) if a.multi => {
            let items: Vec<Json> = elements(v)
                .into_iter()
                .filter(|e| !e.is_null_or_empty())
                .map(complex_element)
                .collect();
            (!items.is_empty()).then_some(Json::Array(items))
        }
        Some(Kind::Complex) => match v {
            Value::Object(o) => Some(Json::Object(o)),
            v => scalar(v, true),
        },
        Some(Kind::String) => scalar(v, true),
        None => scalar(v, false),
    }
}

/// [`Value::elements`], by value.
fn elements(v: Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::List(l) => l,
        v => vec![v],
    }
}

/// A multi-valued complex element: objects as they are (e.g. `AppRoleAssignmentsComplex`
/// role objects), scalars as `{"value": …}`; JSON-encoded objects are decoded.
fn complex_element(v: Value) -> Json {
    match v {
        Value::Object(o) => Json::Object(o),
        Value::String(s) if s.trim_start().starts_with('{') => {
            serde_json::from_str(&s).unwrap_or_else(|_| reference(s))
        }
        v => reference(v.to_text().unwrap_or_default()),
    }
}

/// A single value for a single-valued target: a multi-valued result contributes its first
/// non-empty value [INFERRED]; `as_text` forces text for string targets.
fn scalar(v: Value, as_text: bool) -> Option<Json> {
    match v {
        Value::List(l) => l
            .into_iter()
            .find(|e| !e.is_null_or_empty())
            .and_then(|e| scalar(e, as_text)),
        Value::Object(o) => o
            .get("value")
            .map(Value::from_json)
            .and_then(|e| scalar(e, as_text)),
        Value::String(s) => Some(Json::String(s)),
        v if as_text => v.as_text().map(|t| Json::String(t.into_owned())),
        v => Some(v.to_json()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::mapping::model::AttributeMapping;
    use proptest::prelude::*;
    use serde_json::json;

    /// Families of targets that share attributes, containers and elements in every way the
    /// direct routes have to tell apart from `write_at`'s case-insensitive, filter-matching
    /// writes.
    const FAMILIES: &[&[&str]] = &[
        &[
            "userName",
            "UserName",
            "active",
            "schemas",
            "Schemas",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:ietf:params:scim:schemas:core:2.0:user:nickName",
        ],
        &[
            "name.givenName",
            "name.GivenName",
            "Name.familyName",
            "name.familyName",
            "name",
            "manager.value",
        ],
        &[
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "Work"].value"#,
            r#"emails[Type eq "home"].value"#,
            r#"emails[type eq "home"].value"#,
            r#"emails[type eq "work"].display"#,
            r#"emails[type eq "work"].Type"#,
            r#"emails[type eq "work"]"#,
            "emails",
        ],
        &[
            r#"emails[type eq "work"].primary"#,
            r#"emails[type eq "home"].primary"#,
            r#"emails[primary eq true].value"#,
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "2020-01-01"].value"#,
            r#"emails[type eq "2020-01-01T00:00:00Z"].value"#,
            r#"emails[type eq "2020-01-01T00:00:00+00:00"].value"#,
        ],
        &[
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ],
        &[
            r#"urn:x:ext:1.0:User:ids[authority eq "a"].value"#,
            r#"urn:x:ext:1.0:User:ids[authority eq "A"].value"#,
            r#"urn:x:ext:1.0:User:ids[authority eq "b"].value"#,
            r#"urn:x:ext:1.0:User:Ids[authority eq "b"].value"#,
            r#"urn:x:ext:1.0:User:ids[authority eq "b"].Value"#,
            "urn:x:ext:1.0:User:tag",
            "urn:x:ext:1.0:User:tag.sub",
            "urn:X:ext:1.0:User:other",
        ],
        &[
            "roles",
            r#"roles[type eq "x"].value"#,
            r#"roles[type eq "x"].display"#,
            r#"addresses[type eq "work"].locality"#,
            r#"addresses[type eq "work"].Locality"#,
            r#"phoneNumbers[type eq "mobile"].value"#,
            "members",
        ],
    ];

    /// Source values, read by `[a]`, `[b]`, `[c]`.
    fn values() -> Vec<Json> {
        vec![
            json!("x"),
            json!("X"),
            json!(""),
            Json::Null,
            json!("True"),
            json!({"value": "v"}),
            json!({"value": null}),
            json!({}),
            json!([{"value": "a", "primary": true}, {"value": "b", "primary": true}]),
            json!([{"value": "a", "primary": true}, {"value": "b"}]),
            json!([]),
            json!(["p", "q"]),
            json!(3),
            json!(true),
            json!("{\"value\": \"j\"}"),
        ]
    }

    fn attribute(target: &str, expr: &str, default: Option<&str>) -> AttributeMapping {
        let mut spec = json!({ "expr": expr });
        if let Some(d) = default {
            spec["default"] = json!(d);
        }
        let schema = crate::mapping::compact::to_schema(&json!({
            "object": "User",
            "mappings": { target: spec }
        }))
        .unwrap();
        schema.synchronization_rules[0].object_mappings[0].attribute_mappings[0].clone()
    }

    type Outcome = Result<(String, Vec<Step>), MappingError>;

    fn outcome(r: Result<Applied, MappingError>) -> Outcome {
        // `Json` equality ignores member order; the text does not.
        r.map(|a| (a.resource.to_string(), a.steps))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn routed_writes_are_write_at_writes(
            family in 0..FAMILIES.len(),
            other in proptest::option::of(0..FAMILIES.len()),
            picks in proptest::collection::vec((0..16usize, 0..3usize, proptest::option::of(0..2usize)), 1..7),
            source in proptest::collection::vec(0..15usize, 3),
            object in prop_oneof![4 => Just(0usize), 1 => Just(1usize)],
            scim in prop_oneof![4 => Just(true), 1 => Just(false)],
            update in any::<bool>(),
        ) {
            let vals = values();
            let mut src = Map::new();
            for (name, v) in ["a", "b", "c"].iter().zip(&source) {
                if let Some(v) = vals.get(*v) {
                    src.insert((*name).to_string(), v.clone());
                }
            }
            let src = Json::Object(src);
            let mut model = ObjectMapping {
                source_object_name: "User".into(),
                target_object_name: ["User", "Group"][object].into(),
                ..Default::default()
            };
            let targets: Vec<&str> = FAMILIES[family]
                .iter()
                .chain(other.map_or(&[][..], |o| FAMILIES[o]).iter())
                .copied()
                .collect();
            for (t, e, d) in &picks {
                model.attribute_mappings.push(attribute(
                    targets[*t % targets.len()],
                    &format!("[{}]", ["a", "b", "c"][*e]),
                    d.map(|d| ["dflt", "False"][d]),
                ));
            }
            let mode = if update { Mode::Update } else { Mode::Create };
            let (planned, unplanned) = both(&model, scim, &src, mode);
            prop_assert_eq!(planned, unplanned);
        }
    }

    /// Applies the mapping with its routes and through `write_at` alone.
    fn both(model: &ObjectMapping, scim: bool, source: &Json, mode: Mode) -> (Outcome, Outcome) {
        let Ok(planned) = CompiledMapping::compile_for(model, scim) else {
            return (Ok(Default::default()), Ok(Default::default()));
        };
        let mut unplanned = planned.clone();
        unplanned.plan = Plan::default();
        let opts = EvalOptions::default();
        (
            outcome(planned.apply(source, mode, &opts)),
            outcome(unplanned.apply(source, mode, &opts)),
        )
    }

    #[test]
    fn edge_cases_are_write_at_writes() {
        let primaries = json!([{"value": "a", "primary": true}, {"value": "b", "primary": true}]);
        let cases: &[(&[&str], Json)] = &[
            (&["name"], json!({})),
            (&["emails"], primaries.clone()),
            (&["roles"], primaries),
            (
                &[
                    r#"emails[type eq "work"].primary"#,
                    r#"emails[type eq "home"].primary"#,
                ],
                json!("True"),
            ),
            (&["name.givenName", "name.GivenName"], json!("x")),
            (&["userName", "UserName"], json!("x")),
            (
                &[
                    r#"emails[type eq "work"].value"#,
                    r#"emails[type eq "Work"].value"#,
                ],
                json!("x"),
            ),
            (
                &[
                    r#"emails[type eq "2020-01-01T00:00:00Z"].value"#,
                    r#"emails[type eq "2020-01-01T00:00:00+00:00"].display"#,
                ],
                json!("x"),
            ),
            (&[r#"emails[type eq "work"].Type"#], json!("x")),
            (
                &[
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User:division",
                ],
                json!("x"),
            ),
            (&["schemas", "userName"], json!("x")),
            (
                &["urn:x:ext:1.0:User:tag", "userName"],
                json!({"value": null}),
            ),
            (&["name.givenName"], json!({"value": null})),
            (
                &["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"],
                json!({}),
            ),
        ];
        for (targets, value) in cases {
            let mut model = ObjectMapping {
                source_object_name: "User".into(),
                target_object_name: "User".into(),
                ..Default::default()
            };
            for t in *targets {
                model.attribute_mappings.push(attribute(t, "[a]", None));
            }
            // Also with the first target left unwritten, so that a later one comes first.
            let mut later = model.clone();
            if let Some(first) = later.attribute_mappings.first_mut() {
                *first = attribute(&first.target_attribute_name, "[absent]", None);
            }
            let source = json!({ "a": value });
            for (model, scim, mode) in [&model, &later]
                .into_iter()
                .flat_map(|m| [(m, true), (m, false)])
                .flat_map(|(m, s)| [(m, s, Mode::Create), (m, s, Mode::Update)])
            {
                let (planned, unplanned) = both(model, scim, &source, mode);
                assert_eq!(planned, unplanned, "{targets:?} {value} scim {scim}");
            }
        }
    }

    #[test]
    fn presets_are_routed_directly() {
        let m = crate::mapping::presets::find("genesys")
            .unwrap()
            .load()
            .unwrap();
        let c = m.compile(Some("User")).unwrap();
        let general = c
            .attributes
            .iter()
            .enumerate()
            .filter(|(i, _)| c.plan.is_general(*i))
            .count();
        assert_eq!(general, 0, "{:?}", c.plan);
    }
}
