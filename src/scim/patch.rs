//! PATCH (RFC 7644 §3.5.2): add, remove and replace on every path form, all-or-nothing,
//! with RFC 7644 §3.12 errors whose detail names the path, and named switches for
//! Microsoft Entra ID's shapes ([`Compat`]).

use crate::limits::Limits;
use crate::scim::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::error::{ScimError, ScimType};
use crate::scim::eval::{is_unassigned, matches_element};
use crate::scim::path::{attr_def, find_key, get_ci, Path};
use crate::scim::schema::{AttrType, AttributeDef, Mutability, Schemas, GROUP, USER};
use serde_json::{Map, Value};

/// Schema URN of PATCH request bodies (RFC 7644 §3.5.2).
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Named compatibility switches. [`Compat::default`] is strict RFC 7644;
/// [`Compat::entra`] turns on what Microsoft Entra ID sends (spec §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compat {
    /// Accept `op` names in any case (`Add`, `Replace`, `Remove`) and `operations`.
    pub op_case_insensitive: bool,
    /// Coerce `"True"`/`"False"` (any case) to booleans for boolean attributes.
    pub boolean_strings: bool,
    /// In a path-less add/replace, value keys may be attribute paths (`name.givenName`,
    /// `urn:…:enterprise:2.0:User:employeeNumber`).
    pub pathless_attribute_paths: bool,
    /// `remove` with a `value` removes those values (`{"op":"Remove","path":"members",
    /// "value":[{"value":"id"}]}`) instead of being rejected.
    pub remove_by_value: bool,
    /// add/replace on a value path that matches nothing creates the element from the
    /// filter's `eq` terms instead of failing with `noTarget`.
    pub upsert_value_path: bool,
    /// When one written list of values holds several `primary: true` values, the last one
    /// wins instead of the request failing with `invalidValue`. (A value written with
    /// `primary: true` always takes `primary` from the values already stored, in every
    /// mode: RFC 7644 §3.5.2.)
    pub unique_primary: bool,
    /// Accept unquoted values in path filters (`members[value eq 123abc]`).
    pub bare_filter_values: bool,
    /// A single-valued reference attribute (the enterprise `manager`) given as the plain id
    /// string Entra sends (spec §4.2) is stored as `{"value": id}`, a one-element array as
    /// its element, and a value filter on it that matches nothing removes nothing.
    pub manager_string: bool,
}

/// Where a user turns a switch on: the CLI flag and the proxy config member.
fn switch_hint(json_name: &str) -> String {
    format!("--compat entra, or the switch `{json_name}` in the proxy's `client.compat`/`upstream.compat`")
}

impl Compat {
    /// Strict RFC 7644 (same as `default()`).
    pub fn strict() -> Self {
        Compat::default()
    }

    /// Every switch on: what Entra ID sends, with or without `aadOptscim062020`.
    pub fn entra() -> Self {
        Compat {
            op_case_insensitive: true,
            boolean_strings: true,
            pathless_attribute_paths: true,
            remove_by_value: true,
            upsert_value_path: true,
            unique_primary: true,
            bare_filter_values: true,
            manager_string: true,
        }
    }
}

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `replace`.
    Replace,
}

impl OpKind {
    /// Lower-case RFC name.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// One operation of a PatchOp body.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// What to do.
    pub op: OpKind,
    /// Parsed target path.
    pub path: Option<Path>,
    /// The path as written, for error details.
    pub path_text: Option<String>,
    /// The value.
    pub value: Option<Value>,
}

/// A parsed PatchOp request body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    /// Operations in order.
    pub operations: Vec<Operation>,
}

/// A path-less `remove` whose value names the attributes and the values to remove
/// (`{"members": [{"value": "u1"}]}`): accepted with `remove_by_value`.
fn pathless_remove_ok(compat: &Compat, value: &Option<Value>) -> bool {
    compat.remove_by_value && matches!(value, Some(Value::Object(_)))
}

fn pathless_remove_refusal(compat: &Compat) -> String {
    if compat.remove_by_value {
        "remove needs a `path`, or a `value` object naming the attributes and the values to remove"
            .into()
    } else {
        format!(
            "remove needs a `path` (RFC 7644 §3.5.2.2; a `value` object naming the attributes and values to remove is accepted with {})",
            switch_hint("removeByValue")
        )
    }
}

fn err(t: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(t, detail)
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

impl PatchOp {
    /// Parses and validates a PatchOp body (RFC 7644 §3.5.2).
    ///
    /// # Errors
    /// `invalidSyntax` for a malformed body, `invalidPath` for a malformed path.
    pub fn from_json(body: &Value, compat: &Compat) -> Result<PatchOp, ScimError> {
        let obj = body.as_object().ok_or_else(|| {
            err(
                ScimType::InvalidSyntax,
                "a PatchOp body must be a JSON object",
            )
        })?;
        let has_schema = obj
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))
                })
            });
        if !has_schema {
            return Err(err(
                ScimType::InvalidSyntax,
                format!("`schemas` must contain {}", quote(PATCH_OP_URN)),
            ));
        }
        let ops = if compat.op_case_insensitive {
            get_ci(obj, "Operations")
        } else {
            obj.get("Operations")
        };
        let ops = ops
            .and_then(Value::as_array)
            .ok_or_else(|| err(ScimType::InvalidSyntax, "`Operations` must be an array"))?;
        let mut operations = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            let o = op.as_object().ok_or_else(|| {
                err(
                    ScimType::InvalidSyntax,
                    format!("operation {i} must be an object"),
                )
            })?;
            let name = o.get("op").and_then(Value::as_str).ok_or_else(|| {
                err(
                    ScimType::InvalidSyntax,
                    format!("operation {i} has no `op`"),
                )
            })?;
            let kind = match name {
                "add" => OpKind::Add,
                "remove" => OpKind::Remove,
                "replace" => OpKind::Replace,
                n if compat.op_case_insensitive && n.eq_ignore_ascii_case("add") => OpKind::Add,
                n if compat.op_case_insensitive && n.eq_ignore_ascii_case("remove") => {
                    OpKind::Remove
                }
                n if compat.op_case_insensitive && n.eq_ignore_ascii_case("replace") => {
                    OpKind::Replace
                }
                n => {
                    return Err(err(
                        ScimType::InvalidSyntax,
                        format!(
                            "operation {i}: unknown op {} (RFC 7644 §3.5.2 allows \"add\", \"remove\", \"replace\"{})",
                            quote(n),
                            if compat.op_case_insensitive {
                                String::new()
                            } else {
                                format!("; other cases are accepted with {}", switch_hint("opCaseInsensitive"))
                            }
                        ),
                    ))
                }
            };
            let path_text = match o.get("path") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    return Err(err(
                        ScimType::InvalidPath,
                        format!("operation {i}: `path` must be a string"),
                    ))
                }
            };
            let path = match &path_text {
                None => None,
                Some(p) => Some(
                    Path::parse_with(p, &Limits::default(), compat.bare_filter_values)
                        .map_err(|e| ScimError::invalid_path(p, &e))?,
                ),
            };
            let value = o.get("value").cloned();
            if kind != OpKind::Remove && value.is_none() {
                return Err(err(
                    ScimType::InvalidValue,
                    format!("operation {i} ({}) needs a `value`", kind.as_str()),
                ));
            }
            if kind == OpKind::Remove && path.is_none() && !pathless_remove_ok(compat, &value) {
                // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with
                // HTTP status code 400 and a "scimType" error code of "noTarget"."
                return Err(err(
                    ScimType::NoTarget,
                    format!("operation {i}: {}", pathless_remove_refusal(compat)),
                ));
            }
            operations.push(Operation {
                op: kind,
                path,
                path_text,
                value,
            });
        }
        Ok(PatchOp { operations })
    }

    /// The body as JSON (lower-case op names).
    pub fn to_json(&self) -> Value {
        let ops: Vec<Value> = self
            .operations
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("op".into(), o.op.as_str().into());
                if let Some(p) = &o.path_text {
                    m.insert("path".into(), p.clone().into());
                }
                if let Some(v) = &o.value {
                    m.insert("value".into(), v.clone());
                }
                Value::Object(m)
            })
            .collect();
        serde_json::json!({"schemas": [PATCH_OP_URN], "Operations": ops})
    }

    /// Applies every operation to a copy of `resource`; on any error the resource is left
    /// as it was (RFC 7644 §3.5.2: the request is atomic).
    ///
    /// # Errors
    /// The first failing operation's RFC 7644 §3.12 error.
    pub fn apply(
        &self,
        resource: &Value,
        schemas: &Schemas,
        compat: &Compat,
    ) -> Result<Value, ScimError> {
        let mut work = resource.clone();
        if !work.is_object() {
            return Err(err(
                ScimType::InvalidSyntax,
                "the resource must be a JSON object",
            ));
        }
        let cx = Cx {
            schemas,
            compat,
            is_group: is_group(resource),
        };
        for op in &self.operations {
            cx.apply_op(&mut work, op)?;
            prune_extensions(&mut work);
        }
        Ok(work)
    }
}

/// Parses `body` and applies it to `resource` (see [`PatchOp::apply`]).
///
/// # Errors
/// Parse errors (`invalidSyntax`, `invalidPath`) and application errors.
///
/// # Examples
/// ```
/// use scimmap::scim::{apply_patch, Compat, Schemas};
/// use serde_json::json;
/// let group = json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}]});
/// let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///   "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "a"}]}]});
/// let out = apply_patch(&group, &body, &Schemas::core(), &Compat::entra()).unwrap();
/// assert_eq!(out["members"], json!([{"value": "b"}]));
/// assert!(apply_patch(&group, &body, &Schemas::core(), &Compat::strict()).is_err());
/// ```
pub fn apply_patch(
    resource: &Value,
    body: &Value,
    schemas: &Schemas,
    compat: &Compat,
) -> Result<Value, ScimError> {
    PatchOp::from_json(body, compat)?.apply(resource, schemas, compat)
}

/// Writes `value` at `path`, creating a value-path element when none matches (what a
/// mapping target such as `emails[type eq "work"].value` means). Atomic: on error the
/// resource is unchanged.
///
/// # Errors
/// `invalidPath` for a malformed path, and the errors of a `replace`.
pub fn write_path(
    resource: &mut Value,
    path: &str,
    value: Value,
    schemas: &Schemas,
) -> Result<(), ScimError> {
    let p = Path::parse_lenient(path).map_err(|e| ScimError::invalid_path(path, &e))?;
    let mut work = resource.clone();
    write_at(&mut work, &p, value, schemas)?;
    *resource = work;
    Ok(())
}

/// [`write_path`] for a parsed path, in place: on error the resource may be partly
/// written, so callers that keep it after an error should use [`write_path`]. Saves the
/// parse and the copy when one resource is built from many targets (a mapping).
///
/// # Errors
/// The errors of a `replace` under [`Compat::entra`].
pub fn write_at(
    resource: &mut Value,
    path: &Path,
    value: Value,
    schemas: &Schemas,
) -> Result<(), ScimError> {
    let compat = Compat::entra();
    let cx = Cx {
        schemas,
        compat: &compat,
        is_group: is_group(resource),
    };
    // What `apply_op` does for a `replace` with a path, without building an `Operation`
    // (a copy of the path, its text and the value for every target of a mapping).
    let t = Target { path, text: None };
    cx.write(resource, &t, OpKind::Replace, value)
}

fn is_group(resource: &Value) -> bool {
    resource
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(GROUP)))
        })
        || resource
            .get("meta")
            .and_then(|m| m.get("resourceType"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Group"))
}

struct Cx<'a> {
    schemas: &'a Schemas,
    compat: &'a Compat,
    is_group: bool,
}

/// Where an operation writes, resolved.
struct Target<'p> {
    path: &'p Path,
    /// The path as written; `None` = print `path` (only error details need it).
    text: Option<&'p str>,
}

impl Target<'_> {
    fn text(&self) -> String {
        self.text
            .map_or_else(|| self.path.to_string(), str::to_string)
    }
}

impl Cx<'_> {
    fn apply_op(&self, work: &mut Value, op: &Operation) -> Result<(), ScimError> {
        if let Some(urn) = op.path_text.as_deref().filter(|t| self.is_extension(t)) {
            return self.extension_op(work, urn, op);
        }
        match (&op.path, op.op) {
            (None, OpKind::Remove) => match &op.value {
                Some(Value::Object(map)) if self.compat.remove_by_value => {
                    self.pathless_remove(work, map)
                }
                _ => Err(err(
                    ScimType::NoTarget,
                    pathless_remove_refusal(self.compat),
                )),
            },
            (None, kind) => self.pathless(work, kind, op.value.as_ref()),
            (Some(p), kind) => {
                let t = Target {
                    path: p,
                    text: op.path_text.as_deref(),
                };
                match kind {
                    OpKind::Remove => self.remove(work, &t, op.value.as_ref()),
                    _ => self.write(work, &t, kind, op.value.clone().unwrap_or(Value::Null)),
                }
            }
        }
    }

    fn is_extension(&self, text: &str) -> bool {
        self.schemas.schema(text).is_some() && !self.schemas.is_core(text)
    }

    /// A path that is an extension schema's URN (`urn:…:enterprise:2.0:User`) addresses
    /// the extension object (RFC 7643 §3.3): add/replace its attributes as a path-less op
    /// keyed by the URN would; remove drops the whole object.
    fn extension_op(&self, work: &mut Value, urn: &str, op: &Operation) -> Result<(), ScimError> {
        match (op.op, &op.value) {
            (OpKind::Remove, None) => {
                if let Some(obj) = work.as_object_mut() {
                    let key = obj.keys().find(|k| k.eq_ignore_ascii_case(urn)).cloned();
                    if let Some(k) = key {
                        obj.remove(&k);
                    }
                    // `schemas` lists the extensions the resource holds (RFC 7643 §3).
                    if let Some(Value::Array(list)) = obj.get_mut("schemas") {
                        list.retain(|u| !u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)));
                    }
                }
                Ok(())
            }
            (OpKind::Remove, Some(_)) => Err(err(
                ScimType::InvalidValue,
                format!("remove of the extension {} takes no value", quote(urn)),
            )),
            (kind, Some(v @ Value::Object(_))) => {
                let mut m = Map::new();
                m.insert(urn.to_string(), v.clone());
                self.pathless(work, kind, Some(&Value::Object(m)))
            }
            (kind, _) => Err(err(
                ScimType::InvalidValue,
                format!(
                    "{} of the extension {} needs an object `value`",
                    kind.as_str(),
                    quote(urn)
                ),
            )),
        }
    }

    /// Path-less add/replace: `value` holds attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
    fn pathless(
        &self,
        work: &mut Value,
        kind: OpKind,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let Some(Value::Object(map)) = value else {
            return Err(err(
                ScimType::InvalidValue,
                format!("{} without a path needs an object `value`", kind.as_str()),
            ));
        };
        for (p, text, v) in self.pathless_targets(kind, map)? {
            let t = Target {
                path: &p,
                text: Some(&text),
            };
            self.write(work, &t, kind, v.clone())?;
        }
        Ok(())
    }

    /// Path-less remove (`remove_by_value`): each key names an attribute, its value the
    /// values to remove from it, as `remove` with that path and value would.
    fn pathless_remove(&self, work: &mut Value, map: &Map<String, Value>) -> Result<(), ScimError> {
        for (p, text, v) in self.pathless_targets(OpKind::Remove, map)? {
            let t = Target {
                path: &p,
                text: Some(&text),
            };
            self.remove(work, &t, Some(v))?;
        }
        Ok(())
    }

    /// The attributes a path-less `value` object names: plain names, the core schema's
    /// URN holding core attributes, extension objects keyed by their URN (RFC 7643 §3.3),
    /// and, with `pathless_attribute_paths`, attribute paths as keys.
    fn pathless_targets<'v>(
        &self,
        kind: OpKind,
        map: &'v Map<String, Value>,
    ) -> Result<Vec<(Path, String, &'v Value)>, ScimError> {
        let mut out = Vec::with_capacity(map.len());
        for (k, v) in map {
            let is_urn = k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
            if is_urn && self.schemas.is_core(k) {
                if let Value::Object(inner) = v {
                    out.extend(self.pathless_targets(kind, inner)?);
                    continue;
                }
                return Err(err(
                    ScimType::InvalidValue,
                    format!(
                        "{} without a path: key {} must hold an object of attributes",
                        kind.as_str(),
                        quote(k)
                    ),
                ));
            }
            let registered = self.schemas.schema(k).is_some();
            if is_urn && v.is_object() && (registered || self.schemas.split_urn(k).is_none()) {
                if let Value::Object(inner) = v {
                    for (k2, v2) in inner {
                        let p = Path::from_attr(AttrPath::new(Some(k), k2, None));
                        out.push((p, format!("{k}:{k2}"), v2));
                    }
                }
                continue;
            }
            let plain = crate::scim::is_plain_name(k);
            if !plain && !self.compat.pathless_attribute_paths {
                return Err(err(
                    ScimType::InvalidPath,
                    format!(
                        "{} without a path: key {} is not an attribute name (attribute paths as keys are accepted with {})",
                        kind.as_str(),
                        quote(k),
                        switch_hint("pathlessAttributePaths")
                    ),
                ));
            }
            let p = if plain {
                Path::from_attr(AttrPath::new(None, k, None))
            } else {
                Path::parse_with(k, &Limits::default(), self.compat.bare_filter_values)
                    .map_err(|e| ScimError::invalid_path(k, &e))?
            };
            out.push((p, k.clone(), v));
        }
        Ok(out)
    }

    fn defs(&self, path: &Path) -> (Option<&AttributeDef>, Option<&AttributeDef>) {
        let top = attr_def(self.schemas, &path.attr);
        let sub = path.target_sub().and_then(|s| top.and_then(|d| d.sub(s)));
        (top, sub)
    }

    fn required(&self, def: &AttributeDef, path: &Path) -> bool {
        if !def.required || path.target_sub().is_some() || path.filter.is_some() {
            return false;
        }
        let origin_group = self
            .schemas
            .attribute(path.attr.uri.as_deref(), &path.attr.attr)
            .is_some_and(|(_, o)| {
                matches!(o, crate::scim::schema::Origin::Core(s) if s.id.eq_ignore_ascii_case(GROUP))
            });
        let origin_user = self
            .schemas
            .attribute(path.attr.uri.as_deref(), &path.attr.attr)
            .is_some_and(|(_, o)| {
                matches!(o, crate::scim::schema::Origin::Core(s) if s.id.eq_ignore_ascii_case(USER))
            });
        // `displayName` is required on Groups only; `userName` on Users only.
        (origin_group && self.is_group)
            || (origin_user && !self.is_group && def.name != "displayName")
    }

    fn check_mutability(
        &self,
        t: &Target<'_>,
        kind: OpKind,
        current: Option<&Value>,
    ) -> Result<(), ScimError> {
        let (top, sub) = self.defs(t.path);
        for d in [top, sub].into_iter().flatten() {
            if d.mutability == Mutability::ReadOnly {
                return Err(err(
                    ScimType::Mutability,
                    format!("path {}: `{}` is readOnly", quote(&t.text()), d.name),
                ));
            }
        }
        let leaf = sub.or(if t.path.target_sub().is_none() {
            top
        } else {
            None
        });
        if let Some(d) = leaf {
            let assigned = current.is_some_and(|v| !is_unassigned(v));
            if d.mutability == Mutability::Immutable && assigned && kind != OpKind::Add {
                return Err(err(
                    ScimType::Mutability,
                    format!(
                        "path {}: `{}` is immutable and already set",
                        quote(&t.text()),
                        d.name
                    ),
                ));
            }
            if kind == OpKind::Remove && self.required(d, t.path) {
                return Err(err(
                    ScimType::Mutability,
                    format!(
                        "path {}: `{}` is required and cannot be removed",
                        quote(&t.text()),
                        d.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks `value` against the attribute's type and shape (RFC 7643 §2.2–§2.4): a
    /// wrong JSON type or shape is `invalidValue`, for simple and complex attributes
    /// alike. Coerces what the switches allow: `"True"`/`"False"` for booleans, the
    /// manager as a plain id string. `element`: `value` is one value of a multi-valued
    /// attribute.
    fn check_value(
        &self,
        t: &Target<'_>,
        def: Option<&AttributeDef>,
        value: Value,
        element: bool,
    ) -> Result<Value, ScimError> {
        let Some(d) = def else { return Ok(value) };
        if d.multi_valued && !element {
            return match value {
                Value::Array(a) => Ok(Value::Array(
                    a.into_iter()
                        .map(|v| self.check_value(t, def, v, true))
                        .collect::<Result<_, _>>()?,
                )),
                Value::Null => Ok(Value::Null),
                other => self.check_value(t, def, other, true),
            };
        }
        let bad = |what: &str| {
            err(
                ScimType::InvalidValue,
                format!("path {}: `{}` expects {what}", quote(&t.text()), d.name),
            )
        };
        match (d.ty, value) {
            (_, Value::Null) => Ok(Value::Null),
            (_, Value::Array(mut a)) if !d.multi_valued => {
                if self.compat.manager_string && is_single_reference(d) && a.len() == 1 {
                    // Entra's older manager shape: `[{"value": id}]` (spec §4.2).
                    return self.check_value(t, def, a.remove(0), element);
                }
                Err(bad(&format!(
                    "{}, not an array (it is single-valued)",
                    type_noun(d.ty)
                )))
            }
            (AttrType::Boolean, Value::Bool(b)) => Ok(Value::Bool(b)),
            (AttrType::Boolean, Value::String(s)) => self.boolean_string(&s).ok_or_else(|| {
                bad(&format!(
                    "a boolean, got the string {}{}",
                    quote(&s),
                    if self.compat.boolean_strings {
                        String::new()
                    } else {
                        format!(
                            " (\"True\"/\"False\" are accepted with {})",
                            switch_hint("booleanStrings")
                        )
                    }
                ))
            }),
            (AttrType::Boolean, _) => Err(bad("a boolean")),
            (AttrType::String | AttrType::Reference | AttrType::DateTime | AttrType::Binary, v) => {
                if v.is_string() {
                    Ok(v)
                } else {
                    Err(bad("a string"))
                }
            }
            (AttrType::Integer | AttrType::Decimal, v) => {
                if v.is_number() {
                    Ok(v)
                } else {
                    Err(bad("a number"))
                }
            }
            (AttrType::Complex, Value::Object(o)) => self.check_subs(t, d, o).map(Value::Object),
            (AttrType::Complex, Value::String(s))
                if self.compat.manager_string && is_single_reference(d) =>
            {
                // Entra sends the manager as its id (spec §4.2, §4.3).
                let mut o = Map::new();
                o.insert("value".into(), Value::String(s));
                Ok(Value::Object(o))
            }
            (AttrType::Complex, Value::String(_)) if is_single_reference(d) => Err(bad(&format!(
                "an object such as {{\"value\": id}} (a plain id string is accepted with {})",
                switch_hint("managerString")
            ))),
            (AttrType::Complex, _) if d.multi_valued => Err(bad("objects as its values")),
            (AttrType::Complex, _) => Err(bad("an object")),
        }
    }

    fn boolean_string(&self, s: &str) -> Option<Value> {
        if !self.compat.boolean_strings {
            return None;
        }
        if s.eq_ignore_ascii_case("true") {
            Some(Value::Bool(true))
        } else if s.eq_ignore_ascii_case("false") {
            Some(Value::Bool(false))
        } else {
            None
        }
    }

    /// The sub-attributes of a complex value, each checked against its definition.
    fn check_subs(
        &self,
        t: &Target<'_>,
        d: &AttributeDef,
        o: Map<String, Value>,
    ) -> Result<Map<String, Value>, ScimError> {
        let mut out = Map::new();
        for (k, v) in o {
            let v = match d.sub(&k) {
                Some(sd) => self.check_value(t, Some(sd), v, false)?,
                None => v,
            };
            out.insert(k, v);
        }
        Ok(out)
    }

    /// The object holding the attribute's schema, created on demand for writes.
    fn container_mut<'w>(
        &self,
        work: &'w mut Value,
        uri: Option<&str>,
        create: bool,
    ) -> Option<&'w mut Map<String, Value>> {
        let obj = work.as_object_mut()?;
        let Some(uri) = uri else { return Some(obj) };
        if self.schemas.is_core(uri) {
            return Some(obj);
        }
        let key = match find_key(obj, uri) {
            Some(k) => k.clone(),
            None if create => {
                let canonical = self.schemas.schema(uri).map_or(uri, |s| s.id.as_str());
                obj.insert(canonical.to_string(), Value::Object(Map::new()));
                canonical.to_string()
            }
            None => return None,
        };
        let slot = obj.get_mut(&key)?;
        if !slot.is_object() {
            if !create {
                return None;
            }
            *slot = Value::Object(Map::new());
        }
        slot.as_object_mut()
    }

    fn write(
        &self,
        work: &mut Value,
        t: &Target<'_>,
        kind: OpKind,
        value: Value,
    ) -> Result<(), ScimError> {
        let path = t.path;
        let (top_def, sub_def) = self.defs(path);
        let value_def = if path.target_sub().is_some() {
            sub_def
        } else {
            top_def
        };
        let value = if path.filter.is_some() && path.sub.is_none() {
            // `emails[type eq "work"]`: one element.
            self.check_value(t, top_def, value, true)?
        } else {
            self.check_value(t, value_def, value, false)?
        };
        let Some(obj) = self.container_mut(work, path.attr.uri.as_deref(), true) else {
            return Err(err(
                ScimType::InvalidSyntax,
                "the resource must be a JSON object",
            ));
        };
        let key = find_key(obj, &path.attr.attr)
            .cloned()
            .unwrap_or_else(|| top_def.map_or(path.attr.attr.clone(), |d| d.name.clone()));
        let current = obj.get(&key);
        let current_leaf = match (path.filter.is_some(), path.target_sub()) {
            (false, Some(s)) => current
                .and_then(|c| c.as_object())
                .and_then(|o| get_ci(o, s)),
            (false, None) => current,
            (true, _) => None,
        };
        self.check_mutability(t, kind, current_leaf)?;
        let multi = top_def.is_some_and(|d| d.multi_valued) || current.is_some_and(Value::is_array);

        if let Some(filter) = &path.filter {
            return self.write_value_path(obj, &key, t, filter, kind, value, top_def);
        }
        if let Some(sub) = &path.attr.sub {
            // `name.familyName`, or `emails.value` on every element of a multi-valued one.
            let slot = obj
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let mut written = Vec::new();
            match slot {
                Value::Array(items) => {
                    if items.is_empty() {
                        return Err(err(
                            ScimType::NoTarget,
                            format!("path {}: `{key}` has no values", quote(&t.text())),
                        ));
                    }
                    for e in items.iter_mut() {
                        if let Value::Object(o) = e {
                            set_ci(o, sub, value.clone());
                        }
                    }
                    written = (0..items.len()).collect();
                }
                Value::Object(o) => set_ci(o, sub, value),
                other => {
                    let mut o = Map::new();
                    set_ci(&mut o, sub, value);
                    *other = Value::Object(o);
                }
            }
            prune(obj, &key);
            // `emails.primary` = true writes `primary` on every value.
            return self.primary(obj, &key, t, &written);
        }
        if value.is_null() {
            // RFC 7643 §2.5: null is unassigned.
            obj.remove(&key);
            return Ok(());
        }
        let value = if multi && !value.is_array() {
            Value::Array(vec![value])
        } else {
            value
        };
        let written = store(obj, &key, kind, value, multi);
        prune(obj, &key);
        self.primary(obj, &key, t, &written)
    }

    #[allow(clippy::too_many_arguments)]
    fn write_value_path(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        t: &Target<'_>,
        filter: &Filter,
        kind: OpKind,
        value: Value,
        def: Option<&AttributeDef>,
    ) -> Result<(), ScimError> {
        let items: Vec<Value> = match obj.get(key) {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        };
        let mut hits = Vec::new();
        for (i, e) in items.iter().enumerate() {
            if matches_element(filter, e, def, self.schemas)? {
                hits.push(i);
            }
        }
        let sub = t.path.sub.as_deref();
        let mut items = items;
        if hits.is_empty() {
            if !self.compat.upsert_value_path {
                return Err(no_target(t, key));
            }
            let mut e = Map::new();
            for (k, v) in filter_equalities(filter) {
                e.insert(k, v);
            }
            match (sub, value) {
                (Some(s), v) => set_ci(&mut e, s, v),
                (None, Value::Object(o)) => {
                    for (k, v) in o {
                        set_ci(&mut e, &k, v);
                    }
                }
                (None, _) => {
                    return Err(err(
                        ScimType::InvalidValue,
                        format!(
                            "path {}: a value path needs an object value",
                            quote(&t.text())
                        ),
                    ))
                }
            }
            items.push(Value::Object(e));
            hits.push(items.len().saturating_sub(1));
        } else {
            for &i in &hits {
                let Some(slot) = items.get_mut(i) else {
                    continue;
                };
                match (sub, kind, &value) {
                    (Some(s), _, v) => {
                        if let Value::Object(o) = slot {
                            let current = get_ci(o, s);
                            self.check_mutability(t, kind, current)?;
                            set_ci(o, s, v.clone());
                        }
                    }
                    (None, OpKind::Add, Value::Object(new)) => {
                        if let Value::Object(o) = slot {
                            for (k, v) in new {
                                set_ci(o, k, v.clone());
                            }
                        }
                    }
                    // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
                    (None, _, Value::Object(_)) => *slot = value.clone(),
                    (None, _, _) => {
                        return Err(err(
                            ScimType::InvalidValue,
                            format!(
                                "path {}: a value path needs an object value",
                                quote(&t.text())
                            ),
                        ))
                    }
                }
            }
        }
        let single = def.is_some_and(|d| !d.multi_valued);
        match (single, items.as_slice()) {
            // A value filter on a single-valued complex attribute (Entra's
            // `manager[value eq "…"]`) selects the one value; it stays single-valued.
            (true, [one]) => {
                obj.insert(key.to_string(), one.clone());
                return Ok(());
            }
            (true, _) => {
                return Err(err(
                    ScimType::InvalidValue,
                    format!(
                        "path {}: `{key}` is single-valued and holds one value",
                        quote(&t.text())
                    ),
                ))
            }
            (false, _) => {}
        }
        obj.insert(key.to_string(), Value::Array(items));
        self.primary(obj, key, t, &hits)
    }

    /// RFC 7644 §3.5.2: "a PATCH operation that sets a value's "primary" sub-attribute to
    /// "true" SHALL cause the server to automatically set "primary" to "false" for any
    /// other values in the array." `written`: indices of the values this operation wrote.
    /// Several of them primary is `invalidValue` (RFC 7643 §2.4: "no more than once"),
    /// unless `unique_primary` keeps the last.
    fn primary(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        t: &Target<'_>,
        written: &[usize],
    ) -> Result<(), ScimError> {
        let Some(Value::Array(items)) = obj.get_mut(key) else {
            return Ok(());
        };
        let mut primaries: Vec<usize> = written
            .iter()
            .copied()
            .filter(|&i| items.get(i).is_some_and(is_primary))
            .collect();
        primaries.sort_unstable();
        primaries.dedup();
        let keep = match primaries.as_slice() {
            [] => return Ok(()),
            [one] => *one,
            [.., last] if self.compat.unique_primary => *last,
            _ => {
                return Err(err(
                    ScimType::InvalidValue,
                    format!(
                        "path {}: {} of the values written to `{key}` are primary; RFC 7643 §2.4 allows one (the last is kept with {})",
                        quote(&t.text()),
                        primaries.len(),
                        switch_hint("uniquePrimary")
                    ),
                ))
            }
        };
        for (i, e) in items.iter_mut().enumerate() {
            if i != keep && is_primary(e) {
                if let Value::Object(o) = e {
                    set_ci(o, "primary", Value::Bool(false));
                }
            }
        }
        Ok(())
    }

    fn remove(
        &self,
        work: &mut Value,
        t: &Target<'_>,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let path = t.path;
        if let Some(v) = value.filter(|v| !v.is_null()) {
            if !self.compat.remove_by_value {
                return Err(err(
                    ScimType::InvalidSyntax,
                    format!(
                        "path {}: remove takes no `value` (RFC 7644 §3.5.2.2; removing the given values is accepted with {})",
                        quote(&t.text()),
                        switch_hint("removeByValue")
                    ),
                ));
            }
            if path.filter.is_none() && path.target_sub().is_none() {
                return self.remove_values(work, t, v);
            }
        }
        let top_def = self.defs(path).0;
        let Some(obj) = self.container_mut(work, path.attr.uri.as_deref(), false) else {
            return match &path.filter {
                Some(_) => self.filter_missed(t, &path.attr.attr, top_def),
                None => Ok(()),
            };
        };
        let Some(key) = find_key(obj, &path.attr.attr).cloned() else {
            if path.filter.is_some() {
                return self.filter_missed(t, &path.attr.attr, top_def);
            }
            // Removing an unassigned attribute leaves the resource as requested.
            return self.check_mutability(t, OpKind::Remove, None);
        };
        if let Some(filter) = &path.filter {
            return self.remove_filtered(obj, &key, t, filter, top_def);
        }
        if let Some(sub) = &path.attr.sub {
            return self.remove_sub(obj, &key, t, sub);
        }
        self.check_mutability(t, OpKind::Remove, obj.get(&key))?;
        obj.remove(&key);
        Ok(())
    }

    /// A value filter that matched nothing: `noTarget` (RFC 7644 §3.5.2.2), except on the
    /// manager with `manager_string`, where Entra removes the manager it last sent
    /// (`manager[value eq "id"]`) and one that is already gone or replaced is the outcome
    /// it asked for.
    fn filter_missed(
        &self,
        t: &Target<'_>,
        key: &str,
        def: Option<&AttributeDef>,
    ) -> Result<(), ScimError> {
        if self.compat.manager_string && def.is_some_and(is_single_reference) {
            return Ok(());
        }
        Err(no_target(t, key))
    }

    /// `remove` with a value (`remove_by_value`): removes the values that match the given
    /// ones. The value may list them (`[{"value": "u1"}]`), be one of them, or name the
    /// attribute (`{"members": [...]}`, as Entra writes a path-less remove).
    fn remove_values(&self, work: &mut Value, t: &Target<'_>, v: &Value) -> Result<(), ScimError> {
        let path = t.path;
        let top_def = self.defs(path).0;
        self.check_mutability(t, OpKind::Replace, None)?;
        let v = unwrap_named(v, &path.attr.attr, top_def);
        if v.is_null() {
            // `{"members": null}`: RFC 7643 §2.5, null is unassigned.
            let inner = Target { path, text: t.text };
            return self.remove(work, &inner, None);
        }
        let given = self.removal_templates(t, top_def, v)?;
        let Some(obj) = self.container_mut(work, path.attr.uri.as_deref(), false) else {
            return Ok(());
        };
        let Some(key) = find_key(obj, &path.attr.attr).cloned() else {
            return Ok(());
        };
        let matches = |e: &Value| given.iter().any(|g| value_matches(e, g, top_def));
        match obj.get_mut(&key) {
            Some(Value::Array(items)) => items.retain(|e| !matches(e)),
            Some(cur) if matches(cur) => {
                obj.remove(&key);
            }
            _ => {}
        }
        prune(obj, &key);
        Ok(())
    }

    /// The values a remove-by-value names, checked like written values (so a wrong shape
    /// is `invalidValue`, never a removal that silently matches nothing); for a known
    /// complex attribute every key must be one of its sub-attributes.
    fn removal_templates(
        &self,
        t: &Target<'_>,
        def: Option<&AttributeDef>,
        v: &Value,
    ) -> Result<Vec<Value>, ScimError> {
        let listed: Vec<Value> = match v {
            Value::Array(a) if !def.is_some_and(|d| !d.multi_valued) => a.clone(),
            Value::Array(a) if a.len() == 1 => a.clone(),
            other => vec![other.clone()],
        };
        let mut out = Vec::with_capacity(listed.len());
        for g in listed {
            let g = self.check_value(t, def, g, true)?;
            if let (Some(d), Value::Object(o)) = (def, &g) {
                if let Some(k) = o.keys().find(|k| d.sub(k).is_none()) {
                    return Err(err(
                        ScimType::InvalidValue,
                        format!(
                            "path {}: `{}` has no sub-attribute `{k}` to match the values to remove",
                            quote(&t.text()),
                            d.name
                        ),
                    ));
                }
            }
            out.push(g);
        }
        Ok(out)
    }

    /// `remove` on a value path (`emails[type eq "work"]`, `…manager[value eq "id"]`),
    /// with or without a sub-attribute.
    fn remove_filtered(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        t: &Target<'_>,
        filter: &Filter,
        def: Option<&AttributeDef>,
    ) -> Result<(), ScimError> {
        let (items, single) = match obj.get(key) {
            Some(Value::Array(a)) => (a.clone(), false),
            Some(other) => (vec![other.clone()], true),
            None => (Vec::new(), false),
        };
        let mut keep = Vec::new();
        let mut hit = false;
        for e in items {
            if !matches_element(filter, &e, def, self.schemas)? {
                keep.push(e);
                continue;
            }
            hit = true;
            match &t.path.sub {
                None => self.check_mutability(t, OpKind::Remove, None)?,
                Some(s) => {
                    let mut e = e;
                    if let Value::Object(o) = &mut e {
                        self.check_mutability(t, OpKind::Remove, get_ci(o, s))?;
                        if let Some(k) = find_key(o, s).cloned() {
                            o.remove(&k);
                        }
                    }
                    keep.push(e);
                }
            }
        }
        if !hit {
            return self.filter_missed(t, key, def);
        }
        // A single-valued complex attribute (the manager) stays single-valued.
        let rest = match (single, keep.pop()) {
            (true, Some(e)) => e,
            (true, None) => Value::Null,
            (false, last) => {
                keep.extend(last);
                Value::Array(keep)
            }
        };
        obj.insert(key.to_string(), rest);
        prune(obj, key);
        Ok(())
    }

    /// `remove` of `name.familyName`, or of `emails.type` on every element.
    fn remove_sub(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        t: &Target<'_>,
        sub: &str,
    ) -> Result<(), ScimError> {
        let current = obj
            .get(key)
            .and_then(|c| c.as_object())
            .and_then(|o| get_ci(o, sub));
        self.check_mutability(t, OpKind::Remove, current)?;
        let drop_sub = |o: &mut Map<String, Value>| {
            if let Some(k) = find_key(o, sub).cloned() {
                o.remove(&k);
            }
        };
        match obj.get_mut(key) {
            Some(Value::Object(o)) => drop_sub(o),
            Some(Value::Array(items)) => items
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .for_each(drop_sub),
            _ => {}
        }
        prune(obj, key);
        Ok(())
    }
}

fn is_primary(e: &Value) -> bool {
    e.as_object()
        .and_then(|o| get_ci(o, "primary"))
        .is_some_and(|p| p == &Value::Bool(true))
}

/// Stores a checked, non-null `value` under `key` (wrapped in an array when `multi`) and
/// returns the indices of the array values it wrote (for [`Cx::primary`]).
fn store(
    obj: &mut Map<String, Value>,
    key: &str,
    kind: OpKind,
    value: Value,
    multi: bool,
) -> Vec<usize> {
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    match (kind, obj.get_mut(key)) {
        (_, None) => {
            let n = count(&value);
            obj.insert(key.to_string(), value);
            (0..n).collect()
        }
        (OpKind::Add, Some(Value::Array(items))) => {
            // RFC 7644 §3.5.2.1: values already present cause no change.
            let Value::Array(new) = value else {
                return Vec::new();
            };
            let mut written = Vec::with_capacity(new.len());
            for v in new {
                match items.iter().position(|e| e == &v) {
                    Some(i) => written.push(i),
                    None => {
                        written.push(items.len());
                        items.push(v);
                    }
                }
            }
            written
        }
        (_, Some(Value::Object(cur))) if value.is_object() && !multi => {
            // RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes not given are left unchanged.
            if let Value::Object(new) = value {
                for (k, v) in new {
                    set_ci(cur, &k, v);
                }
            }
            Vec::new()
        }
        (_, Some(slot)) => {
            let n = count(&value);
            *slot = value;
            (0..n).collect()
        }
    }
}

/// A single-valued complex attribute pointing at another resource: the enterprise
/// `manager` (RFC 7643 §4.3).
fn is_single_reference(d: &AttributeDef) -> bool {
    !d.multi_valued && d.ty == AttrType::Complex && d.refers_to_resource()
}

fn type_noun(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Boolean => "a boolean",
        AttrType::Integer | AttrType::Decimal => "a number",
        AttrType::Complex => "an object",
        AttrType::String | AttrType::Reference | AttrType::DateTime | AttrType::Binary => {
            "a string"
        }
    }
}

/// Drops extension objects left empty (RFC 7643 §2.5: unassigned).
fn prune_extensions(work: &mut Value) {
    if let Some(obj) = work.as_object_mut() {
        obj.retain(|k, v| {
            !(k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
                && v.as_object().is_some_and(Map::is_empty))
        });
    }
}

fn no_target(t: &Target<'_>, key: &str) -> ScimError {
    err(
        ScimType::NoTarget,
        format!(
            "path {}: no value of `{key}` matches the filter",
            quote(&t.text())
        ),
    )
}

/// Sets `key` in `o`, reusing an existing key that differs only in case.
fn set_ci(o: &mut Map<String, Value>, key: &str, v: Value) {
    let k = find_key(o, key).cloned().unwrap_or_else(|| key.to_string());
    o.insert(k, v);
}

/// RFC 7643 §2.5: an attribute left empty (`{}`, `[]`, null) is unassigned, so drop it;
/// an empty extension object is dropped too.
fn prune(obj: &mut Map<String, Value>, key: &str) {
    let empty = match obj.get(key) {
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Null) => true,
        _ => false,
    };
    if empty {
        obj.remove(key);
    }
}

/// `{"members": [...]}` given as the value of a remove on `members`: the listed values.
/// Not when the attribute has a sub-attribute of its own name.
fn unwrap_named<'v>(v: &'v Value, attr: &str, def: Option<&AttributeDef>) -> &'v Value {
    match v {
        Value::Object(o) if o.len() == 1 && !def.is_some_and(|d| d.sub(attr).is_some()) => {
            get_ci(o, attr).unwrap_or(v)
        }
        _ => v,
    }
}

/// Whether element `e` matches a remove-by-value item `g`: every key of `g` matches
/// (`null` meaning absent), strings compared by the sub-attribute's `caseExact`.
fn value_matches(e: &Value, g: &Value, def: Option<&AttributeDef>) -> bool {
    match (e, g) {
        (Value::Object(eo), Value::Object(go)) => go.iter().all(|(k, gv)| {
            let ev = get_ci(eo, k);
            let sd = def.and_then(|d| d.sub(k));
            match (ev, gv) {
                (None | Some(Value::Null), Value::Null) => true,
                (Some(ev), gv) => scalar_eq(ev, gv, sd),
                (None, _) => false,
            }
        }),
        (e, g) => scalar_eq(e, g, def),
    }
}

fn scalar_eq(a: &Value, b: &Value, def: Option<&AttributeDef>) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !def.is_some_and(|d| d.case_exact) => {
            x.to_lowercase() == y.to_lowercase()
        }
        _ => a == b,
    }
}

/// `attr eq value` terms joined by `and` at the top of a value filter: the fields of an
/// element created for a value path that matched nothing.
fn filter_equalities(f: &Filter) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![f];
    while let Some(n) = stack.pop() {
        match n {
            Filter::And { operands, .. } => stack.extend(operands.iter().rev()),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
                ..
            } if path.sub.is_none() && !matches!(value, CompValue::Null) => {
                out.push((path.attr.clone(), value.to_json()));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn body(ops: Value) -> Value {
        json!({"schemas": [PATCH_OP_URN], "Operations": ops})
    }

    fn run(r: &Value, ops: Value, c: Compat) -> Result<Value, ScimError> {
        apply_patch(r, &body(ops), &Schemas::core(), &c)
    }

    #[test]
    fn write_at_creates_then_updates_value_path_elements() {
        let mut r = json!({});
        let s = Schemas::empty();
        for (p, v) in [
            (r#"addresses[type eq "work"].locality"#, "London"),
            (r#"addresses[type eq "work"].region"#, "LDN"),
            (r#"phoneNumbers[type eq "work"].value"#, "1"),
            (r#"phoneNumbers[type eq "mobile"].value"#, "2"),
            ("name.givenName", "Ada"),
        ] {
            write_at(&mut r, &Path::parse(p).unwrap(), json!(v), &s).unwrap();
        }
        assert_eq!(
            r,
            json!({
                "addresses": [{"type": "work", "locality": "London", "region": "LDN"}],
                "phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "2"}],
                "name": {"givenName": "Ada"}
            })
        );
    }

    #[test]
    fn remove_no_match_is_no_target_and_atomic() {
        let u = json!({"userName": "a", "emails": [{"type": "home", "value": "x"}]});
        let e = run(
            &u,
            json!([{"op": "replace", "path": "userName", "value": "b"},
                   {"op": "remove", "path": "emails[type eq \"work\"]"}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        assert!(
            e.detail.contains("emails[type eq \\\"work\\\"]"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn a_path_naming_an_extension_addresses_its_object() {
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let user = json!({"userName": "a", ent: {"division": "q"}});
        for kind in ["add", "replace"] {
            let body = json!({"schemas": [PATCH_OP_URN], "Operations": [
                {"op": kind, "path": ent, "value": {"department": "x"}}]});
            let out = apply_patch(&user, &body, &Schemas::core(), &Compat::strict()).unwrap();
            assert_eq!(
                out[ent],
                json!({"division": "q", "department": "x"}),
                "{kind}"
            );
            assert_eq!(out.as_object().unwrap().len(), 2, "{kind}: {out}");
        }
        let body =
            json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "remove", "path": ent}]});
        let listed = json!({"schemas": [crate::scim::schema::USER, ent], "userName": "a", ent: {"division": "q"}});
        let out = apply_patch(&listed, &body, &Schemas::core(), &Compat::strict()).unwrap();
        assert_eq!(
            out,
            json!({"schemas": [crate::scim::schema::USER], "userName": "a"})
        );
        let body = json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "path": ent, "value": "x"}]});
        let e = apply_patch(&user, &body, &Schemas::core(), &Compat::strict()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn entra_upsert_and_booleans() {
        let u = json!({"userName": "a", "active": true});
        let out = run(
            &u,
            json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@x"},
                   {"op": "Replace", "path": "active", "value": "False"},
                   {"op": "replace", "value": {"name.givenName": "Kkom",
                     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}]),
            Compat::entra(),
        )
        .unwrap();
        assert_eq!(out["emails"], json!([{"type": "work", "value": "w@x"}]));
        assert_eq!(out["active"], json!(false));
        assert_eq!(out["name"]["givenName"], json!("Kkom"));
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
            json!("Aklq")
        );
        let e = run(
            &u,
            json!([{"op": "replace", "path": "active", "value": "False"}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn read_only_and_required() {
        let u = json!({"id": "1", "userName": "a"});
        let e = run(
            &u,
            json!([{"op": "replace", "path": "id", "value": "2"}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        let e = run(
            &u,
            json!([{"op": "remove", "path": "userName"}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
    }

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn manager_switch_only() -> Compat {
        Compat {
            manager_string: true,
            ..Compat::strict()
        }
    }

    #[test]
    fn entra_manager_string_is_stored_as_an_object() {
        let u = json!({"userName": "a"});
        let path = format!("{ENT}:manager");
        let want = json!({"value": "m1"});
        for ops in [
            json!([{"op": "Add", "path": path, "value": "m1"}]),
            json!([{"op": "Replace", "path": path, "value": "m1"}]),
            json!([{"op": "Replace", "path": path, "value": [{"value": "m1"}]}]),
            json!([{"op": "Replace", "value": {(path.clone()): "m1"}}]),
            json!([{"op": "Add", "value": {ENT: {"manager": "m1"}}}]),
        ] {
            let out = run(&u, ops.clone(), Compat::entra()).unwrap();
            assert_eq!(out[ENT]["manager"], want, "{ops}");
        }
        // Replacing keeps the object shape.
        let before = json!({"userName": "a", ENT: {"manager": {"value": "m0"}}});
        let out = run(
            &before,
            json!([{"op": "replace", "path": path, "value": "m1"}]),
            manager_switch_only(),
        )
        .unwrap();
        assert_eq!(out[ENT]["manager"], want);
        // Strict: a plain string is the wrong shape, and the detail says how to allow it.
        let e = run(
            &u,
            json!([{"op": "add", "path": path, "value": "m1"}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains("managerString"), "{}", e.detail);
        assert!(e.detail.contains("--compat entra"), "{}", e.detail);
    }

    #[test]
    fn entra_manager_remove_by_path_and_by_value_filter() {
        let u = json!({"userName": "a", ENT: {"manager": {"value": "m1"}, "department": "d"}});
        let plain = format!("{ENT}:manager");
        let hit = format!("{ENT}:manager[value eq \"m1\"]");
        let miss = format!("{ENT}:manager[value eq \"m2\"]");
        for c in [Compat::strict(), Compat::entra()] {
            for p in [&plain, &hit] {
                let out = run(&u, json!([{"op": "remove", "path": p}]), c).unwrap();
                assert_eq!(out[ENT], json!({"department": "d"}), "{p} {c:?}");
            }
        }
        // The extension object left empty goes too.
        let only = json!({"userName": "a", ENT: {"manager": {"value": "m1"}}});
        let out = run(
            &only,
            json!([{"op": "Remove", "path": hit}]),
            Compat::entra(),
        )
        .unwrap();
        assert_eq!(out, json!({"userName": "a"}));
        // A filter that matches nothing: noTarget strictly, nothing removed under entra.
        let e = run(
            &u,
            json!([{"op": "remove", "path": miss}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        for r in [&u, &json!({"userName": "a"})] {
            let out = run(r, json!([{"op": "Remove", "path": miss}]), Compat::entra()).unwrap();
            assert_eq!(&out, r);
        }
        // Remove with the id as value (remove-by-value) matches the stored object.
        let out = run(
            &u,
            json!([{"op": "Remove", "path": plain, "value": "m1"}]),
            Compat::entra(),
        )
        .unwrap();
        assert_eq!(out[ENT], json!({"department": "d"}));
    }

    #[test]
    fn wrong_shape_for_complex_or_multi_valued_is_invalid_value_in_every_mode() {
        let u = json!({"userName": "a", "emails": [{"value": "a@x"}]});
        let cases = [
            json!([{"op": "add", "path": "addresses", "value": 200}]),
            json!([{"op": "replace", "path": "name", "value": 5}]),
            json!([{"op": "replace", "path": "name", "value": "Ada"}]),
            json!([{"op": "replace", "path": "name", "value": [{"givenName": "A"}]}]),
            json!([{"op": "add", "path": "emails", "value": "x@y.z"}]),
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@x"}, 5]}]),
            json!([{"op": "add", "path": "emails", "value": [["b@x"]]}]),
            json!([{"op": "replace", "path": "emails[value eq \"a@x\"]", "value": "b@x"}]),
            json!([{"op": "add", "path": "userName", "value": ["b"]}]),
            json!([{"op": "add", "value": {"addresses": 200}}]),
            json!([{"op": "replace", "value": {"name": 5}}]),
            json!([{"op": "replace", "value": {"emails": ["x@y.z"]}}]),
            json!([{"op": "replace", "path": format!("{ENT}:manager"),
                    "value": [{"value": "m1"}, {"value": "m2"}]}]),
            json!([{"op": "replace", "path": format!("{ENT}:manager"), "value": 7}]),
        ];
        for c in [Compat::strict(), Compat::entra()] {
            for ops in &cases {
                let e = run(&u, ops.clone(), c).unwrap_err();
                assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{ops} {c:?}");
            }
        }
        // An object for a multi-valued attribute is one value.
        let out = run(
            &u,
            json!([{"op": "add", "path": "emails", "value": {"value": "b@x"}}]),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(out["emails"], json!([{"value": "a@x"}, {"value": "b@x"}]));
    }

    #[test]
    fn primary_true_demotes_the_others_in_every_mode() {
        let u = json!({"emails": [{"value": "a", "primary": true}, {"value": "b"}]});
        for c in [Compat::strict(), Compat::entra()] {
            let out = run(
                &u,
                json!([{"op": "add", "path": "emails", "value": [{"value": "c", "primary": true}]}]),
                c,
            )
            .unwrap();
            assert_eq!(
                out["emails"],
                json!([{"value": "a", "primary": false}, {"value": "b"}, {"value": "c", "primary": true}]),
                "{c:?}"
            );
            let out = run(
                &u,
                json!([{"op": "replace", "path": "emails[value eq \"b\"].primary", "value": true}]),
                c,
            )
            .unwrap();
            assert_eq!(
                out["emails"],
                json!([{"value": "a", "primary": false}, {"value": "b", "primary": true}]),
                "{c:?}"
            );
            // Re-adding the stored primary value changes nothing.
            let out = run(
                &u,
                json!([{"op": "add", "path": "emails", "value": [{"value": "a", "primary": true}]}]),
                c,
            )
            .unwrap();
            assert_eq!(out, u);
        }
        // `emails.primary` = true on two values writes two primaries.
        let e = run(
            &u,
            json!([{"op": "replace", "path": "emails.primary", "value": true}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        // Two primaries in one written list: invalidValue strictly, the last wins under entra.
        let two = json!([{"op": "replace", "path": "emails", "value": [
            {"value": "x", "primary": true}, {"value": "y", "primary": true}]}]);
        let e = run(&u, two.clone(), Compat::strict()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains("uniquePrimary"), "{}", e.detail);
        let out = run(&u, two, Compat::entra()).unwrap();
        assert_eq!(
            out["emails"],
            json!([{"value": "x", "primary": false}, {"value": "y", "primary": true}])
        );
    }

    #[test]
    fn entra_remove_with_an_object_value_removes_the_listed_values() {
        let g = json!({"schemas": [GROUP], "displayName": "g",
            "members": [{"value": "u1"}, {"value": "u2"}]});
        let listed = json!({"members": [{"value": "u1"}]});
        for ops in [
            json!([{"op": "Remove", "value": listed}]),
            json!([{"op": "Remove", "path": "members", "value": listed}]),
            json!([{"op": "Remove", "value": {GROUP: listed}}]),
        ] {
            let out = run(&g, ops.clone(), Compat::entra()).unwrap();
            assert_eq!(out["members"], json!([{"value": "u2"}]), "{ops}");
        }
        // `null` unassigns the attribute (RFC 7643 §2.5).
        let out = run(
            &g,
            json!([{"op": "Remove", "value": {"members": null}}]),
            Compat::entra(),
        )
        .unwrap();
        assert!(out.get("members").is_none(), "{out}");
        // Keys the attribute does not have, and wrong shapes, are refused.
        for v in [
            json!({"nope": "u1"}),
            json!({"members": [5]}),
            json!([{"value": 5}]),
        ] {
            let e = run(
                &g,
                json!([{"op": "Remove", "path": "members", "value": v}]),
                Compat::entra(),
            )
            .unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{v}");
        }
        // Strict: a path-less remove is noTarget (RFC 7644 §3.5.2.2), naming the switch.
        let e = run(
            &g,
            json!([{"op": "remove", "value": listed}]),
            Compat::strict(),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        assert!(e.detail.contains("removeByValue"), "{}", e.detail);
    }
}
