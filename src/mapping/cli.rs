//! The `map`, `check --schema|--preset` and `presets` commands (DESIGN.md, "The CLI
//! contract"), as functions from arguments to output so they are tested without a
//! process. File access goes through the caller's reader (`-` = stdin), so the library
//! itself does no I/O.

use crate::entra::EvalOptions;
use crate::mapping::lint::{lint, Finding};
use crate::mapping::presets::{self, PRESETS};
use crate::mapping::simulate::{simulate, Options};
use crate::mapping::{Mapping, Mode};
use serde_json::Value as Json;

/// What a command prints and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status: 0 success, 1 failure on valid input, 2 usage or parse error.
    pub code: i32,
}

/// Reads a file by name (`-` = stdin).
pub type Reader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

fn usage(msg: impl Into<String>) -> Output {
    Output {
        stdout: String::new(),
        stderr: format!("error: {}\n", msg.into()),
        code: 2,
    }
}

#[derive(Default)]
struct Args {
    schema: Option<String>,
    preset: Option<String>,
    object: Option<String>,
    input: Option<String>,
    mode: Option<String>,
    current: Option<String>,
    simulate: bool,
    flag: bool,
    deleted: bool,
    json_errors: bool,
    rest: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--schema" => a.schema = Some(value("--schema")?),
            "--preset" => a.preset = Some(value("--preset")?),
            "--object" => a.object = Some(value("--object")?),
            "--input" => a.input = Some(value("--input")?),
            "--mode" => a.mode = Some(value("--mode")?),
            "--current" => a.current = Some(value("--current")?),
            "--simulate" => a.simulate = true,
            "--aadOptscim062020" | "--aad-opt-scim062020" => a.flag = true,
            "--deleted" => a.deleted = true,
            "--json-errors" => a.json_errors = true,
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`")),
            other => a.rest.push(other.to_string()),
        }
    }
    Ok(a)
}

/// The arguments and the mapping they name; every mapping command starts with both.
fn args_and_mapping(args: &[String], read: Reader<'_>) -> Result<(Args, Mapping), Output> {
    let a = parse_args(args).map_err(usage)?;
    let mapping = load(&a, read)?;
    Ok((a, mapping))
}

fn load(a: &Args, read: Reader<'_>) -> Result<Mapping, Output> {
    match (&a.schema, &a.preset) {
        (Some(_), Some(_)) => Err(usage("give either --schema or --preset, not both")),
        (None, None) => Err(usage("give --schema FILE or --preset NAME")),
        (None, Some(p)) => presets::load(p).map_err(usage),
        (Some(f), None) => {
            let text = read(f).map_err(usage)?;
            Mapping::from_str_json(&text).map_err(|e| usage(format!("{f}: {e}")))
        }
    }
}

fn read_json(read: Reader<'_>, name: Option<&str>) -> Result<Json, Output> {
    match name {
        None => Ok(Json::Object(Default::default())),
        Some(n) => {
            let text = read(n).map_err(usage)?;
            serde_json::from_str(&text).map_err(|e| usage(format!("{n}: invalid JSON: {e}")))
        }
    }
}

fn pretty(j: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(j).unwrap_or_default();
    s.push('\n');
    s
}

/// `scimmap map (--schema FILE | --preset NAME) [--object TYPE] [--input FILE|-]
/// [--mode create|update]`, plus `--simulate [--current FILE] [--aadOptscim062020]
/// [--deleted]` for the provision-on-demand report.
pub fn map(args: &[String], read: Reader<'_>) -> Output {
    let (a, mapping) = match args_and_mapping(args, read) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mode = match a.mode.as_deref().map(str::parse::<Mode>).transpose() {
        Ok(m) => m.unwrap_or(Mode::Create),
        Err(e) => return usage(e),
    };
    let input = match read_json(read, a.input.as_deref()) {
        Ok(j) => j,
        Err(o) => return o,
    };
    let compiled = match mapping.compile(a.object.as_deref()) {
        Ok(c) => c,
        Err(e) => return usage(e.to_string()),
    };
    let opts = EvalOptions::default();
    let sources: Vec<&Json> = match &input {
        Json::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let mut results = Vec::new();
    if a.simulate {
        let current = match a
            .current
            .as_deref()
            .map(|c| read_json(read, Some(c)))
            .transpose()
        {
            Ok(c) => c,
            Err(o) => return o,
        };
        let sim = Options {
            aad_opt_scim062020: a.flag,
            hard_deleted: a.deleted,
            cannot_create: !mapping.capability(&compiled.target_object, "create"),
            cannot_delete: !mapping.capability(&compiled.target_object, "delete"),
            eval: opts,
        };
        for s in &sources {
            match simulate(&compiled, s, current.as_ref(), &sim) {
                Ok(r) => results.push(serde_json::to_value(r).unwrap_or(Json::Null)),
                Err(e) => return failure(e.to_string()),
            }
        }
    } else {
        for s in &sources {
            match compiled.apply(s, mode, &opts) {
                Ok(r) => results.push(r.resource),
                Err(e) => return failure(e.to_string()),
            }
        }
    }
    let out = if input.is_array() {
        Json::Array(results)
    } else {
        results.pop().unwrap_or(Json::Null)
    };
    Output {
        stdout: pretty(&out),
        stderr: String::new(),
        code: 0,
    }
}

fn failure(msg: String) -> Output {
    Output {
        stdout: String::new(),
        stderr: format!("error: {msg}\n"),
        code: 1,
    }
}

/// Whether `check`'s arguments are for a mapping (`--schema` / `--preset`) rather than
/// an expression.
pub fn is_mapping_check(args: &[String]) -> bool {
    args.iter().any(|a| a == "--schema" || a == "--preset")
}

/// `scimmap check (--schema FILE | --preset NAME) [--json-errors]`: diagnostics on
/// stderr; exit 0 without errors, 1 with errors, 2 when the file cannot be read or parsed.
pub fn check(args: &[String], read: Reader<'_>) -> Output {
    let (a, mapping) = match args_and_mapping(args, read) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let findings = lint(&mapping.schema);
    render_findings(&findings, a.json_errors)
}

/// Renders lint findings as `check` prints them.
pub fn render_findings(findings: &[Finding], json: bool) -> Output {
    let errors = findings.iter().filter(|f| f.diagnostic.is_error()).count();
    let warnings = findings.len() - errors;
    let mut stderr = String::new();
    for f in findings {
        if json {
            stderr.push_str(&serde_json::to_string(f).unwrap_or_default());
            stderr.push('\n');
        } else {
            stderr.push_str(&f.render());
            stderr.push('\n');
        }
    }
    if !json {
        stderr.push_str(&format!("{errors} error(s), {warnings} warning(s)\n"));
    }
    Output {
        stdout: String::new(),
        stderr,
        code: i32::from(errors > 0),
    }
}

/// `scimmap presets`: one line per preset: name, display name, tenant URL template.
pub fn presets() -> Output {
    let mut stdout = String::new();
    for p in PRESETS {
        let meta = p.load().ok().and_then(|m| m.preset);
        let get = |k: &str| {
            meta.as_ref()
                .and_then(|m| m.get(k))
                .and_then(Json::as_str)
                .unwrap_or("-")
                .to_string()
        };
        let auth = meta
            .as_ref()
            .and_then(|m| m.pointer("/auth/kind"))
            .and_then(Json::as_str)
            .unwrap_or("-");
        stdout.push_str(&format!(
            "{:<13} {:<40} {:<16} {}\n",
            p.name,
            get("displayName"),
            auth,
            get("tenantUrl")
        ));
    }
    Output {
        stdout,
        stderr: String::new(),
        code: 0,
    }
}
