//! Properties: the printer round-trips (`parse(print(ast)) == ast` modulo spans), Graph
//! conversion round-trips, and parse + evaluate never panics on generated input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use scimmap::entra::graph::{from_graph, to_graph};
use scimmap::entra::print::print;
use scimmap::entra::{
    all_functions, parse_tree, Call, CompareOp, EvalOptions, Expr, ExprKind, Expression,
};
use scimmap::{Limits, Span};

fn node(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn call(name: String, args: Vec<Option<Expr>>) -> Expr {
    node(ExprKind::Call(Call {
        name,
        name_span: Span::default(),
        args,
        function: None,
    }))
}

fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z_][A-Za-z0-9_.:$/ -]{0,15}",
        Just(r#"emails[type eq "work"].value"#.to_string()),
        Just(r#"addresses[type eq "wo]rk"].locality"#.to_string()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".to_string()),
        Just("extension_53c9e2c0e0d54ce8_acmeCostCenter".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        attribute_name().prop_map(|a| node(ExprKind::Attribute(a))),
        "(?s).{0,12}".prop_map(|s| node(ExprKind::String(s))),
        r#"[\\"a-z ]{0,6}"#.prop_map(|s| node(ExprKind::String(s))),
        r"-?[0-9]{1,6}(\.[0-9]{1,3})?".prop_map(|s| node(ExprKind::Number(s))),
        "&[Hh][0-9A-Fa-f]{1,6}".prop_map(|s| node(ExprKind::Hex(s))),
        "[A-Za-z][A-Za-z0-9_]{0,10}".prop_map(|s| node(ExprKind::Identifier(s))),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn function_name() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = all_functions().iter().map(|f| f.name.to_string()).collect();
    names.extend(
        [
            "IIF",
            "Switch",
            "Replace",
            "Mid",
            "Guid",
            "SelectUniqueValue",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    prop_oneof![
        3 => prop::sample::select(names),
        1 => "[A-Za-z][A-Za-z0-9_]{0,8}",
    ]
}

fn with_compare(operand: BoxedStrategy<Expr>) -> BoxedStrategy<Expr> {
    prop_oneof![
        4 => operand.clone(),
        1 => (operand.clone(), compare_op(), operand).prop_map(|(l, op, r)| node(ExprKind::Compare {
            op,
            left: Box::new(l),
            right: Box::new(r),
        })),
    ]
    .boxed()
}

/// Any syntactically valid tree: calls to registry names and made-up names, any argument
/// count, empty positions, comparisons as arguments and at the top.
fn any_tree() -> BoxedStrategy<Expr> {
    let operand = leaf().prop_recursive(6, 48, 6, |inner| {
        let value = with_compare(inner.boxed());
        (
            function_name(),
            prop::collection::vec(prop::option::weighted(0.8, value), 0..6),
        )
            // `F()` is a call with no arguments; `F( )` is the same thing.
            .prop_filter("single empty position", |(_, a)| {
                !(a.len() == 1 && a[0].is_none())
            })
            .prop_map(|(n, a)| call(n, a))
    });
    with_compare(operand.boxed())
}

/// Trees whose calls all resolve in the registry with an accepted number of positions
/// (what Graph can represent with parameter keys).
fn registry_tree() -> BoxedStrategy<Expr> {
    let operand = leaf().prop_recursive(5, 40, 5, |inner| {
        let value = with_compare(inner.boxed());
        prop::sample::select(all_functions().iter().collect::<Vec<_>>())
            .prop_flat_map(move |f| {
                // Draw a position count the signature accepts rather than filtering.
                let mut counts: Vec<usize> = (0..10).filter(|&n| f.accepts(n)).collect();
                if counts.is_empty() {
                    counts.push(f.min_args());
                }
                let value = value.clone();
                prop::sample::select(counts).prop_flat_map(move |n| {
                    prop::collection::vec(prop::option::weighted(0.85, value.clone()), n)
                        .prop_map(move |a| call(f.name.to_string(), a))
                })
            })
            // `F()` is a call with no arguments; `F( )` is the same thing.
            .prop_filter("single empty position", |e| {
                !matches!(&e.kind, ExprKind::Call(c) if c.args.len() == 1 && c.args[0].is_none())
            })
    });
    with_compare(operand.boxed())
}

/// Graph gives `"1"` and `1` the same Constant node (spec §3.3), so a numeric string
/// comes back as a number literal.
fn graph_normal(e: &Expr) -> Expr {
    let kind = match &e.kind {
        ExprKind::String(s)
            if parse_tree(s, &Limits::default())
                .is_ok_and(|t| matches!(t.kind, ExprKind::Number(ref n) if n == s)) =>
        {
            ExprKind::Number(s.clone())
        }
        ExprKind::Call(c) => ExprKind::Call(Call {
            args: c
                .args
                .iter()
                .map(|a| a.as_ref().map(graph_normal))
                .collect(),
            ..c.clone()
        }),
        ExprKind::Compare { op, left, right } => ExprKind::Compare {
            op: *op,
            left: Box::new(graph_normal(left)),
            right: Box::new(graph_normal(right)),
        },
        k => k.clone(),
    };
    node(kind)
}

fn options() -> EvalOptions<'static> {
    EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(7),
        ..EvalOptions::default()
    }
}

fn parse_and_evaluate(src: &str) {
    if let Ok(e) = Expression::parse(src) {
        let user = serde_json::json!({
            "givenName": "Ada", "surname": "Lovelace", "mail": "ada@example.com",
            "proxyAddresses": ["SMTP:a@x", "smtp:b@x"], "n": 3, "flag": true, "empty": "",
            "name": {"givenName": "Ada"},
        });
        let _ = e.evaluate(&user, &options());
        let _ = e.format();
        let _ = to_graph(e.ast());
    }
}

const TOKENS: &[&str] = &[
    "Join",
    "ToLower",
    "IIF",
    "Switch",
    "(",
    ")",
    ",",
    " ",
    "[",
    "]",
    "\"",
    "\\",
    "=",
    "<>",
    "<",
    ">",
    "&H",
    "F",
    "1",
    "-",
    ".",
    "[a]",
    "[emails[type eq \"work\"].value]",
    "\"x\"",
    "vbTextCompare",
    "\n",
    "\u{201C}",
    "é",
];

proptest! {
    // PROPTEST_CASES raises the count for a longer local run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn print_then_parse_is_identity(e in any_tree()) {
        let text = print(&e);
        let back = parse_tree(&text, &Limits::default())
            .map_err(|err| TestCaseError::fail(format!("{text}\n{}", err.render(&text))))?;
        prop_assert!(back.same_as(&e), "{} reparsed as {}", text, print(&back));
    }

    #[test]
    fn graph_round_trip(e in registry_tree()) {
        let g = to_graph(&e);
        let back = from_graph(&g).map_err(|d| TestCaseError::fail(format!("{}: {d}", print(&e))))?;
        prop_assert!(back.same_as(&graph_normal(&e)), "{} came back as {}", print(&e), print(&back));
        if g["type"] != "Constant" {
            prop_assert_eq!(&g["expression"], &serde_json::Value::from(print(&e)));
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(src in any::<String>()) {
        parse_and_evaluate(&src);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..40)) {
        parse_and_evaluate(&tokens.concat());
    }

    #[test]
    fn generated_expressions_never_panic(e in any_tree()) {
        parse_and_evaluate(&print(&e));
    }

    #[test]
    fn arbitrary_graph_json_never_panics(src in "[\\[\\]{}\":, a-zA-Z0-9]{0,80}") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&src) {
            let _ = from_graph(&v);
        }
    }
}

/// The `source` trees of spec §3.3, checked against the real registry once it has their
/// functions (the unit tests in `graph.rs` check them against the documented signatures).
#[test]
fn spec_graph_samples() {
    let samples = [
        r#"{ "expression": "Not([IsSoftDeleted])", "name": "Not", "type": "Function",
            "parameters": [ { "key": "source", "value": { "expression": "[IsSoftDeleted]", "name": "IsSoftDeleted", "parameters": [], "type": "Attribute" } } ] }"#,
        r#"{ "expression": "Mid([userPrincipalName], 1, 8)", "name": "Mid", "type": "Function",
            "parameters": [
              { "key": "source", "value": { "expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute" } },
              { "key": "start",  "value": { "expression": "\"1\"", "name": "1", "parameters": [], "type": "Constant" } },
              { "key": "length", "value": { "expression": "\"8\"", "name": "8", "parameters": [], "type": "Constant" } } ] }"#,
        r#"{ "expression": "Replace([preferredLanguage], \"-\", , , \"_\", , )", "name": "Replace", "type": "Function",
            "parameters": [
              { "key": "source", "value": { "expression": "[preferredLanguage]", "name": "preferredLanguage", "parameters": [], "type": "Attribute" } },
              { "key": "Find", "value": { "expression": "\"-\"", "name": "-", "parameters": [], "type": "Constant" } },
              { "key": "Replacement", "value": { "expression": "\"_\"", "name": "_", "parameters": [], "type": "Constant" } } ] }"#,
        r#"{ "expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute" }"#,
    ];
    for sample in samples {
        let g: serde_json::Value = serde_json::from_str(sample).unwrap();
        let name = g["name"].as_str().unwrap();
        if g["type"] == "Function" && scimmap::entra::lookup(name).is_none() {
            eprintln!("skipped: `{name}` is not in the registry yet");
            continue;
        }
        let tree = from_graph(&g).unwrap();
        assert_eq!(print(&tree), g["expression"]);
        assert_eq!(to_graph(&tree), g);
        let e = Expression::parse(g["expression"].as_str().unwrap()).unwrap();
        assert_eq!(to_graph(e.ast()), g);
    }
}
