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

pub use crate::cli::{Output, Reader};

fn usage(msg: impl std::fmt::Display) -> Output {
    Output::usage(msg)
}

/// The mapping a command works on: `--schema FILE` or `--preset NAME`.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct MappingSource {
    /// A Microsoft Graph synchronizationSchema JSON file (`-` = stdin)
    #[arg(long, value_name = "FILE")]
    pub schema: Option<String>,
    /// A built-in app preset (see `scimmap presets`)
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
}

impl MappingSource {
    /// The mapping `check` names, when it checks a mapping rather than an expression.
    pub fn of_check(a: &crate::cli::CheckArgs) -> Option<MappingSource> {
        (a.schema.is_some() || a.preset.is_some()).then(|| MappingSource {
            schema: a.schema.clone(),
            preset: a.preset.clone(),
        })
    }

    /// Loads the mapping; a usage error (exit 2) when it cannot be read or parsed.
    pub fn load(&self, read: Reader<'_>) -> Result<Mapping, Output> {
        match (&self.schema, &self.preset) {
            (Some(f), _) => {
                let text = read(f).map_err(usage)?;
                Mapping::from_str_json(&text).map_err(|e| usage(format!("{f}: {e}")))
            }
            (None, Some(p)) => presets::load(p).map_err(usage),
            (None, None) => Err(usage("give --schema FILE or --preset NAME")),
        }
    }
}

/// How `map` applies the mapping.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    /// A new resource: every mapped attribute
    Create,
    /// An existing resource: attributes whose apply mode is "always"
    Update,
}

/// `scimmap map`.
#[derive(Debug, clap::Args)]
pub struct MapArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub mapping: MappingSource,
    /// The source object type to map (e.g. User, Group; default: the mapping's first)
    #[arg(long, value_name = "TYPE")]
    pub object: Option<String>,
    /// A JSON source object, or an array of them (`-` = stdin; none = {})
    #[arg(long, value_name = "FILE")]
    pub input: Option<String>,
    /// Map as for a new resource or for an update
    #[arg(long, value_enum, default_value = "create")]
    pub mode: ModeArg,
    /// Print the provision-on-demand report instead: the action and the requests Entra sends
    #[arg(long)]
    pub simulate: bool,
    /// With --simulate: the app's current resource (JSON)
    #[arg(long, value_name = "FILE", requires = "simulate")]
    pub current: Option<String>,
    /// With --simulate: the tenant URL carries the aadOptscim062020 flag
    #[arg(
        long = "aad-opt-scim062020",
        alias = "aadOptscim062020",
        requires = "simulate"
    )]
    pub aad_opt_scim062020: bool,
    /// With --simulate: the source object was hard-deleted in Entra
    #[arg(long, requires = "simulate")]
    pub deleted: bool,
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
pub fn map(a: &MapArgs, read: Reader<'_>) -> Output {
    let mapping = match a.mapping.load(read) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mode = match a.mode {
        ModeArg::Create => Mode::Create,
        ModeArg::Update => Mode::Update,
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
            aad_opt_scim062020: a.aad_opt_scim062020,
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

/// `scimmap check (--schema FILE | --preset NAME) [--json-errors]`: diagnostics on
/// stderr; exit 0 without errors, 1 with errors, 2 when the file cannot be read or parsed.
pub fn check(source: &MappingSource, json_errors: bool, read: Reader<'_>) -> Output {
    match source.load(read) {
        Ok(mapping) => render_findings(&lint(&mapping.schema), json_errors),
        Err(o) => o,
    }
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
