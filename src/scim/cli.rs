//! `scimmap filter` and `scimmap patch` (DESIGN.md, "The CLI contract"), as functions of
//! their arguments and stdin so the binary only dispatches and tests need no process.
//!
//! Exit codes: 0 success; 1 the input was read but matching or patching failed (RFC 7644
//! §3.12 body on stderr); 2 usage error or a parse error in the filter, path or ops.

use crate::cli::{Output, Reader};
use crate::scim::error::ScimError;
use crate::scim::patch::{Compat, PatchOp};
use crate::scim::schema::Schemas;
use crate::scim::Filter;
use serde_json::Value;

/// `scimmap filter`.
#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    /// The SCIM filter (RFC 7644 §3.4.2.2), quoted as one argument
    #[arg(value_name = "FILTER")]
    pub filter: String,
    /// A JSON array of resources or a ListResponse (`-` or none = stdin)
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Print errors as JSON
    #[arg(long)]
    pub json_errors: bool,
}

/// The PATCH dialect `patch` accepts.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum CompatArg {
    /// RFC 7644 §3.5.2 as written
    #[default]
    Strict,
    /// What Entra ID sends (documented in COMPATIBILITY.md)
    Entra,
}

/// `scimmap patch`.
#[derive(Debug, clap::Args)]
pub struct PatchArgs {
    /// The PatchOp body (JSON; `-` = stdin)
    #[arg(long, value_name = "FILE")]
    pub ops: String,
    /// The resource to patch (JSON; `-` or none = stdin)
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Accept Entra's PATCH dialect
    #[arg(long, value_enum, default_value = "strict")]
    pub compat: CompatArg,
    /// Print errors as RFC 7644 §3.12 JSON bodies
    #[arg(long)]
    pub json_errors: bool,
}

fn ok(stdout: String) -> Output {
    Output::ok(stdout + "\n")
}

fn fail(code: i32, stderr: String) -> Output {
    Output::fail(code, stderr + "\n")
}

fn scim_failure(code: i32, e: &ScimError, json: bool) -> Output {
    if json {
        fail(code, e.to_json().to_string())
    } else {
        fail(code, format!("error: {e}"))
    }
}

/// Reads JSON from a named file; none = stdin.
fn read_json(read: Reader<'_>, path: Option<&str>) -> Result<Value, Output> {
    let name = path.unwrap_or("-");
    let text = read(name).map_err(Output::usage)?;
    serde_json::from_str(&text).map_err(|e| Output::usage(format!("input is not JSON: {e}")))
}

/// `scimmap filter FILTER [--input FILE|-]`: prints the JSON array of the resources (from
/// a JSON array or a ListResponse) that match, in input order.
pub fn filter_command(a: &FilterArgs, read: Reader<'_>) -> Output {
    let src = &a.filter;
    let json_errors = a.json_errors;
    let f = match Filter::parse(src) {
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
                e.render(src)
            };
            return fail(2, out.trim_end().to_string());
        }
    };
    let doc = match read_json(read, a.input.as_deref()) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let resources = match &doc {
        Value::Array(a) => a.clone(),
        Value::Object(o) => match crate::scim::path::get_ci(o, "Resources") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        },
        _ => return Output::usage("input must be a JSON array or a ListResponse"),
    };
    let schemas = Schemas::core();
    let mut out = Vec::new();
    for r in resources {
        match f.matches(&r, &schemas) {
            Ok(true) => out.push(r),
            Ok(false) => {}
            Err(e) => return scim_failure(1, &e, json_errors),
        }
    }
    ok(serde_json::to_string_pretty(&Value::Array(out)).unwrap_or_default())
}

/// `scimmap patch --ops FILE [--input FILE|-] [--compat strict|entra]`: applies a PatchOp
/// body and prints the resulting resource.
pub fn patch_command(a: &PatchArgs, read: Reader<'_>) -> Output {
    let json_errors = a.json_errors;
    let compat = match a.compat {
        CompatArg::Strict => Compat::strict(),
        CompatArg::Entra => Compat::entra(),
    };
    if a.ops == "-" && matches!(a.input.as_deref(), None | Some("-")) {
        return Output::usage("--ops and --input cannot both be stdin");
    }
    let ops_text = match read(&a.ops) {
        Ok(t) => t,
        Err(e) => return Output::usage(e),
    };
    let body: Value = match serde_json::from_str(&ops_text) {
        Ok(v) => v,
        Err(e) => {
            let err = ScimError::bad_request(
                crate::scim::ScimType::InvalidSyntax,
                format!("ops are not JSON: {e}"),
            );
            return scim_failure(2, &err, json_errors);
        }
    };
    let patch = match PatchOp::from_json(&body, &compat) {
        Ok(p) => p,
        Err(e) => return scim_failure(2, &e, json_errors),
    };
    let resource = match read_json(read, a.input.as_deref()) {
        Ok(v) => v,
        Err(o) => return o,
    };
    match patch.apply(&resource, &Schemas::core(), &compat) {
        Ok(v) => ok(serde_json::to_string_pretty(&v).unwrap_or_default()),
        Err(e) => scim_failure(1, &e, json_errors),
    }
}
