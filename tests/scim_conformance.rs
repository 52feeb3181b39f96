//! Data-driven SCIM conformance: every `tests/conformance/scim/*.json` vector file, with a
//! known-failures ratchet (`known-failures.txt` may only shrink: a listed case that
//! passes fails the run).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::scim::{apply_patch, Compat, Filter, Schemas};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn sexpr(f: &Filter) -> String {
    fn flat<'a>(f: &'a Filter, is_and: bool, out: &mut Vec<&'a Filter>) {
        match f {
            Filter::And { operands, .. } if is_and => {
                operands.iter().for_each(|o| flat(o, true, out))
            }
            Filter::Or { operands, .. } if !is_and => {
                operands.iter().for_each(|o| flat(o, false, out))
            }
            other => out.push(other),
        }
    }
    match f {
        Filter::Compare {
            path, op, value, ..
        } => format!("({} {path} {value})", op.as_str()),
        Filter::Present { path, .. } => format!("(pr {path})"),
        Filter::And { .. } | Filter::Or { .. } => {
            let is_and = matches!(f, Filter::And { .. });
            let mut ops = Vec::new();
            flat(f, is_and, &mut ops);
            let inner: Vec<String> = ops.iter().map(|o| sexpr(o)).collect();
            format!(
                "({} {})",
                if is_and { "and" } else { "or" },
                inner.join(" ")
            )
        }
        Filter::Not { inner, .. } => format!("(not {})", sexpr(inner)),
        Filter::ValuePath {
            path, filter, tail, ..
        } => match tail {
            Some(t) => format!("(vp {path} {} {})", sexpr(filter), sexpr(t)),
            None => format!("(vp {path} {})", sexpr(filter)),
        },
        _ => "?".into(),
    }
}

fn patch_body(case: &Value) -> Value {
    case.get("body").cloned().unwrap_or_else(|| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": case["ops"]})
    })
}

/// Runs one case; `Err` describes the failure.
fn run_case(kind: &str, case: &Value, resources: &Value) -> Result<(), String> {
    let schemas = Schemas::core();
    match kind {
        "parse" => {
            let src = case["filter"].as_str().unwrap();
            let got = Filter::parse(src);
            match (case["expect"].as_str().unwrap(), got) {
                ("parse", Ok(_)) | ("error", Err(_)) => Ok(()),
                (_, Err(e)) => Err(format!("did not parse: {e}")),
                (_, Ok(f)) => Err(format!("parsed as {}", sexpr(&f))),
            }
        }
        "tree" => {
            let src = case["filter"].as_str().unwrap();
            let want = case["expect_tree"].as_str().unwrap();
            match (Filter::parse(src), want) {
                (Err(_), "error") => Ok(()),
                (Err(e), _) => Err(format!("did not parse: {e}")),
                (Ok(f), w) if sexpr(&f) == w => {
                    // Every tree must also survive the printer.
                    let again = Filter::parse(&f.to_string()).map_err(|e| e.to_string())?;
                    if again.without_spans() == f.without_spans() {
                        Ok(())
                    } else {
                        Err(format!("print round trip changed the tree: {f}"))
                    }
                }
                (Ok(f), _) => Err(format!("tree {}", sexpr(&f))),
            }
        }
        "match" => {
            let src = case["filter"].as_str().unwrap();
            let f = Filter::parse(src).map_err(|e| format!("did not parse: {e}"));
            let f = match (f, case.get("expect_error")) {
                (Err(_), Some(_)) => return Ok(()),
                (Err(e), None) => return Err(e),
                (Ok(f), _) => f,
            };
            let mut ids = Vec::new();
            for r in resources.as_array().unwrap() {
                match f.matches(r, &schemas) {
                    Ok(true) => ids.push(r["id"].clone()),
                    Ok(false) => {}
                    Err(e) => {
                        return match case.get("expect_error") {
                            Some(t) if e.scim_type.map(|s| s.as_str()) == t.as_str() => Ok(()),
                            _ => Err(format!("error {e}")),
                        }
                    }
                }
            }
            if case.get("expect_error").is_some() {
                return Err(format!("expected an error, matched {ids:?}"));
            }
            let want = case["expect_ids"].as_array().unwrap();
            if &ids == want {
                Ok(())
            } else {
                Err(format!("matched {ids:?}, expected {want:?}"))
            }
        }
        "patch" => {
            let compat = match case["compat"].as_str() {
                Some("entra") => Compat::entra(),
                _ => Compat::strict(),
            };
            let got = apply_patch(&case["before"], &patch_body(case), &schemas, &compat);
            match (got, case.get("expect_error"), case.get("after")) {
                (Err(e), Some(t), _) if e.scim_type.map(|s| s.as_str()) == t.as_str() => Ok(()),
                (Err(e), _, _) => Err(format!("error {e}")),
                (Ok(v), None, Some(after)) if &v == after => Ok(()),
                (Ok(v), _, _) => Err(format!("got {v}")),
            }
        }
        _ => Err(format!("unknown kind {kind}")),
    }
}

#[test]
fn scim_conformance() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/scim");
    let known: BTreeSet<String> = std::fs::read_to_string(dir.join("known-failures.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut summary = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let resources = doc.get("resources").cloned().unwrap_or(Value::Null);
        let is_patch = doc["cases"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c.get("before").is_some()));
        let mut groups: Vec<(&str, &Value)> = Vec::new();
        for (key, kind) in [("parse", "parse"), ("trees", "tree"), ("match", "match")] {
            if let Some(v) = doc.get(key) {
                groups.push((kind, v));
            }
        }
        if let Some(v) = doc.get("cases") {
            groups.push((if is_patch { "patch" } else { "tree" }, v));
        }
        let (mut pass, mut total, mut differs) = (0, 0, 0);
        for (kind, cases) in groups {
            for (i, case) in cases.as_array().unwrap().iter().enumerate() {
                total += 1;
                if case.get("differs").is_some() {
                    differs += 1;
                }
                let id = format!(
                    "{name}::{}",
                    case.get("name")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("{kind}-{i}"), String::from)
                );
                let ok = run_case(kind, case, &resources);
                match (&ok, known.contains(&id)) {
                    (Ok(()), false) => pass += 1,
                    (Ok(()), true) => problems.push(format!(
                        "{id}: passes now; remove it from known-failures.txt"
                    )),
                    (Err(_), true) => {}
                    (Err(e), false) => problems.push(format!("{id}: {e}")),
                }
            }
        }
        summary.push(format!(
            "{name}: {pass}/{total} pass ({differs} marked as deliberate differences)"
        ));
    }
    println!("{}", summary.join("\n"));
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
