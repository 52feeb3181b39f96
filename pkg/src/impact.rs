//! `impact()`: what a mapping change would do to a population, as `scimmap impact` reports
//! it. Glue only: the comparison is `scimmap::mapping::impact`.

use crate::args::{self, Kind, Members};
use crate::{
    js_now, json_text, load, millis_to_utc, parse_now, to_js, Failed, MappingFailure, NoExtra,
};
use scimmap::mapping::impact::{self, input::Format, Impact, ImpactOptions};
use serde_json::Value as Json;
use std::io::Cursor;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const IMPACT_OPTIONS: Members = &[
    ("object", Kind::String),
    ("format", Kind::String),
    ("examples", Kind::Count),
    ("now", Kind::Now),
    ("aadOptScim062020", Kind::Boolean),
];

/// Examples kept per finding and per attribute when `options.examples` is absent (the
/// command line's default).
const DEFAULT_EXAMPLES: usize = 3;

/// Applies two versions of a mapping to a population of Entra users and reports what the
/// change would do: users whose matching value changes (created again instead of
/// updated) first, then new errors, scope changes and attribute changes.
#[wasm_bindgen(unchecked_return_type = "ImpactResult")]
pub fn impact(
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] from: JsValue,
    #[wasm_bindgen(unchecked_param_type = "MappingInput")] to: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | InputObject[]")] users: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ImpactOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    args::mapping_input(&from, "from")?;
    args::mapping_input(&to, "to")?;
    if !users.is_string() && !js_sys::Array::is_array(&users) {
        return Err(args::type_error(
            "users",
            "a string (JSON, JSON Lines, a Graph /users page or the portal's CSV) or an array of user objects",
            &users,
        ));
    }
    args::options(&options, IMPACT_OPTIONS)?;
    let opts = impact_options(&from, &to, &options)?;
    let format = format_option(&options)?;
    let (old, new) = match (load(&from)?, load(&to)?) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(f), _) => return to_js(&named("from", f)),
        (_, Err(f)) => return to_js(&named("to", f)),
    };
    let mut run = match Impact::new(&old.mapping, &new.mapping, &opts) {
        Ok(run) => run,
        Err(message) => return to_js(&Failed::unlocated("invalid-mapping", message, NoExtra {})),
    };
    if let Some(text) = users.as_string() {
        if let Err(e) = impact::run_reader(&mut run, Cursor::new(text), format, None) {
            return to_js(&Failed::unlocated(
                "invalid-users",
                e.to_string(),
                NoExtra {},
            ));
        }
    } else {
        let list: Vec<Json> = serde_json::from_str(&json_text(&users, "users")?)
            .map_err(|e| JsError::new(&format!("users: {e}")))?;
        for (i, user) in list.iter().enumerate() {
            if !user.is_object() {
                let message = format!("record {}: a user is a JSON object", i + 1);
                return to_js(&Failed::unlocated("invalid-users", message, NoExtra {}));
            }
            run.add(user);
        }
    }
    to_js(&serde_json::json!({ "ok": true, "report": run.finish() }))
}

/// A mapping load failure, its message naming which of the two mappings it is.
fn named(which: &str, mut f: MappingFailure) -> MappingFailure {
    f.message = format!("{which}: {}", f.message);
    f
}

fn impact_options(
    from: &JsValue,
    to: &JsValue,
    options: &JsValue,
) -> Result<ImpactOptions, JsValue> {
    let now = match args::member_of(options, "now")? {
        v if v.is_undefined() || v.is_null() => js_now(),
        // A Date was checked to be valid by `args::options`.
        v => match v.as_string() {
            Some(text) => parse_now(&text)?,
            None => v
                .dyn_ref::<js_sys::Date>()
                .map_or_else(js_now, |d| millis_to_utc(d.get_time())),
        },
    };
    let examples = args::member_of(options, "examples")?
        .as_f64()
        .map_or(DEFAULT_EXAMPLES, |n| n.min(1000.0) as usize);
    Ok(ImpactOptions {
        object: args::member_of(options, "object")?.as_string(),
        from_name: mapping_name(from, "old"),
        to_name: mapping_name(to, "new"),
        examples,
        aad_opt_scim062020: args::member_of(options, "aadOptScim062020")?
            .as_bool()
            .unwrap_or(false),
        now: Some(now),
    })
}

/// `preset:NAME` for a preset, as on the command line; otherwise `the old mapping` or `the
/// new mapping` (the report's notes use the names in sentences).
fn mapping_name(input: &JsValue, which: &str) -> String {
    match input.as_string() {
        Some(s) if !s.trim_start().starts_with('{') => format!("preset:{}", s.trim()),
        _ => format!("the {which} mapping"),
    }
}

fn format_option(options: &JsValue) -> Result<Option<Format>, JsValue> {
    match args::member_of(options, "format")?.as_string() {
        None => Ok(None),
        Some(name) => name
            .parse()
            .map(Some)
            .map_err(|e: String| args::range_error(&format!("options.format: {e}"))),
    }
}
