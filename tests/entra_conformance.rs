//! Conformance vectors for Entra expression functions (`tests/conformance/entra/*.toml`).
//!
//! Each file holds `[[case]]` tables:
//!
//! ```toml
//! [[case]]
//! name = "append-doc"                         # unique over all files
//! source = "§2 Append [DOC]"                  # spec section + DOC/DERIVED/INFERRED/DOC-BUG/UNVERIFIED
//! expr = '''Append([upn], ".test")'''
//! input = { upn = "a@b" }                     # optional; absent attributes are null
//! now = "2021-08-25T17:41:18Z"                # optional clock (this is the default)
//! seed = 7                                    # optional RNG seed (default 42)
//! exists = ["taken@contoso.com"]              # optional SelectUniqueValue answers
//! expect = "a@b.test"                         # a JSON-like value (string/integer/bool/array/table)
//! # or: expect_null = true | ignore_flow = true | error = "invalid-argument"
//! # or: check = { regex = "^[0-9a-z]{6}$", length = 6, min = { "[0-9]" = 3 }, excludes = "?," }
//! ```
//!
//! The run fails on any failure not listed in `known-failures.txt`, and on any listed case
//! that passes (the list can only shrink).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::{EvalOptions, Expression, Outcome};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const DEFAULT_NOW: &str = "2021-08-25T17:41:18Z";
const DEFAULT_SEED: u64 = 42;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/entra")
}

fn to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// What one evaluation produced, in comparable form.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Value(Json),
    IgnoreFlow,
    Error(String),
}

fn run(case: &toml::Table, seed_offset: u64) -> Got {
    let expr = case.get("expr").and_then(toml::Value::as_str).unwrap_or("");
    let e = match Expression::parse(expr) {
        Ok(e) => e,
        Err(err) => {
            return Got::Error(
                err.diagnostics
                    .first()
                    .map_or("parse-error".to_string(), |d| d.code.to_string()),
            )
        }
    };
    let input = case
        .get("input")
        .map_or(Json::Object(Default::default()), to_json);
    let now = case
        .get("now")
        .and_then(toml::Value::as_str)
        .unwrap_or(DEFAULT_NOW);
    let now = chrono::DateTime::parse_from_rfc3339(now)
        .expect("bad `now`")
        .with_timezone(&chrono::Utc);
    let seed = case
        .get("seed")
        .and_then(toml::Value::as_integer)
        .map_or(DEFAULT_SEED, |s| s as u64)
        + seed_offset;
    let exists: BTreeSet<String> = case
        .get("exists")
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let exists_fn = |v: &str| exists.contains(v);
    let opts = EvalOptions {
        now: Some(now),
        seed: Some(seed),
        exists: Some(&exists_fn),
        limits: None,
    };
    match e.evaluate(&input, &opts) {
        Ok(Outcome::Value(v)) => Got::Value(v.to_json()),
        Ok(Outcome::IgnoreFlow) => Got::IgnoreFlow,
        Err(err) => Got::Error(err.code.to_string()),
    }
}

/// Checks one case; `Err` says why it failed.
fn check(case: &toml::Table) -> Result<(), String> {
    let got = run(case, 0);
    if let Some(want) = case.get("expect") {
        let want = Got::Value(to_json(want));
        return if got == want {
            Ok(())
        } else {
            Err(format!("expected {want:?}, got {got:?}"))
        };
    }
    if case.get("expect_null").and_then(toml::Value::as_bool) == Some(true) {
        return match got {
            Got::Value(Json::Null) => Ok(()),
            other => Err(format!("expected null, got {other:?}")),
        };
    }
    if case.get("ignore_flow").and_then(toml::Value::as_bool) == Some(true) {
        return match got {
            Got::IgnoreFlow => Ok(()),
            other => Err(format!("expected ignore-flow, got {other:?}")),
        };
    }
    if let Some(code) = case.get("error").and_then(toml::Value::as_str) {
        return match got {
            Got::Error(c) if c == code => Ok(()),
            other => Err(format!("expected error `{code}`, got {other:?}")),
        };
    }
    if let Some(spec) = case.get("check").and_then(toml::Value::as_table) {
        let Got::Value(Json::String(s)) = &got else {
            return Err(format!("expected a string to check, got {got:?}"));
        };
        // Same seed, same output.
        if run(case, 0) != got {
            return Err("not deterministic for a fixed seed".into());
        }
        if let Some(re) = spec.get("regex").and_then(toml::Value::as_str) {
            let re = regex::Regex::new(re).map_err(|e| e.to_string())?;
            if !re.is_match(s) {
                return Err(format!("{s:?} does not match /{re}/"));
            }
        }
        if let Some(n) = spec.get("length").and_then(toml::Value::as_integer) {
            if s.chars().count() as i64 != n {
                return Err(format!("{s:?} is not {n} characters long"));
            }
        }
        if let Some(mins) = spec.get("min").and_then(toml::Value::as_table) {
            for (class, n) in mins {
                let re = regex::Regex::new(class).map_err(|e| e.to_string())?;
                let count = re.find_iter(s).count() as i64;
                let n = n.as_integer().unwrap_or(0);
                if count < n {
                    return Err(format!("{s:?} has {count} of {class}, wanted at least {n}"));
                }
            }
        }
        if let Some(ex) = spec.get("excludes").and_then(toml::Value::as_str) {
            if let Some(c) = s.chars().find(|c| ex.contains(*c)) {
                return Err(format!("{s:?} contains the avoided {c:?}"));
            }
        }
        if spec.get("differs_with_seed").and_then(toml::Value::as_bool) == Some(true)
            && run(case, 1) == got
        {
            return Err("the same output for a different seed".into());
        }
        return Ok(());
    }
    Err("case has no expectation (expect/expect_null/ignore_flow/error/check)".into())
}

#[test]
fn entra_conformance() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/conformance/entra")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let known: BTreeSet<String> = std::fs::read_to_string(dir().join("known-failures.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();

    let mut names = BTreeSet::new();
    let mut problems: Vec<String> = Vec::new();
    let mut failed_known = BTreeSet::new();
    let (mut pass_all, mut total_all) = (0, 0);
    let mut exprs: Vec<String> = Vec::new();
    let mut per_tag: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read vector file");
        let doc: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let cases = doc
            .get("case")
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default();
        let file = f.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let mut pass = 0;
        for c in &cases {
            let c = c.as_table().expect("[[case]] must be a table");
            let name = c
                .get("name")
                .and_then(toml::Value::as_str)
                .unwrap_or("")
                .to_string();
            if name.is_empty() || !names.insert(name.clone()) {
                problems.push(format!("{file}: missing or duplicate case name `{name}`"));
            }
            let source = c.get("source").and_then(toml::Value::as_str).unwrap_or("");
            let tag = ["DOC-BUG", "DERIVED", "INFERRED", "UNVERIFIED", "DOC"]
                .into_iter()
                .find(|t| source.contains(t));
            match tag {
                Some(t) => *per_tag.entry(t).or_default() += 1,
                None => problems.push(format!("{file}::{name}: `source` has no tag")),
            }
            exprs.push(
                c.get("expr")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
            match check(c) {
                Ok(()) => {
                    pass += 1;
                    if known.contains(&name) {
                        problems.push(format!(
                            "{file}::{name} passes but is in known-failures.txt: remove it"
                        ));
                    }
                }
                Err(why) => {
                    if known.contains(&name) {
                        failed_known.insert(name.clone());
                    } else {
                        problems.push(format!("{file}::{name}: {why}"));
                    }
                }
            }
        }
        println!("{file}: {pass}/{}", cases.len());
        pass_all += pass;
        total_all += cases.len();
    }
    println!("total: {pass_all}/{total_all}");
    println!("by tag: {per_tag:?}");
    for k in &known {
        if !names.contains(k) {
            problems.push(format!("known-failures.txt lists unknown case `{k}`"));
        }
    }
    // Every registered function has at least one vector.
    for f in scimmap::entra::all_functions() {
        let call = format!("{}(", f.name);
        if !exprs.iter().any(|e| e.contains(&call)) {
            problems.push(format!("no vector calls `{}`", f.name));
        }
    }
    assert!(
        problems.is_empty(),
        "conformance problems:\n{}",
        problems.join("\n")
    );
}
