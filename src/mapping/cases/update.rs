//! `--update`: rewrites the `expect` of every failing case (or one with no expectation)
//! from the current results, leaving the rest of the file as written: JSON keeps its key
//! order (and is re-indented by two spaces), TOML keeps its comments and layout
//! (toml_edit). Passing cases keep their expectation, so a hand-written partial `reason`
//! or an omitted `matching` survives.

use super::model::{self, Action, Expectation, Format};
use super::run::FileResult;
use serde_json::Value as Json;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// The expectation `--update` records: the reason only for a skip or an error (for the
/// other actions the requests say it all).
pub fn recorded(actual: &Expectation) -> Expectation {
    let mut e = actual.clone();
    if !matches!(e.action, Action::Skip | Action::Error) {
        e.reason = None;
    }
    e
}

/// The new text of the cases file, or `None` when every case passes.
///
/// # Errors
/// The file no longer parses, or (TOML) a recorded value is null, which TOML cannot
/// express.
pub fn update(text: &str, result: &FileResult) -> Result<Option<String>, String> {
    let stale: Vec<(usize, Json)> = result
        .cases
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.passed())
        .map(|(i, c)| {
            let e = serde_json::to_value(recorded(&c.actual)).unwrap_or(Json::Null);
            (i, e)
        })
        .collect();
    if stale.is_empty() {
        return Ok(None);
    }
    match result.format {
        Format::Json => update_json(text, &stale).map(Some),
        Format::Toml => update_toml(text, &stale).map(Some),
    }
}

fn update_json(text: &str, stale: &[(usize, Json)]) -> Result<String, String> {
    let mut json = model::to_json(text, Format::Json)?;
    for (i, e) in stale {
        let case = json
            .get_mut("cases")
            .and_then(|c| c.get_mut(*i))
            .and_then(Json::as_object_mut)
            .ok_or_else(|| format!("cases[{i}] is not an object"))?;
        case.insert("expect".into(), e.clone());
    }
    let mut out = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    out.push('\n');
    Ok(out)
}

fn update_toml(text: &str, stale: &[(usize, Json)]) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("invalid TOML: {e}"))?;
    for (i, e) in stale {
        let at = format!("cases[{i}].expect");
        match doc.get_mut("cases") {
            Some(Item::ArrayOfTables(cases)) => {
                let case = cases.get_mut(*i).ok_or_else(|| format!("no {at}"))?;
                case.insert("expect", Item::Table(expect_table(e, &at)?));
            }
            Some(Item::Value(Value::Array(cases))) => {
                let Some(Value::InlineTable(case)) = cases.get_mut(*i) else {
                    return Err(format!("cases[{i}] is not a table"));
                };
                case.insert("expect", toml_value(e, &at)?);
            }
            _ => return Err("`cases` is not an array of tables".into()),
        }
    }
    Ok(doc.to_string())
}

/// `[cases.expect]` with `[[cases.expect.requests]]`, bodies as inline tables.
fn expect_table(e: &Json, at: &str) -> Result<Table, String> {
    let mut t = Table::new();
    for (k, v) in e.as_object().into_iter().flatten() {
        let here = format!("{at}.{k}");
        if let (Some(items), "requests") = (v.as_array(), k.as_str()) {
            let mut requests = ArrayOfTables::new();
            for (j, r) in items.iter().enumerate() {
                requests.push(request_table(r, &format!("{here}[{j}]"))?);
            }
            t.insert(k, Item::ArrayOfTables(requests));
        } else {
            t.insert(k, Item::Value(toml_value(v, &here)?));
        }
    }
    Ok(t)
}

fn request_table(r: &Json, at: &str) -> Result<Table, String> {
    let mut t = Table::new();
    for (k, v) in r.as_object().into_iter().flatten() {
        t.insert(k, Item::Value(toml_value(v, &format!("{at}.{k}"))?));
    }
    Ok(t)
}

fn toml_value(v: &Json, at: &str) -> Result<Value, String> {
    Ok(match v {
        Json::Null => {
            return Err(format!(
                "{at} would be null, which TOML cannot express: keep this case in a JSON cases file"
            ))
        }
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => {
            let mut a = toml_edit::Array::new();
            for (j, x) in items.iter().enumerate() {
                a.push(toml_value(x, &format!("{at}[{j}]"))?);
            }
            Value::Array(a)
        }
        Json::Object(o) => {
            let mut t = InlineTable::new();
            for (k, x) in o {
                t.insert(k, toml_value(x, &format!("{at}.{k}"))?);
            }
            Value::InlineTable(t)
        }
    })
}
