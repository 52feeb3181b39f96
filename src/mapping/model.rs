//! The Microsoft Graph `synchronizationSchema` model (spec §3.1, §3.3; Graph resources
//! `synchronizationSchema`, `synchronizationRule`, `objectMapping`, `attributeMapping`,
//! `attributeMappingSource`, `filter`, `filterGroup`, `filterClause`, `filterOperand`).
//!
//! Import and export are lossless: every type keeps the members it does not know in
//! `extra`, and a member that is present but `null` (`"defaultValue": null`, `"source": null`)
//! stays distinct from an absent one, so `export(import(json)) == json` up to key order.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value as Json};

/// Members a type does not model, kept verbatim.
pub type Extra = Map<String, Json>;

/// `None` = absent, `Some(None)` = present and `null`, `Some(Some(v))` = present.
pub type Nullable<T> = Option<Option<T>>;

fn nullable<'de, D, T>(d: D) -> Result<Nullable<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A whole synchronization schema (`GET …/jobs/{id}/schema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationSchema {
    /// Directory definitions (source and target attribute lists), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directories: Option<Vec<Json>>,
    /// The rules; the object mappings live inside them.
    #[serde(default)]
    pub synchronization_rules: Vec<SynchronizationRule>,
    /// Schema version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Everything else (`id`, `metadata`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One synchronization rule (e.g. `USER_TO_USER`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationRule {
    /// Rule name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Source directory, e.g. `Azure Active Directory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_directory_name: Option<String>,
    /// Target directory, e.g. `customappsso`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_directory_name: Option<String>,
    /// Object mappings (users, groups).
    #[serde(default)]
    pub object_mappings: Vec<ObjectMapping>,
    /// Everything else (`id`, `editable`, `metadata`, `priority`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// How one kind of source object maps onto one kind of target object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMapping {
    /// The attribute mappings, in the order Entra shows (and we write) them.
    #[serde(default)]
    pub attribute_mappings: Vec<AttributeMapping>,
    /// Whether the mapping is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `"Add, Update, Delete"` by default (G-OBJMAP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_types: Option<String>,
    /// Key/value metadata, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<Json>>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Scoping filter.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub scope: Nullable<Filter>,
    /// Source object type (`User`, `Group`).
    #[serde(default)]
    pub source_object_name: String,
    /// Target object type (`User`, `Group`).
    #[serde(default)]
    pub target_object_name: String,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One target attribute and what feeds it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeMapping {
    /// Value used when the source evaluates to null; only on create (CUSTOMIZE).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_value: Nullable<String>,
    /// "For internal use only" (G-ATTRMAP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_missing_references: Option<bool>,
    /// `FlowWhenChanged` (default) or `FlowAlways`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_behavior: Option<String>,
    /// `Always`, `ObjectAddOnly`, `MultiValueAddOnly`, `ValueAddOnly`, `AttributeAddOnly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<String>,
    /// `> 0` marks a matching attribute; lower values are tried first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_priority: Option<i64>,
    /// What feeds the target; `null` is the portal's mapping type "None".
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Nullable<AttributeMappingSource>,
    /// Target attribute: a SCIM path for SCIM apps.
    #[serde(default)]
    pub target_attribute_name: String,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Graph's tree form of an expression (G-SOURCE).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeMappingSource {
    /// The expression text; authoritative for positional order (spec §3.3 notes).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub expression: Nullable<String>,
    /// Attribute name, constant value or function name.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Nullable<String>,
    /// Function arguments keyed by parameter name; omitted arguments are absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<SourceParameter>>,
    /// `Attribute`, `Constant` or `Function`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One `{key, value}` parameter of a function source.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceParameter {
    /// The function's parameter name as Graph spells it.
    #[serde(default)]
    pub key: String,
    /// The argument.
    #[serde(default)]
    pub value: AttributeMappingSource,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A scoping filter: groups OR-ed, clauses inside a group AND-ed (spec §3.2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Normal scope: objects falling out are deprovisioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<FilterGroup>>,
    /// Experimental; falling out does not deprovision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_filter_groups: Option<Vec<FilterGroup>>,
    /// Experimental.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_filter_groups: Option<Vec<FilterGroup>>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Clauses that must all hold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterGroup {
    /// Group name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The clauses.
    #[serde(default)]
    pub clauses: Vec<FilterClause>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `sourceOperandName operatorName targetOperand`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterClause {
    /// Operator, e.g. `EQUALS`, `REGEX MATCH`, `IS TRUE`.
    #[serde(default)]
    pub operator_name: String,
    /// Source attribute name.
    #[serde(default)]
    pub source_operand_name: String,
    /// Comparison values (absent for unary operators).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_operand: Nullable<FilterOperand>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The right-hand side of a clause.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilterOperand {
    /// The values.
    #[serde(default)]
    pub values: Vec<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `flowType` (G-ATTRMAP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowType {
    /// Create and update (the default).
    Always,
    /// Only when the object is created ("Apply this mapping: Only during creation").
    ObjectAddOnly,
    /// Only adds values to a multi-valued attribute.
    MultiValueAddOnly,
    /// "If there is a current value, only flows Add operations".
    ValueAddOnly,
    /// "Only propagates changes if no current value exists at all".
    AttributeAddOnly,
}

impl FlowType {
    /// Reads Graph's spelling (case-insensitive; unknown or absent = `Always`).
    pub fn parse(s: Option<&str>) -> FlowType {
        match s.map(str::to_ascii_lowercase).as_deref() {
            Some("objectaddonly") => FlowType::ObjectAddOnly,
            Some("multivalueaddonly") => FlowType::MultiValueAddOnly,
            Some("valueaddonly") => FlowType::ValueAddOnly,
            Some("attributeaddonly") => FlowType::AttributeAddOnly,
            _ => FlowType::Always,
        }
    }
}

impl AttributeMapping {
    /// The flow type.
    pub fn flow(&self) -> FlowType {
        FlowType::parse(self.flow_type.as_deref())
    }

    /// The default value when set and not null.
    pub fn default(&self) -> Option<&str> {
        self.default_value.as_ref().and_then(|d| d.as_deref())
    }

    /// The source when set and not null.
    pub fn source(&self) -> Option<&AttributeMappingSource> {
        self.source.as_ref().and_then(Option::as_ref)
    }

    /// The matching priority when this is a matching attribute (`> 0`).
    pub fn matching(&self) -> Option<i64> {
        self.matching_priority.filter(|p| *p > 0)
    }
}

impl FilterClause {
    /// The comparison values (none when the operand is absent or null).
    pub fn values(&self) -> &[String] {
        self.target_operand
            .as_ref()
            .and_then(Option::as_ref)
            .map_or(&[], |o| o.values.as_slice())
    }
}

impl ObjectMapping {
    /// The scoping filter when set and not null.
    pub fn scope(&self) -> Option<&Filter> {
        self.scope.as_ref().and_then(Option::as_ref)
    }
}

impl SynchronizationRule {
    /// Whether the target directory speaks SCIM: Entra's SCIM connector is named
    /// `customappsso`; a rule without a target directory name is assumed to be SCIM.
    pub fn is_scim_target(&self) -> bool {
        self.target_directory_name.as_deref().map_or(true, |n| {
            n.eq_ignore_ascii_case("customappsso") || n.to_ascii_lowercase().contains("scim")
        })
    }
}

impl SynchronizationSchema {
    /// Parses Graph JSON.
    ///
    /// # Errors
    /// The JSON does not have the schema's shape.
    pub fn from_json(json: &Json) -> Result<Self, serde_json::Error> {
        Self::deserialize(json)
    }

    /// Serialises back to Graph JSON.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }

    /// Every object mapping of every rule, in order.
    pub fn object_mappings(&self) -> impl Iterator<Item = &ObjectMapping> {
        self.synchronization_rules
            .iter()
            .flat_map(|r| r.object_mappings.iter())
    }

    /// The first enabled object mapping whose source (or else target) object name is
    /// `object` (case-insensitive); with `None`, the first enabled one.
    pub fn object_mapping(&self, object: Option<&str>) -> Option<&ObjectMapping> {
        self.object_mapping_with_rule(object).map(|(_, m)| m)
    }

    /// Like [`SynchronizationSchema::object_mapping`], with the rule it belongs to.
    pub fn object_mapping_with_rule(
        &self,
        object: Option<&str>,
    ) -> Option<(&SynchronizationRule, &ObjectMapping)> {
        let all = || {
            self.synchronization_rules.iter().flat_map(|r| {
                r.object_mappings
                    .iter()
                    .filter(|m| m.enabled != Some(false))
                    .map(move |m| (r, m))
            })
        };
        let mut it = all();
        match object {
            None => it.next(),
            Some(o) => it
                .find(|(_, m)| m.source_object_name.eq_ignore_ascii_case(o))
                .or_else(|| all().find(|(_, m)| m.target_object_name.eq_ignore_ascii_case(o))),
        }
    }
}
