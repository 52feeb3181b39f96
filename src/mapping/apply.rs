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
use crate::entra::{EvalError, EvalOptions, Expression, Outcome, Value};
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
    /// Attribute mappings in order.
    pub attributes: Vec<CompiledAttribute>,
    /// The model it was compiled from (scope, names).
    pub model: ObjectMapping,
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
    /// Per attribute mapping, in order.
    pub steps: Vec<Step>,
    /// `(index into attributes, value)` for every attribute written, in order; the PATCH
    /// builder compares these with the app's current resource.
    pub written: Vec<(usize, Json)>,
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
        let mut body = Json::Object(Map::new());
        // Names and types were resolved against the schema at compile time; writing is
        // structural, so no schema here (a non-SCIM target keeps its names as written, and a
        // value the app would reject is the app's to report, as with Entra).
        let structural = Schemas::empty();
        let mut steps = Vec::new();
        let mut written = Vec::new();
        let mut urns: Vec<String> = Vec::new();
        for (i, a) in self.attributes.iter().enumerate() {
            let target = a.target_text.clone();
            if a.flow == FlowType::ObjectAddOnly && mode == Mode::Update {
                steps.push(Step::CreateOnly { target });
                continue;
            }
            let outcome = match &a.expr {
                None => Outcome::Value(Value::Null),
                Some(e) => e
                    .evaluate(source, opts)
                    .map_err(|error| MappingError::Eval {
                        target: target.clone(),
                        expression: e.source().to_string(),
                        error,
                    })?,
            };
            let value = match outcome {
                Outcome::IgnoreFlow => {
                    steps.push(Step::Ignored { target });
                    continue;
                }
                Outcome::Value(v) => v,
            };
            let (json, defaulted) = match convert(&value, a) {
                Some(j) => (j, false),
                None => match (&a.default, mode) {
                    (Some(d), Mode::Create) => match convert(&Value::String(d.clone()), a) {
                        Some(j) => (j, true),
                        None => {
                            steps.push(Step::Null { target });
                            continue;
                        }
                    },
                    _ => {
                        steps.push(Step::Null { target });
                        continue;
                    }
                },
            };
            if let Err(e) =
                crate::scim::patch::write_at(&mut body, &a.slot, json.clone(), &structural)
            {
                return Err(MappingError::Target {
                    target,
                    message: format!(
                        "conflicts with a value written by an earlier mapping: {}",
                        e.detail
                    ),
                });
            }
            if let Some(u) = &a.target.attr.uri {
                if !urns.iter().any(|x| x.eq_ignore_ascii_case(u)) {
                    urns.push(u.clone());
                }
            }
            written.push((i, json.clone()));
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
        Ok(Applied {
            resource: with_schemas(&self.target_object, &urns, body),
            steps,
            written,
        })
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

/// Puts `schemas` first: the core schema of the resource type, then each extension URN
/// written to, in order of first use (RFC 7643 §3).
fn with_schemas(target_object: &str, urns: &[String], body: Json) -> Json {
    let core = core_schema(target_object);
    let mut schemas = vec![Json::String(core.to_string())];
    schemas.extend(
        urns.iter()
            .filter(|u| !u.eq_ignore_ascii_case(core))
            .map(|u| Json::String(u.clone())),
    );
    let mut out = Map::new();
    out.insert("schemas".into(), Json::Array(schemas));
    if let Json::Object(body) = body {
        out.extend(body);
    }
    Json::Object(out)
}

/// The id a reference value carries: a string, or an object's `value`/`id`/`objectId`.
fn reference_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => ["value", "id", "objectId"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Json::as_str))
            .map(str::to_string),
        Value::List(l) if l.len() == 1 => l.first().and_then(reference_id),
        v => v
            .as_text()
            .map(|t| t.into_owned())
            .filter(|t| !t.is_empty()),
    }
}

fn reference(id: String) -> Json {
    let mut m = Map::new();
    m.insert("value".into(), Json::String(id));
    Json::Object(m)
}

/// Converts an expression result for a target; `None` = nothing to send.
fn convert(v: &Value, a: &CompiledAttribute) -> Option<Json> {
    if v.is_null_or_empty() {
        return None;
    }
    match a.kind {
        Some(Kind::Boolean) => match v.as_bool() {
            Some(b) => Some(Json::Bool(b)),
            None => scalar(v, false),
        },
        Some(Kind::Reference) if a.multi => {
            let ids: Vec<Json> = v
                .elements()
                .iter()
                .filter_map(reference_id)
                .map(reference)
                .collect();
            (!ids.is_empty()).then_some(Json::Array(ids))
        }
        Some(Kind::Reference) => reference_id(v).map(reference),
        Some(Kind::Complex) if a.multi => {
            let items: Vec<Json> = v
                .elements()
                .iter()
                .filter(|e| !e.is_null_or_empty())
                .map(complex_element)
                .collect();
            (!items.is_empty()).then_some(Json::Array(items))
        }
        Some(Kind::Complex) => match v {
            Value::Object(o) => Some(Json::Object(o.clone())),
            v => scalar(v, true),
        },
        Some(Kind::String) => scalar(v, true),
        None => scalar(v, false),
    }
}

/// A multi-valued complex element: objects as they are (e.g. `AppRoleAssignmentsComplex`
/// role objects), scalars as `{"value": …}`; JSON-encoded objects are decoded.
fn complex_element(v: &Value) -> Json {
    match v {
        Value::Object(o) => Json::Object(o.clone()),
        Value::String(s) if s.trim_start().starts_with('{') => {
            serde_json::from_str(s).unwrap_or_else(|_| reference(s.clone()))
        }
        v => reference(v.to_text().unwrap_or_default()),
    }
}

/// A single value for a single-valued target: a multi-valued result contributes its first
/// non-empty value [INFERRED]; `as_text` forces text for string targets.
fn scalar(v: &Value, as_text: bool) -> Option<Json> {
    match v {
        Value::List(l) => l
            .iter()
            .find(|e| !e.is_null_or_empty())
            .and_then(|e| scalar(e, as_text)),
        Value::Object(o) => o
            .get("value")
            .map(Value::from_json)
            .and_then(|e| scalar(&e, as_text)),
        v if as_text => v.as_text().map(|t| Json::String(t.into_owned())),
        v => Some(v.to_json()),
    }
}
