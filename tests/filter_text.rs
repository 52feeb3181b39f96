//! `ResourceTexts::select` (members the filter reads, parsed from text) selects exactly the
//! resources that `Filter::matches` selects on whole trees, with the same errors: over the
//! conformance vectors' filters and resources, and over generated filters and resource
//! texts (names in mixed case, repeated names, escaped names, extension URNs, value paths,
//! `not`, `pr`, non-object elements, ListResponses).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/filter_strategies.rs"]
mod filter_strategies;

use filter_strategies::logical;
use proptest::prelude::*;
use scimmap::scim::{AttrPath, CompValue, CompareOp, Filter, ResourceTexts, Schemas};
use scimmap::Span;
use serde_json::Value;
use std::path::Path;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The whole-tree path: parse everything, take the array (or the `Resources` member),
/// match each resource.
fn tree_select(filter: &Filter, input: &str) -> Result<Vec<Value>, String> {
    let input: Value = serde_json::from_str(input).map_err(|e| format!("invalid JSON: {e}"))?;
    let list = match input {
        Value::Object(mut o) => match o.swap_remove("Resources") {
            Some(Value::Array(a)) => Some(a),
            _ => None,
        },
        Value::Array(a) => Some(a),
        _ => None,
    }
    .ok_or("expected an array or a ListResponse")?;
    let mut out = Vec::new();
    for r in list {
        if filter
            .matches(&r, &Schemas::core())
            .map_err(|e| e.to_string())?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// The text path, each match's text parsed back for comparison.
fn text_select(filter: &Filter, input: &str) -> Result<Vec<Value>, String> {
    let texts = ResourceTexts::parse(input).map_err(|e| e.to_string())?;
    let matched = texts
        .select(filter, &Schemas::core())
        .map_err(|e| e.to_string())?;
    Ok(matched
        .into_iter()
        .map(|t| serde_json::from_str(t).expect("a match's text is one JSON value"))
        .collect())
}

/// Invalid JSON is compared by where it was found: skipped text is checked by serde_json's
/// skipping reader, whose wording differs for some mistakes (`key must be a string` where
/// building reports `trailing comma`).
fn json_error_location(r: Result<Vec<Value>, String>) -> Result<Vec<Value>, String> {
    r.map_err(|e| match e.strip_prefix("invalid JSON: ") {
        Some(rest) => match rest.rfind(" at line ") {
            Some(i) => format!("invalid JSON{}", &rest[i..]),
            None => format!("invalid JSON: {rest}"),
        },
        None => e,
    })
}

fn assert_same(filter: &Filter, input: &str) {
    let tree = json_error_location(tree_select(filter, input));
    let text = json_error_location(text_select(filter, input));
    assert_eq!(
        text, tree,
        "filter `{filter}` over {input}: text path differs from tree path"
    );
}

#[test]
fn conformance_vectors_select_the_same() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/scim");
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let Some(resources) = doc.get("resources") else {
            continue;
        };
        let compact = resources.to_string();
        let pretty = serde_json::to_string_pretty(resources).unwrap();
        let list = serde_json::json!({"totalResults": 1, "Resources": resources}).to_string();
        for case in doc["match"].as_array().into_iter().flatten() {
            let Ok(f) = Filter::parse(case["filter"].as_str().unwrap()) else {
                continue;
            };
            for input in [&compact, &pretty, &list] {
                assert_same(&f, input);
            }
            cases += 1;
        }
    }
    assert!(cases > 50, "only {cases} vectors found");
}

#[test]
fn malformed_inputs_fail_alike() {
    let f = Filter::parse(r#"userName eq "a""#).unwrap();
    for input in [
        "",
        "[",
        "[1,]",
        "[{\"userName\": \"a\"}] x",
        "{\"Resources\": [{\"userName\": \"a\",}]}",
        "[{\"userName\": \"a\"}, {\"title\": tru}]",
        "[{\"userName\": 1e400}]",
        "[{\"userName\": \"\\ud800\"}]",
        "{\"Resources\": 3}",
        "{\"resources\": []}",
        "{\"Resources\": [], \"Resources\": {}}",
        "{\"Resources\": {}, \"Resources\": [{\"userName\": \"A\"}]}",
        "null",
        "\"[]\"",
    ] {
        assert_same(&f, input);
    }
    let bad = Filter::parse("active gt true").unwrap();
    assert_same(&bad, "[{\"active\": true}]");
    assert_same(&bad, "[]");
}

/// Names the generated resources use, in several spellings.
fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName"),
        Just("USERNAME"),
        Just("username"),
        Just("emails"),
        Just("Emails"),
        Just("active"),
        Just("title"),
        Just("name"),
        Just("meta"),
        Just("id"),
        Just("x-other"),
        Just(ENTERPRISE),
        Just("URN:ietf:params:scim:schemas:extension:enterprise:2.0:user"),
        Just("urn:ietf:params:scim:schemas:core:2.0:User"),
        Just("urn:x:a.b:2.0"),
    ]
    .prop_map(String::from)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0i64..4).prop_map(Value::from),
        prop_oneof![
            Just("a"),
            Just("A"),
            Just("ab"),
            Just(""),
            Just("2011-05-13T04:42:34Z"),
            Just("work")
        ]
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("value"),
                        Just("Value"),
                        Just("type"),
                        Just("primary"),
                        Just("givenName"),
                        Just("department"),
                        Just("lastModified"),
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A member name as JSON text, sometimes with an escaped first letter.
fn quoted(name: &str, escape: bool) -> String {
    match name.chars().next() {
        Some(c) if escape && c.is_ascii() => format!("\"\\u{:04x}{}\"", c as u32, &name[1..]),
        _ => serde_json::to_string(name).unwrap(),
    }
}

/// A resource as text: an object with possibly repeated, differently spelled members and
/// uneven whitespace, or now and then another JSON value.
fn resource_text() -> impl Strategy<Value = String> {
    let member = (member_name(), any::<bool>(), json_value(), any::<bool>());
    prop_oneof![
        6 => prop::collection::vec(member, 0..7).prop_map(|members| {
            let body: Vec<String> = members
                .iter()
                .map(|(k, escape, v, spaced)| {
                    let sep = if *spaced { " : " } else { ":" };
                    format!("{}{sep}{v}", quoted(k, *escape))
                })
                .collect();
            format!("{{{}}}", body.join(",\n  "))
        }),
        1 => scalar().prop_map(|v| v.to_string()),
        1 => json_value().prop_map(|v| format!("[{v}]")),
    ]
}

fn resources_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(resource_text(), 0..6), any::<bool>()).prop_map(|(items, list)| {
        let array = format!("[ {} ]", items.join(" , "));
        if list {
            format!("{{\"schemas\": [], \"totalResults\": 1, \"Resources\": {array}, \"itemsPerPage\": 1}}")
        } else {
            array
        }
    })
}

fn path_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName"),
        Just("UserName"),
        Just("emails"),
        Just("active"),
        Just("title"),
        Just("name"),
        Just("meta"),
        Just("id"),
        Just("missing"),
        Just("value"),
        Just("type"),
        Just("department"),
        Just("givenName"),
        Just("lastModified"),
    ]
    .prop_map(String::from)
}

fn attr_path(relative: bool) -> impl Strategy<Value = AttrPath> {
    let uri = prop_oneof![
        4 => Just(None),
        1 => Just(Some(ENTERPRISE.to_string())),
        1 => Just(Some("URN:IETF:params:scim:schemas:core:2.0:user".to_string())),
        1 => Just(Some("urn:x:a.b:2.0".to_string())),
    ];
    (uri, path_name(), proptest::option::of(path_name())).prop_map(move |(uri, attr, sub)| {
        AttrPath {
            uri: if relative { None } else { uri },
            attr,
            sub,
            span: Span::default(),
        }
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        (0i64..4).prop_map(|n| CompValue::Number(n.into())),
        prop_oneof![
            Just("a"),
            Just("A"),
            Just("b"),
            Just("2011-05-13"),
            Just("work")
        ]
        .prop_map(|s| CompValue::String(s.to_string())),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Gt),
        Just(CompareOp::Le),
    ]
}

fn leaf(relative: bool) -> BoxedStrategy<Filter> {
    prop_oneof![
        3 => (attr_path(relative), op(), comp_value()).prop_map(|(path, op, value)| {
            Filter::Compare { path, op, value, span: Span::default() }
        }),
        1 => attr_path(relative).prop_map(|path| Filter::Present { path, span: Span::default() }),
    ]
    .boxed()
}

fn filter() -> BoxedStrategy<Filter> {
    let value_path = (
        attr_path(false),
        leaf(true).prop_recursive(2, 8, 3, logical),
        proptest::option::of(leaf(true)),
    )
        .prop_map(|(path, filter, tail)| Filter::ValuePath {
            path,
            filter: Box::new(filter),
            tail: tail.map(Box::new),
            span: Span::default(),
        });
    prop_oneof![3 => leaf(false), 1 => value_path]
        .boxed()
        .prop_recursive(3, 16, 3, logical)
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_resources_select_the_same(f in filter(), input in resources_text()) {
        assert_same(&f, &input);
    }

    #[test]
    fn arbitrary_text_never_panics(input in "[\\[\\]{}\",:a-z0-9 \\\\]{0,40}") {
        let f = Filter::parse("a pr or b[c eq 1]").unwrap();
        assert_same(&f, &input);
    }
}
