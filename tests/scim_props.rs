//! Properties: `parse(print(f)) == f`, `apply(old, diff(old, new)) == new`, and evaluation
//! and PATCH never panic.
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
use scimmap::scim::{
    apply_patch, diff, AttrPath, CompValue, CompareOp, Compat, DiffShape, Filter, Schemas,
};
use scimmap::Span;
use serde_json::{json, Map, Value};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName".to_string()),
        Just("emails".to_string()),
        Just("$ref".to_string()),
        "[a-zA-Z][a-zA-Z0-9_-]{0,6}",
    ]
    .prop_filter("keywords are not names", |s| {
        !["not", "and", "or"].contains(&s.to_ascii_lowercase().as_str())
    })
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string())),
            1 => Just(Some("urn:x:a.b:2.0".to_string())),
        ],
        name(),
        proptest::option::of(name()),
    )
        .prop_map(|(uri, attr, sub)| AttrPath { uri, attr, sub, span: Span::default() })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        (-1e6f64..1e6).prop_map(|f| CompValue::Number(serde_json::Number::from_f64(f).unwrap())),
        "\\PC{0,8}".prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Ew),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn leaf(relative: bool) -> impl Strategy<Value = Filter> {
    let p = attr_path()
        .prop_map(move |mut p| {
            if relative {
                p.uri = None;
            }
            p
        })
        .boxed();
    prop_oneof![
        (p.clone(), op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare {
            path,
            op,
            value,
            span: Span::default()
        }),
        p.prop_map(|path| Filter::Present {
            path,
            span: Span::default()
        }),
    ]
}

fn val_filter() -> BoxedStrategy<Filter> {
    leaf(true).boxed().prop_recursive(3, 12, 3, logical).boxed()
}

fn filter() -> BoxedStrategy<Filter> {
    let vp = (
        attr_path(),
        val_filter(),
        proptest::option::of((name(), op(), comp_value())),
    )
        .prop_map(|(path, filter, tail)| Filter::ValuePath {
            path,
            filter: Box::new(filter),
            tail: tail.map(|(n, op, value)| {
                Box::new(Filter::Compare {
                    path: AttrPath::new(None, &n, None),
                    op,
                    value,
                    span: Span::default(),
                })
            }),
            span: Span::default(),
        });
    prop_oneof![3 => leaf(false), 1 => vp]
        .boxed()
        .prop_recursive(4, 24, 3, logical)
        .boxed()
}

proptest! {
    #[test]
    fn print_parse_round_trip(f in filter()) {
        let printed = f.to_string();
        let back = Filter::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(back.without_spans(), f.without_spans(), "{}", printed);
    }

    #[test]
    fn matching_never_panics(f in filter(), v in user()) {
        let _ = f.matches(&v, &Schemas::core());
    }

    #[test]
    fn diff_then_apply_gives_new(old in user(), new in user()) {
        for (shape, compat) in [(DiffShape::Strict, Compat::strict()), (DiffShape::Entra, Compat::entra())] {
            let body = diff(&old, &new, shape, &Schemas::core());
            let got = apply_patch(&old, &body, &Schemas::core(), &compat)
                .map_err(|e| TestCaseError::fail(format!("{e}\nbody {body}")))?;
            prop_assert_eq!(&got, &new, "body {}", body);
        }
    }

    #[test]
    fn patch_never_panics(old in user(), path in "[a-zA-Z\\[\\]\". =:]{0,24}", v in user()) {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": path, "value": v["name"]},
                           {"op": "Remove", "path": path, "value": [{"value": "x"}]}]});
        let _ = apply_patch(&old, &body, &Schemas::core(), &Compat::entra());
        let _ = apply_patch(&old, &body, &Schemas::core(), &Compat::strict());
    }
}

fn user() -> impl Strategy<Value = Value> {
    let s = "[a-z]{1,5}";
    (
        proptest::option::of(s),
        proptest::option::of(any::<bool>()),
        proptest::option::of((proptest::option::of(s), proptest::option::of(s))),
        prop::collection::btree_set("[a-e]", 0..4),
        proptest::option::of(s),
        proptest::option::of(0i64..100),
        proptest::option::of(s),
    )
        .prop_map(|(title, active, name, emails, dept, count, nick)| {
            let mut m = Map::new();
            m.insert("userName".into(), json!("u"));
            if let Some(t) = title {
                m.insert("title".into(), json!(t));
            }
            if let Some(a) = active {
                m.insert("active".into(), json!(a));
            }
            if let Some((g, f)) = name {
                let mut n = Map::new();
                if let Some(g) = g {
                    n.insert("givenName".into(), json!(g));
                }
                if let Some(f) = f {
                    n.insert("familyName".into(), json!(f));
                }
                if !n.is_empty() {
                    m.insert("name".into(), Value::Object(n));
                }
            }
            if !emails.is_empty() {
                let e: Vec<Value> = emails
                    .iter()
                    .map(|v| json!({"value": format!("{v}@x.org"), "type": "work"}))
                    .collect();
                m.insert("emails".into(), Value::Array(e));
            }
            if let Some(d) = dept {
                m.insert(
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into(),
                    json!({"department": d}),
                );
            }
            if let Some(c) = count {
                m.insert("x-count".into(), json!(c));
            }
            if let Some(n) = nick {
                m.insert("nickName".into(), json!(n));
            }
            Value::Object(m)
        })
}

fn run(args: &[&str], stdin: &str) -> (String, String, i32) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = scimmap::cli::run(
        &args,
        &mut scimmap::cli::Io {
            stdin: &mut stdin.as_bytes(),
            stdout: &mut out,
            stderr: &mut err,
        },
    );
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
        code,
    )
}

#[test]
fn cli_filter_one_work_email_per_element() {
    let users = r#"[{"id":"1","emails":[{"type":"work","value":"a@example.org"}]},
        {"id":"2","emails":[{"type":"work","value":"b@other.com"},{"type":"home","value":"b@example.org"}]}]"#;
    let (out, _, code) = run(
        &[
            "filter",
            r#"emails[type eq "work" and value ew "example.org"]"#,
            "--input",
            "-",
        ],
        users,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], "1");
    let (_, err, code) = run(&["filter", "userName eq", "--input", "-"], users);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn cli_patch_exit_codes() {
    let dir = std::env::temp_dir().join(format!("scimmap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ops = |name: &str, body: Value| {
        let p = dir.join(name);
        std::fs::write(&p, body.to_string()).unwrap();
        p.to_string_lossy().to_string()
    };
    let group = r#"{"displayName":"g","members":[{"value":"a"},{"value":"b"}]}"#;
    let urn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    let entra = ops(
        "entra.json",
        json!({"schemas":[urn],"Operations":[{"op":"Remove","path":"members","value":[{"value":"a"}]}]}),
    );
    let (out, _, code) = run(&["patch", "--ops", &entra, "--compat", "entra"], group);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["members"],
        json!([{"value":"b"}])
    );
    let (_, err, code) = run(&["patch", "--ops", &entra, "--json-errors"], group);
    assert_ne!(code, 0, "{err}");
    let nt = ops(
        "nt.json",
        json!({"schemas":[urn],"Operations":[{"op":"remove","path":"members[value eq \"zz\"]"}]}),
    );
    let (_, err, code) = run(&["patch", "--ops", &nt, "--json-errors"], group);
    assert_eq!(code, 1);
    let e: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(e["scimType"], "noTarget");
    assert_eq!(e["status"], "400");
    assert!(e["detail"].as_str().unwrap().contains("members[value eq"));
    let bad = ops(
        "bad.json",
        json!({"schemas":[urn],"Operations":[{"op":"remove","path":"members[value eq"}]}),
    );
    let (_, err, code) = run(&["patch", "--ops", &bad, "--json-errors"], group);
    assert_eq!(code, 2);
    assert_eq!(
        serde_json::from_str::<Value>(err.trim()).unwrap()["scimType"],
        "invalidPath"
    );
}

#[test]
fn resolve_attribute_forms() {
    use scimmap::scim::resolve_attribute;
    let u = json!({"name": {"givenName": "Ada"}, "emails": [{"type": "work", "value": "w@x"}, {"type": "home", "value": "h@x"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}});
    assert_eq!(resolve_attribute(&u, "name.givenName"), Some(json!("Ada")));
    assert_eq!(resolve_attribute(&u, "NAME.GIVENNAME"), Some(json!("Ada")));
    assert_eq!(
        resolve_attribute(&u, r#"emails[type eq "work"].value"#),
        Some(json!("w@x"))
    );
    assert_eq!(
        resolve_attribute(&u, "emails.value"),
        Some(json!(["w@x", "h@x"]))
    );
    assert_eq!(
        resolve_attribute(
            &u,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ),
        Some(json!("R&D"))
    );
    assert_eq!(resolve_attribute(&u, "missing"), None);
    assert_eq!(resolve_attribute(&u, "emails[type eq"), None);
}
