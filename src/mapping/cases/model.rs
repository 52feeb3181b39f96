//! The cases file: its members (the JSON Schema in `schemas/cases.schema.json` is generated
//! from [`json_schema`]), how it is parsed from JSON or TOML, and how a case's defaults
//! are filled in from the file's top level.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};

/// Most cases one file may hold.
pub const MAX_CASES: usize = 10_000;
/// Largest cases file read, in bytes.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The syntax of a cases file, from its extension (`.toml`, anything else is JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

impl Format {
    /// The format of the file named `path`.
    pub fn of(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".toml") {
            Format::Toml
        } else {
            Format::Json
        }
    }
}

/// The simulate flags, as `map --simulate` takes them, plus the clock and seed of the
/// expressions so that `Now()`, `Guid()` and `RandomString()` give the same result on
/// every run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulate {
    /// The tenant URL carries `aadOptscim062020`.
    #[serde(rename = "aadOptscim062020")]
    pub aad_opt_scim062020: Option<bool>,
    /// The source object was hard-deleted in Entra.
    pub deleted: Option<bool>,
    /// RFC 3339 date-time for `Now()`.
    pub now: Option<String>,
    /// Seed of `Guid()` and `RandomString()`.
    pub seed: Option<u64>,
}

impl Simulate {
    /// These flags, with `defaults` where they give none.
    pub fn or(&self, defaults: &Simulate) -> Simulate {
        Simulate {
            aad_opt_scim062020: self.aad_opt_scim062020.or(defaults.aad_opt_scim062020),
            deleted: self.deleted.or(defaults.deleted),
            now: self.now.clone().or_else(|| defaults.now.clone()),
            seed: self.seed.or(defaults.seed),
        }
    }
}

/// What the case expects Entra to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// POST a new resource.
    Create,
    /// PATCH the matched resource.
    Update,
    /// PATCH `active` to false.
    Disable,
    /// DELETE the matched resource.
    Delete,
    /// Nothing is sent.
    Skip,
    /// The mapping fails on this object (an expression error).
    Error,
}

impl Action {
    /// The name used in cases files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Disable => "disable",
            Action::Delete => "delete",
            Action::Skip => "skip",
            Action::Error => "error",
        }
    }
}

/// One request Entra sends to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `POST`, `PATCH` or `DELETE`.
    pub method: String,
    /// Path and query relative to the tenant URL; `{id}` stands for an id the app assigns.
    pub path: String,
    /// The JSON body (a POST's resource, or a whole PatchOp message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Json>,
    /// A PATCH's `Operations` (the PatchOp `schemas` member is implied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<Json>>,
}

/// The expected outcome of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// What Entra does.
    pub action: Action,
    /// Words the reason must contain (compared when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The matching filters Entra queries with, in priority order (compared when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching: Option<Vec<String>>,
    /// The requests that change the app, in order (none when absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<Request>,
}

/// The members a case and the file's top level share: the mapping and the object type.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A built-in preset.
    pub preset: Option<String>,
    /// A Graph synchronizationSchema (or preset or compact mapping) file, relative to the
    /// cases file.
    pub schema: Option<String>,
    /// The object type (`User`, `Group`); the first object mapping when absent.
    pub object: Option<String>,
}

/// One case as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Shown in reports.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// A built-in preset (overrides the file's).
    pub preset: Option<String>,
    /// A mapping file, relative to the cases file (overrides the file's).
    pub schema: Option<String>,
    /// The object type (overrides the file's).
    pub object: Option<String>,
    /// The Entra object.
    pub source: Map<String, Json>,
    /// The app's current resource; absent = no match in the app.
    pub current: Option<Map<String, Json>>,
    /// Simulation flags (override the file's, member by member).
    #[serde(default)]
    pub simulate: Simulate,
    /// The expected outcome; absent until `--update` records one.
    pub expect: Option<Expectation>,
}

/// The file's top level, without its cases.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[serde(rename = "$schema")]
    _schema_url: Option<String>,
    #[serde(rename = "description")]
    _description: Option<String>,
    preset: Option<String>,
    schema: Option<String>,
    object: Option<String>,
    #[serde(default)]
    simulate: Simulate,
    #[serde(rename = "cases")]
    _cases: Json,
}

/// A parsed cases file.
#[derive(Debug, Clone, PartialEq)]
pub struct CasesFile {
    /// The syntax it was written in.
    pub format: Format,
    /// The defaults for every case.
    pub defaults: Target,
    /// The default simulation flags.
    pub simulate: Simulate,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

/// Parses the text of a cases file.
///
/// # Errors
/// Invalid syntax, an unknown member, a missing `name`/`source`, no cases, or too many.
pub fn parse(text: &str, format: Format) -> Result<CasesFile, String> {
    if text.len() > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    let json = to_json(text, format)?;
    let header: Header = serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
    let items = json
        .get("cases")
        .and_then(Json::as_array)
        .ok_or("`cases` must be an array of cases")?;
    if items.is_empty() {
        return Err("`cases` is empty: a cases file that tests nothing is a mistake".into());
    }
    if items.len() > MAX_CASES {
        return Err(format!("more than {MAX_CASES} cases"));
    }
    let cases = items
        .iter()
        .enumerate()
        .map(|(i, c)| parse_case(i, c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CasesFile {
        format,
        defaults: Target {
            preset: header.preset,
            schema: header.schema,
            object: header.object,
        },
        simulate: header.simulate,
        cases,
    })
}

/// The file as JSON (TOML tables keep their key order).
///
/// # Errors
/// Invalid JSON or TOML, or not an object.
pub fn to_json(text: &str, format: Format) -> Result<Json, String> {
    let json: Json = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?,
        Format::Toml => toml::from_str(text).map_err(|e| format!("invalid TOML: {e}"))?,
    };
    if json.is_object() {
        Ok(json)
    } else {
        Err("expected an object with a `cases` array".into())
    }
}

fn parse_case(i: usize, c: &Json) -> Result<Case, String> {
    let case: Case = serde_json::from_value(c.clone()).map_err(|e| format!("cases[{i}]: {e}"))?;
    if case.preset.is_some() && case.schema.is_some() {
        return Err(format!(
            "cases[{i}]: give either `preset` or `schema`, not both"
        ));
    }
    if let Some(e) = &case.expect {
        check_requests(&e.requests).map_err(|m| format!("cases[{i}].expect.{m}"))?;
    }
    Ok(case)
}

fn check_requests(requests: &[Request]) -> Result<(), String> {
    for (j, r) in requests.iter().enumerate() {
        if !matches!(r.method.as_str(), "POST" | "PATCH" | "DELETE") {
            return Err(format!(
                "requests[{j}].method: `{}` is not POST, PATCH or DELETE",
                r.method
            ));
        }
        if r.body.is_some() && r.operations.is_some() {
            return Err(format!(
                "requests[{j}]: give either `body` or `operations`, not both"
            ));
        }
    }
    Ok(())
}

/// The JSON Schema (draft 2020-12) of a cases file, as shipped in
/// `schemas/cases.schema.json` (`scimmap test --print-schema`).
pub fn json_schema() -> Json {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "scimmap test cases",
        "description": "Cases for `scimmap test`: each names a mapping, an Entra object and, optionally, the app's current resource, and the requests Entra is expected to send (or the skip and its reason). Generated by `scimmap test --print-schema`.",
        "type": "object",
        "properties": {
            "$schema": {"type": "string", "description": "The URL or path of this schema (ignored)."},
            "description": {"type": "string", "description": "Free text (ignored)."},
            "preset": preset_schema("The built-in preset every case uses unless it names its own."),
            "schema": schema_file_schema("The mapping file every case uses unless it names its own, relative to this file."),
            "object": object_schema("The object type every case uses unless it names its own."),
            "simulate": simulate_schema(),
            "cases": {"type": "array", "minItems": 1, "maxItems": MAX_CASES, "items": {"$ref": "#/$defs/case"}}
        },
        "required": ["cases"],
        "not": {"required": ["preset", "schema"]},
        "additionalProperties": false,
        "$defs": {"case": case_schema(), "expectation": expectation_schema(), "request": request_schema()}
    })
}

fn preset_schema(description: &str) -> Json {
    json!({"type": "string", "description": description,
        "examples": ["generic", "webex", "genesys", "chatwork", "timeclock365"]})
}

fn schema_file_schema(description: &str) -> Json {
    json!({"type": "string", "description": description})
}

fn object_schema(description: &str) -> Json {
    json!({"type": "string", "description": description, "examples": ["User", "Group"]})
}

fn simulate_schema() -> Json {
    json!({
        "type": "object",
        "description": "Simulation flags, as `scimmap map --simulate` takes them; a case's flags override the file's, member by member.",
        "properties": {
            "aadOptscim062020": {"type": "boolean", "description": "The tenant URL carries the aadOptscim062020 flag (Entra's fixed PATCH dialect)."},
            "deleted": {"type": "boolean", "description": "The object was hard-deleted in Entra."},
            "now": {"type": "string", "format": "date-time", "description": "The clock of Now() (RFC 3339)."},
            "seed": {"type": "integer", "minimum": 0, "description": "The seed of Guid() and RandomString()."}
        },
        "additionalProperties": false
    })
}

fn case_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "Shown in reports and JUnit."},
            "description": {"type": "string", "description": "Free text."},
            "preset": preset_schema("A built-in preset."),
            "schema": schema_file_schema("A Graph synchronizationSchema file (or a preset or compact mapping file), relative to this file."),
            "object": object_schema("The object type (`map --object`); the first object mapping when absent."),
            "source": {"type": "object", "description": "The Entra user or group."},
            "current": {"type": "object", "description": "The app's current resource; absent means no match in the app."},
            "simulate": simulate_schema(),
            "expect": {"$ref": "#/$defs/expectation"}
        },
        "required": ["name", "source"],
        "not": {"required": ["preset", "schema"]},
        "additionalProperties": false
    })
}

fn expectation_schema() -> Json {
    json!({
        "type": "object",
        "description": "The expected outcome; `scimmap test --update` records it from the current results.",
        "properties": {
            "action": {"enum": ["create", "update", "disable", "delete", "skip", "error"]},
            "reason": {"type": "string", "description": "Words the reason (of a skip, or the error's message) must contain."},
            "matching": {"type": "array", "items": {"type": "string"}, "description": "The matching filters Entra queries with, in priority order."},
            "requests": {"type": "array", "items": {"$ref": "#/$defs/request"}, "description": "The requests that change the app, in order; none when absent."}
        },
        "required": ["action"],
        "additionalProperties": false
    })
}

fn request_schema() -> Json {
    json!({
        "type": "object",
        "properties": {
            "method": {"enum": ["POST", "PATCH", "DELETE"]},
            "path": {"type": "string", "description": "Relative to the tenant URL; `{id}` stands for the id the app assigns."},
            "body": {"type": "object", "description": "The JSON body: a POST's resource, or a whole PatchOp message."},
            "operations": {"type": "array", "items": {"type": "object"}, "description": "A PATCH's Operations, compared as a set."}
        },
        "required": ["method", "path"],
        "not": {"required": ["body", "operations"]},
        "additionalProperties": false
    })
}
