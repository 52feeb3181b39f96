//! Attribute mappings: the Microsoft Graph `synchronizationSchema` model (import/export),
//! a compact hand-written form, applying a mapping to a source object, scoping filters,
//! matching, an offline "Provision on demand" simulation, a lint, and app presets.
//!
//! ```
//! use scimmap::mapping::{Mapping, Mode};
//! let m = Mapping::from_json(&serde_json::json!({
//!     "object": "User",
//!     "mappings": {
//!         "userName": {"expr": "[userPrincipalName]", "matching": 1},
//!         "addresses[type eq \"work\"].locality": "[city]"
//!     }
//! })).unwrap();
//! let user = serde_json::json!({"userPrincipalName": "ada@contoso.com", "city": "London"});
//! let out = m.apply(&user, None, Mode::Create).unwrap();
//! assert_eq!(out["addresses"][0]["locality"], "London");
//! ```

pub mod apply;
mod build;
pub mod cases;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compact;
pub mod impact;
pub mod lint;
pub mod model;
pub mod presets;
pub mod scope;
pub mod simulate;
pub mod source;
pub mod sources;
pub mod target;

pub use apply::{Applied, CompiledMapping, MappingError, Mode, Step};
pub use model::SynchronizationSchema;
pub use target::Kind;

pub use simulate::{Action, Options as SimulateOptions, Report, Request};

use crate::entra::EvalOptions;
use serde_json::Value as Json;

/// Reads a file by name (`-` = stdin), the error naming the file. The library does no
/// I/O of its own: the command line passes one that reads the file system, the npm
/// package one that reads what the caller handed over.
pub type Reader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// A loaded mapping: the Graph schema plus the preset metadata it came with, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The schema.
    pub schema: SynchronizationSchema,
    /// Preset metadata (`{"preset": {...}, "schema": {...}}` files).
    pub preset: Option<Json>,
}

impl Mapping {
    /// Reads a Graph schema, a preset file (`{"preset", "schema"}`) or the compact form.
    ///
    /// # Errors
    /// A message describing what does not have the expected shape.
    pub fn from_json(json: &Json) -> Result<Mapping, String> {
        if let (Some(meta), Some(schema)) = (json.get("preset"), json.get("schema")) {
            let mut m = Mapping::from_json(schema)?;
            m.preset = Some(meta.clone());
            return Ok(m);
        }
        let schema = if compact::is_compact(json) {
            compact::to_schema(json)?
        } else if json.get("synchronizationRules").is_some() {
            SynchronizationSchema::from_json(json).map_err(|e| e.to_string())?
        } else {
            return Err(
                "expected a Graph synchronizationSchema (`synchronizationRules`), a preset or the compact form (`mappings`)"
                    .into(),
            );
        };
        Ok(Mapping {
            schema,
            preset: None,
        })
    }

    /// Parses JSON text; see [`Mapping::from_json`].
    ///
    /// # Errors
    /// Invalid JSON or shape.
    pub fn from_str_json(text: &str) -> Result<Mapping, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        Mapping::from_json(&json)
    }

    /// Compiles the object mapping for `object` (`User`, `Group`; `None` = the first).
    ///
    /// # Errors
    /// No such object mapping, or it does not compile.
    pub fn compile(&self, object: Option<&str>) -> Result<CompiledMapping, MappingError> {
        let (rule, om) = self
            .schema
            .object_mapping_with_rule(object)
            .ok_or_else(|| MappingError::NoObjectMapping(object.unwrap_or("any").into()))?;
        CompiledMapping::compile_for(om, rule.is_scim_target())
    }

    /// Applies the object mapping for `object` and returns the SCIM resource.
    ///
    /// # Errors
    /// See [`Mapping::compile`] and [`CompiledMapping::apply`].
    pub fn apply(
        &self,
        source: &Json,
        object: Option<&str>,
        mode: Mode,
    ) -> Result<Json, MappingError> {
        let c = self.compile(object)?;
        Ok(c.apply(source, mode, &EvalOptions::default())?.resource)
    }

    /// Whether the preset says the app cannot create / delete objects of this type
    /// (`capabilities.<Type>.create|delete: false`).
    pub fn capability(&self, object: &str, what: &str) -> bool {
        self.preset
            .as_ref()
            .and_then(|p| p.get("capabilities"))
            .and_then(|c| {
                c.as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(object))
                    .map(|(_, v)| v)
            })
            .and_then(|c| c.get(what))
            .and_then(Json::as_bool)
            .unwrap_or(true)
    }
}
