//! The compact, hand-written mapping form (for the proxy's config), compiled to the same
//! Graph model:
//!
//! ```json
//! { "object": "User", "target": "User",
//!   "mappings": {
//!     "userName": {"expr": "[userPrincipalName]", "matching": 1},
//!     "active": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
//!     "title": {"expr": "[jobTitle]", "default": "Staff", "flow": "create"} },
//!   "scope": [["department EQUALS Sales", "accountEnabled IS TRUE"]] }
//! ```
//!
//! `scope` is a list of groups (OR) of clauses (AND), each clause written
//! `attribute OPERATOR [value]`, or a Graph `filter` object. Several objects go in
//! `{"objects": [...]}`.

use crate::entra::Expression;
use crate::mapping::model::{
    AttributeMapping, Filter, FilterClause, FilterGroup, FilterOperand, ObjectMapping,
    SynchronizationRule, SynchronizationSchema,
};
use crate::mapping::scope::OPERATORS;
use serde_json::Value as Json;

/// Whether JSON looks like the compact form rather than a Graph schema.
pub fn is_compact(json: &Json) -> bool {
    json.get("mappings").is_some() || json.get("objects").is_some_and(Json::is_array)
}

/// Compiles the compact form into a schema with one rule.
///
/// # Errors
/// A message naming the first malformed part.
pub fn to_schema(json: &Json) -> Result<SynchronizationSchema, String> {
    let objects: Vec<&Json> = match json.get("objects") {
        Some(Json::Array(a)) => a.iter().collect(),
        _ => vec![json],
    };
    let object_mappings = objects
        .into_iter()
        .map(object)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SynchronizationSchema {
        synchronization_rules: vec![SynchronizationRule {
            name: Some("scimmap".into()),
            source_directory_name: Some("Azure Active Directory".into()),
            target_directory_name: Some("customappsso".into()),
            object_mappings,
            extra: Default::default(),
        }],
        ..Default::default()
    })
}

fn object(json: &Json) -> Result<ObjectMapping, String> {
    let source = json.get("object").and_then(Json::as_str).unwrap_or("User");
    let target = json.get("target").and_then(Json::as_str).unwrap_or(source);
    let Some(Json::Object(maps)) = json.get("mappings") else {
        return Err("`mappings` must be an object of target path → expression".into());
    };
    let mut attribute_mappings = Vec::new();
    for (target_path, spec) in maps {
        attribute_mappings.push(attribute(target_path, spec)?);
    }
    let scope = match json.get("scope") {
        None | Some(Json::Null) => None,
        Some(s) => Some(Some(scope(s)?)),
    };
    Ok(ObjectMapping {
        attribute_mappings,
        enabled: Some(true),
        flow_types: Some("Add, Update, Delete".into()),
        name: Some(format!("Synchronize {source} to {target}")),
        scope,
        source_object_name: source.into(),
        target_object_name: target.into(),
        ..Default::default()
    })
}

fn attribute(target: &str, spec: &Json) -> Result<AttributeMapping, String> {
    let (expr, default, flow, matching) = match spec {
        Json::String(e) => (Some(e.as_str()), None, None, None),
        Json::Null => (None, None, None, None),
        Json::Object(o) => {
            let flow = match o.get("flow").and_then(Json::as_str) {
                None => None,
                Some(f) if f.eq_ignore_ascii_case("always") => Some("Always"),
                Some(f) if f.eq_ignore_ascii_case("create") => Some("ObjectAddOnly"),
                Some(f) => {
                    return Err(format!(
                        "`{target}`: flow must be \"always\" or \"create\", not \"{f}\""
                    ))
                }
            };
            (
                o.get("expr").and_then(Json::as_str),
                o.get("default").and_then(Json::as_str),
                flow,
                o.get("matching").and_then(Json::as_i64),
            )
        }
        _ => {
            return Err(format!(
                "`{target}`: expected an expression string or an object"
            ))
        }
    };
    // An expression that does not parse is kept as text so `check` can report it.
    let source = expr.map(|e| match Expression::parse(e) {
        Ok(x) => serde_json::from_value(crate::entra::graph::to_graph(x.ast())).unwrap_or_default(),
        Err(_) => crate::mapping::model::AttributeMappingSource {
            expression: Some(Some(e.to_string())),
            kind: Some("Function".into()),
            ..Default::default()
        },
    });
    Ok(AttributeMapping {
        default_value: Some(default.map(str::to_string)),
        export_missing_references: Some(false),
        flow_behavior: Some("FlowWhenChanged".into()),
        flow_type: Some(flow.unwrap_or("Always").into()),
        matching_priority: Some(matching.unwrap_or(0)),
        source: Some(source),
        target_attribute_name: target.into(),
        extra: Default::default(),
    })
}

fn scope(json: &Json) -> Result<Filter, String> {
    if json.is_object() {
        return serde_json::from_value(json.clone()).map_err(|e| format!("scope: {e}"));
    }
    let Json::Array(groups) = json else {
        return Err("scope: expected a list of groups of clauses".into());
    };
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let clauses: Vec<&Json> = match g {
            Json::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let clauses = clauses
            .into_iter()
            .map(|c| {
                c.as_str()
                    .ok_or_else(|| "scope: clauses are strings".to_string())
                    .and_then(parse_clause)
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(FilterGroup {
            name: Some(format!("scope {}", i + 1)),
            clauses,
            extra: Default::default(),
        });
    }
    Ok(Filter {
        groups: Some(out),
        input_filter_groups: Some(Vec::new()),
        category_filter_groups: Some(Vec::new()),
        extra: Default::default(),
    })
}

/// Parses `attribute OPERATOR [value]` (value optionally double-quoted).
///
/// # Errors
/// No known operator follows the attribute name.
pub fn parse_clause(text: &str) -> Result<FilterClause, String> {
    let t = text.trim();
    let (attr, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let rest = rest.trim_start();
    for (name, op) in OPERATORS {
        let Some(head) = rest.get(..name.len()) else {
            continue;
        };
        let tail = rest.get(name.len()..).unwrap_or_default();
        if head.eq_ignore_ascii_case(name)
            && (tail.is_empty() || tail.starts_with(char::is_whitespace))
        {
            let value = tail.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            return Ok(FilterClause {
                operator_name: name.to_string(),
                source_operand_name: attr.to_string(),
                target_operand: Some(Some(FilterOperand {
                    values: if op.is_unary() || value.is_empty() {
                        Vec::new()
                    } else {
                        vec![value.to_string()]
                    },
                    extra: Default::default(),
                })),
                extra: Default::default(),
            });
        }
    }
    Err(format!("scope: no known operator in `{text}`"))
}
