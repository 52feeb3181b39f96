//! Running a cases file: resolve each case's mapping, simulate provisioning on demand
//! ([`crate::mapping::simulate::simulate`]) and compare with the expectation.

use super::diff::{diff, Difference};
use super::model::{self, Action, Case, CasesFile, Expectation, Format, Request, Simulate};
use crate::entra::EvalOptions;
use crate::mapping::simulate::{self, Options, Report, PATCH_URN};
use crate::mapping::{presets, Mapping, Reader};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use std::path::Path;

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// What the case expects (`None`: nothing recorded yet).
    pub expected: Option<Expectation>,
    /// What the simulation did, in the expectation's shape (reason and matching filled in).
    pub actual: Expectation,
    /// Where they differ.
    pub differences: Vec<Difference>,
}

impl CaseResult {
    /// Whether the case passed: an expectation is recorded and met.
    pub fn passed(&self) -> bool {
        self.expected.is_some() && self.differences.is_empty()
    }
}

/// The results of one cases file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    /// The file as named on the command line.
    pub path: String,
    /// Its syntax.
    pub format: Format,
    /// One result per case, in file order.
    pub cases: Vec<CaseResult>,
}

/// A case ready to run: its mapping loaded and its flags parsed.
#[derive(Clone)]
struct Prepared<'a> {
    case: &'a Case,
    mapping: usize,
    object: Option<String>,
    flags: Simulate,
    now: Option<DateTime<Utc>>,
}

/// Parses the cases file `path` (its text `text`) and runs every case.
///
/// # Errors
/// The file is invalid, or a case names a mapping that cannot be loaded or an object
/// type the mapping does not have. Nothing runs then.
pub fn run_file(path: &str, text: &str, read: Reader<'_>) -> Result<FileResult, String> {
    run_file_at(path, text, read, None)
}

/// [`run_file`], with the clock of the cases that set no `simulate.now`: where there is
/// no system clock (WebAssembly), the caller passes its own.
///
/// # Errors
/// As [`run_file`].
pub fn run_file_at(
    path: &str,
    text: &str,
    read: Reader<'_>,
    clock: Option<DateTime<Utc>>,
) -> Result<FileResult, String> {
    let format = Format::of(path);
    let file = model::parse(text, format)?;
    let mut mappings = Vec::new();
    let prepared = file
        .cases
        .iter()
        .enumerate()
        .map(|(i, c)| prepare(path, &file, i, c, &mut mappings, read))
        .collect::<Result<Vec<_>, _>>()?;
    let cases = prepared
        .iter()
        .map(|p| {
            let now = p.now.or(clock);
            run_case(&Prepared { now, ..p.clone() }, &mappings)
        })
        .collect();
    Ok(FileResult {
        path: path.to_string(),
        format,
        cases,
    })
}

fn prepare<'a>(
    path: &str,
    file: &CasesFile,
    i: usize,
    case: &'a Case,
    mappings: &mut Vec<(String, Mapping)>,
    read: Reader<'_>,
) -> Result<Prepared<'a>, String> {
    let at = |m: String| format!("cases[{i}] ({}): {m}", case.name);
    let key = mapping_key(path, file, case).map_err(at)?;
    let mapping = match mappings.iter().position(|(k, _)| *k == key) {
        Some(n) => n,
        None => {
            mappings.push((key.clone(), load(&key, read).map_err(at)?));
            mappings.len() - 1
        }
    };
    let object = case.object.clone().or_else(|| file.defaults.object.clone());
    let has_object = mappings
        .get(mapping)
        .and_then(|(_, m)| m.schema.object_mapping_with_rule(object.as_deref()))
        .is_some();
    if !has_object {
        let name = object.as_deref().unwrap_or("any");
        return Err(at(format!(
            "the mapping has no object mapping for `{name}`"
        )));
    }
    let flags = case.simulate.or(&file.simulate);
    let now = parse_now(flags.now.as_deref()).map_err(at)?;
    Ok(Prepared {
        case,
        mapping,
        object,
        flags,
        now,
    })
}

/// `preset:NAME` or `schema:PATH` (the path relative to the cases file).
fn mapping_key(path: &str, file: &CasesFile, case: &Case) -> Result<String, String> {
    let (preset, schema) = if case.preset.is_some() || case.schema.is_some() {
        (&case.preset, &case.schema)
    } else {
        (&file.defaults.preset, &file.defaults.schema)
    };
    match (preset, schema) {
        (Some(p), _) => Ok(format!("preset:{p}")),
        (None, Some(s)) => Ok(format!("schema:{}", relative_to(path, s))),
        (None, None) => Err(
            "name a mapping with `preset` or `schema` (in the case or at the top of the file)"
                .into(),
        ),
    }
}

/// `file` relative to the directory of the cases file `cases` (as given, unless absolute
/// or the cases come from stdin).
fn relative_to(cases: &str, file: &str) -> String {
    let p = Path::new(file);
    if p.is_absolute() || cases == "-" {
        return file.to_string();
    }
    match Path::new(cases).parent() {
        Some(dir) => dir.join(p).to_string_lossy().into_owned(),
        None => file.to_string(),
    }
}

fn load(key: &str, read: Reader<'_>) -> Result<Mapping, String> {
    match key.split_once(':') {
        Some(("preset", name)) => presets::load(name),
        Some((_, file)) => {
            let text = read(file)?;
            Mapping::from_str_json(&text).map_err(|e| format!("{file}: {e}"))
        }
        None => Err(format!("no mapping `{key}`")),
    }
}

fn parse_now(now: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    now.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("simulate.now `{s}` is not an RFC 3339 date-time: {e}"))
    })
    .transpose()
}

fn run_case(p: &Prepared<'_>, mappings: &[(String, Mapping)]) -> CaseResult {
    let actual = match mappings.get(p.mapping) {
        Some((_, m)) => simulate_case(p, m),
        None => error("the mapping was not loaded".into()),
    };
    let differences = p
        .case
        .expect
        .as_ref()
        .map(|e| diff(e, &actual))
        .unwrap_or_default();
    CaseResult {
        name: p.case.name.clone(),
        expected: p.case.expect.clone(),
        actual,
        differences,
    }
}

fn simulate_case(p: &Prepared<'_>, m: &Mapping) -> Expectation {
    let compiled = match m.compile(p.object.as_deref()) {
        Ok(c) => c,
        Err(e) => return error(e.to_string()),
    };
    let opts = Options {
        aad_opt_scim062020: p.flags.aad_opt_scim062020.unwrap_or(false),
        hard_deleted: p.flags.deleted.unwrap_or(false),
        cannot_create: !m.capability(&compiled.target_object, "create"),
        cannot_delete: !m.capability(&compiled.target_object, "delete"),
        eval: EvalOptions {
            now: p.now,
            seed: p.flags.seed,
            ..EvalOptions::default()
        },
    };
    let source = Json::Object(p.case.source.clone());
    let current = p.case.current.clone().map(Json::Object);
    match simulate::simulate(&compiled, &source, current.as_ref(), &opts) {
        Ok(report) => observed(&report),
        Err(e) => error(e.to_string()),
    }
}

fn error(message: String) -> Expectation {
    Expectation {
        action: Action::Error,
        reason: Some(message),
        matching: Some(Vec::new()),
        requests: Vec::new(),
    }
}

/// A simulation report in the expectation's shape.
pub fn observed(report: &Report) -> Expectation {
    let action = match report.action {
        simulate::Action::Create => Action::Create,
        simulate::Action::Update => Action::Update,
        simulate::Action::Disable => Action::Disable,
        simulate::Action::Delete => Action::Delete,
        simulate::Action::Skip => Action::Skip,
    };
    Expectation {
        action,
        reason: Some(report.reason.clone()),
        matching: Some(
            report
                .matching
                .iter()
                .filter_map(|r| r.filter.clone())
                .collect(),
        ),
        requests: report.requests.iter().map(observed_request).collect(),
    }
}

/// A PATCH whose body is a PatchOp message is written as its `operations`.
fn observed_request(r: &simulate::Request) -> Request {
    let (body, operations) = match patch_operations(r.method, r.body.as_ref()) {
        Some(ops) => (None, Some(ops)),
        None => (r.body.clone(), None),
    };
    Request {
        method: r.method.to_string(),
        path: r.path.clone(),
        body,
        operations,
    }
}

/// The operations of a PATCH body that is exactly `{"schemas": [PatchOp], "Operations"}`.
pub fn patch_operations(method: &str, body: Option<&Json>) -> Option<Vec<Json>> {
    let o: &Map<String, Json> = body?.as_object()?;
    let schemas_ok = o.get("schemas") == Some(&Json::Array(vec![PATCH_URN.into()]));
    if method != "PATCH" || o.len() != 2 || !schemas_ok {
        return None;
    }
    o.get("Operations")?.as_array().cloned()
}
