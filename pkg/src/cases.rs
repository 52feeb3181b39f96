//! `test()`: the mapping test cases of `scimmap test` (the cases file format of
//! schemas/cases.schema.json), run in JS. Glue only: the run is `scimmap::mapping::cases`.

use crate::args::{self, Kind, Members};
use crate::{json_text, to_js, Failed, NoExtra};
use scimmap::mapping::cases::{self, Format};
use serde_json::{json, Map, Value as Json};
use wasm_bindgen::prelude::*;

const TEST_OPTIONS: Members = &[("files", Kind::Object), ("format", Kind::String)];

/// Runs mapping test cases: a cases file as JSON or TOML text, or as an object. Schema
/// files the cases name come from `options.files` (name → JSON text or object).
#[wasm_bindgen(unchecked_return_type = "TestResult")]
pub fn test(
    #[wasm_bindgen(unchecked_param_type = "string | CasesFile")] cases: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TestOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    args::options(&options, TEST_OPTIONS)?;
    let (text, path) = cases_text(&cases, &options)?;
    let files = named_files(&options)?;
    let read = |name: &str| -> Result<String, String> {
        match files.get(name) {
            Some(Json::String(text)) => Ok(text.clone()),
            Some(other) => Ok(other.to_string()),
            None => Err(format!(
                "`{name}` is not among options.files (give its text or object there)"
            )),
        }
    };
    match cases::run_file_at(path, &text, &read, Some(crate::js_now())) {
        Ok(result) => {
            let passed = result.cases.iter().filter(|c| c.passed()).count();
            to_js(&json!({
                "ok": true,
                "passed": passed,
                "failed": result.cases.len() - passed,
                "cases": result.cases.iter().map(cases::case_json).collect::<Vec<_>>(),
            }))
        }
        Err(message) => to_js(&Failed::unlocated("invalid-cases", message, NoExtra {})),
    }
}

/// The cases file's text and a file name whose extension gives its syntax.
fn cases_text(cases: &JsValue, options: &JsValue) -> Result<(String, &'static str), JsValue> {
    let format = format_option(options)?;
    if let Some(text) = cases.as_string() {
        let toml = match format {
            Some(f) => f == Format::Toml,
            None => !text.trim_start().starts_with('{'),
        };
        return Ok((text, if toml { "cases.toml" } else { "cases.json" }));
    }
    args::object(cases, "cases")
        .map_err(|_| args::type_error("cases", "a string or an object", cases))?;
    Ok((json_text(cases, "cases")?, "cases.json"))
}

fn format_option(options: &JsValue) -> Result<Option<Format>, JsValue> {
    let v = args::member_of(options, "format")?;
    match v.as_string().as_deref() {
        None => Ok(None),
        Some("json") => Ok(Some(Format::Json)),
        Some("toml") => Ok(Some(Format::Toml)),
        Some(other) => Err(args::range_error(&format!(
            "options.format: expected \"json\" or \"toml\", got \"{other}\""
        ))),
    }
}

/// `options.files` as name → JSON value (a string holds the file's text).
fn named_files(options: &JsValue) -> Result<Map<String, Json>, JsValue> {
    let v = args::member_of(options, "files")?;
    if v.is_undefined() || v.is_null() {
        return Ok(Map::new());
    }
    let text = json_text(&v, "options.files")?;
    serde_json::from_str(&text).map_err(|e| JsError::new(&format!("options.files: {e}")).into())
}
