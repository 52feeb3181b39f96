//! `scimmap filter` and `scimmap patch` (DESIGN.md, "The CLI contract"), as functions of
//! their arguments and stdin so the binary only dispatches and tests need no process.
//!
//! Exit codes: 0 success; 1 the input was read but matching or patching failed (RFC 7644
//! §3.12 body on stderr); 2 usage error or a parse error in the filter, path or ops.

use crate::scim::error::ScimError;
use crate::scim::patch::{Compat, PatchOp};
use crate::scim::schema::Schemas;
use crate::scim::Filter;
use serde_json::Value;

/// What a subcommand printed and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Process exit code.
    pub code: i32,
}

impl Output {
    fn ok(stdout: String) -> Self {
        Output {
            stdout: stdout + "\n",
            stderr: String::new(),
            code: 0,
        }
    }
    fn fail(code: i32, stderr: String) -> Self {
        Output {
            stdout: String::new(),
            stderr: stderr + "\n",
            code,
        }
    }
    /// `(stdout, stderr, code)`.
    pub fn into_parts(self) -> (String, String, i32) {
        (self.stdout, self.stderr, self.code)
    }
}

fn usage(msg: &str, usage: &str) -> Output {
    Output::fail(2, format!("error: {msg}\nusage: {usage}"))
}

fn scim_failure(code: i32, e: &ScimError, json: bool) -> Output {
    if json {
        Output::fail(code, e.to_json().to_string())
    } else {
        Output::fail(code, format!("error: {e}"))
    }
}

fn read_input(
    path: Option<&str>,
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> Result<String, String> {
    match path {
        None | Some("-") => stdin().map_err(|e| format!("cannot read stdin: {e}")),
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}")),
    }
}

const FILTER_USAGE: &str = "scimmap filter FILTER [--input FILE|-] [--json-errors]";
const PATCH_USAGE: &str =
    "scimmap patch --ops FILE [--input FILE|-] [--compat strict|entra] [--json-errors]";

/// `scimmap filter FILTER [--input FILE|-]`: prints the JSON array of the resources (from
/// a JSON array or a ListResponse) that match, in input order.
pub fn filter_command(
    args: &[String],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> (String, String, i32) {
    let mut filter = None;
    let mut input = None;
    let mut json_errors = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--input" => match it.next() {
                Some(v) => input = Some(v.clone()),
                None => return usage("--input needs a value", FILTER_USAGE).into_parts(),
            },
            "--json-errors" => json_errors = true,
            s if filter.is_none() && (!s.starts_with("--") || s == "-") => {
                filter = Some(s.to_string())
            }
            s => return usage(&format!("unexpected argument `{s}`"), FILTER_USAGE).into_parts(),
        }
    }
    let Some(src) = filter else {
        return usage("missing FILTER", FILTER_USAGE).into_parts();
    };
    let f = match Filter::parse(&src) {
        Ok(f) => f,
        Err(e) => {
            let out = if json_errors {
                let lines: Vec<String> = e
                    .diagnostics
                    .iter()
                    .map(|d| {
                        serde_json::json!({"code": d.code, "message": d.message, "span": d.span})
                            .to_string()
                    })
                    .collect();
                lines.join("\n")
            } else {
                e.render(&src)
            };
            return Output::fail(2, out.trim_end().to_string()).into_parts();
        }
    };
    let text = match read_input(input.as_deref(), stdin) {
        Ok(t) => t,
        Err(e) => return usage(&e, FILTER_USAGE).into_parts(),
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return usage(&format!("input is not JSON: {e}"), FILTER_USAGE).into_parts(),
    };
    let resources = match &doc {
        Value::Array(a) => a.clone(),
        Value::Object(o) => match crate::scim::path::get_ci(o, "Resources") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        },
        _ => {
            return usage("input must be a JSON array or a ListResponse", FILTER_USAGE).into_parts()
        }
    };
    let schemas = Schemas::core();
    let mut out = Vec::new();
    for r in resources {
        match f.matches(&r, &schemas) {
            Ok(true) => out.push(r),
            Ok(false) => {}
            Err(e) => return scim_failure(1, &e, json_errors).into_parts(),
        }
    }
    Output::ok(serde_json::to_string_pretty(&Value::Array(out)).unwrap_or_default()).into_parts()
}

/// `scimmap patch --ops FILE [--input FILE|-] [--compat strict|entra]`: applies a PatchOp
/// body and prints the resulting resource.
pub fn patch_command(
    args: &[String],
    stdin: &mut dyn FnMut() -> std::io::Result<String>,
) -> (String, String, i32) {
    let mut ops = None;
    let mut input = None;
    let mut compat = Compat::strict();
    let mut json_errors = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ops" => ops = it.next().cloned(),
            "--input" => input = it.next().cloned(),
            "--compat" => match it.next().map(String::as_str) {
                Some("entra") => compat = Compat::entra(),
                Some("strict") => compat = Compat::strict(),
                other => {
                    return usage(
                        &format!("unknown --compat {}", other.unwrap_or("(missing)")),
                        PATCH_USAGE,
                    )
                    .into_parts()
                }
            },
            "--json-errors" => json_errors = true,
            s => return usage(&format!("unexpected argument `{s}`"), PATCH_USAGE).into_parts(),
        }
    }
    let Some(ops_file) = ops else {
        return usage("missing --ops FILE", PATCH_USAGE).into_parts();
    };
    if ops_file == "-" && matches!(input.as_deref(), None | Some("-")) {
        return usage("--ops and --input cannot both be stdin", PATCH_USAGE).into_parts();
    }
    let ops_text = match read_input(Some(&ops_file), stdin) {
        Ok(t) => t,
        Err(e) => return usage(&e, PATCH_USAGE).into_parts(),
    };
    let body: Value = match serde_json::from_str(&ops_text) {
        Ok(v) => v,
        Err(e) => {
            let err = ScimError::bad_request(
                crate::scim::ScimType::InvalidSyntax,
                format!("ops are not JSON: {e}"),
            );
            return scim_failure(2, &err, json_errors).into_parts();
        }
    };
    let patch = match PatchOp::from_json(&body, &compat) {
        Ok(p) => p,
        Err(e) => return scim_failure(2, &e, json_errors).into_parts(),
    };
    let text = match read_input(input.as_deref(), stdin) {
        Ok(t) => t,
        Err(e) => return usage(&e, PATCH_USAGE).into_parts(),
    };
    let resource: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return usage(&format!("input is not JSON: {e}"), PATCH_USAGE).into_parts(),
    };
    match patch.apply(&resource, &Schemas::core(), &compat) {
        Ok(v) => Output::ok(serde_json::to_string_pretty(&v).unwrap_or_default()).into_parts(),
        Err(e) => scim_failure(1, &e, json_errors).into_parts(),
    }
}
