//! The expression language surface (spec §1): a table of sources with the tree they parse
//! to (shown as canonical text plus node kinds), evaluation of the language's own features,
//! and the limits that keep hostile input from panicking or overflowing the stack.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::{parse_tree, EvalOptions, Expr, ExprKind, Expression, Outcome, Value};
use scimmap::Limits;

fn tree(src: &str) -> Expr {
    parse_tree(src, &Limits::default()).unwrap_or_else(|e| panic!("{src}\n{}", e.render(src)))
}

fn canonical(src: &str) -> String {
    scimmap::entra::print::print(&tree(src))
}

fn kind(src: &str) -> ExprKind {
    tree(src).kind
}

fn s(v: &str) -> ExprKind {
    ExprKind::String(v.into())
}

/// (source, canonical text): every source parses, and prints back as shown.
const CANONICAL: &[(&str, &str)] = &[
    // Escapes (spec §1.5): only \" and \\; other backslashes are kept and print doubled.
    (r#""Company name: \"Contoso\"""#, r#""Company name: \"Contoso\"""#),
    (r#""a\\b""#, r#""a\\b""#),
    (r#""\d""#, r#""\\d""#),
    (r#""""#, r#""""#),
    (r#""it's ]) fine""#, r#""it's ]) fine""#),
    // Attributes: Entra names, extensions, dotted, SCIM value paths, URNs, spaces.
    ("[userPrincipalName]", "[userPrincipalName]"),
    (
        "[extension_53c9e2c0e0d54ce8a4bb9d1e3c5e6f7a_acmeCostCenter]",
        "[extension_53c9e2c0e0d54ce8a4bb9d1e3c5e6f7a_acmeCostCenter]",
    ),
    ("[name.givenName]", "[name.givenName]"),
    ("[passwordProfile.password]", "[passwordProfile.password]"),
    (r#"[emails[type eq "work"].value]"#, r#"[emails[type eq "work"].value]"#),
    (r#"[emails[value co "]"].value]"#, r#"[emails[value co "]"].value]"#),
    (
        "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
        "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
    ),
    ("[first name]", "[first name]"),
    // Numbers, VB hex, identifiers.
    ("1", "1"),
    ("-10", "-10"),
    ("2.5", "2.5"),
    ("129699324000000000", "129699324000000000"),
    ("&HF", "&HF"),
    ("&hf7", "&hf7"),
    ("vbTextCompare", "vbTextCompare"),
    // Empty arguments (spec §1.2): positions are kept, empty ones print as nothing.
    (r#"Join(" ", , [a])"#, r#"Join(" ", , [a])"#),
    (
        r#"Replace([preferredLanguage], "-", , , "_", ,  )"#,
        r#"Replace([preferredLanguage], "-", , , "_", , )"#,
    ),
    (
        r#"Replace([mail], "@contoso.com", , ,"", ,)"#,
        r#"Replace([mail], "@contoso.com", , , "", , )"#,
    ),
    ("Guid()", "Guid()"),
    ("Guid( )", "Guid()"),
    ("Foo(,)", "Foo(, )"),
    // Comparisons: top level and as arguments, every operator.
    (r#"[a]="b""#, r#"[a] = "b""#),
    ("[a]<>[b]", "[a] <> [b]"),
    ("[a]>=1", "[a] >= 1"),
    ("[a]<=1", "[a] <= 1"),
    ("[a]>1", "[a] > 1"),
    ("[a]<1", "[a] < 1"),
    (
        r#"IIF([country]="USA",[country],[department])"#,
        r#"IIF([country] = "USA", [country], [department])"#,
    ),
    (
        r#"IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")"#,
        r#"IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")"#,
    ),
    ("CBool([attribute1] = [attribute2])", "CBool([attribute1] = [attribute2])"),
    // Nesting.
    (
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"))"#,
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"))"#,
    ),
    // Whitespace and line breaks between tokens are insignificant (spec §1.2).
    ("Join(\n  \" \",\n\t[a] ,[b]\r\n)", r#"Join(" ", [a], [b])"#),
    (
        "Switch([Active], ,\n  \"1\", IIF(DateDiff(\"d\", Now(), CDate([StatusHireDate])) > 5, \"False\", \"True\"),\n  \"0\", \"False\")",
        r#"Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), "0", "False")"#,
    ),
    ("  [a]  ", "[a]"),
    ("ToLower ([a])", "ToLower([a])"),
    // Multi-line string constants keep their line breaks.
    ("\"a\nb\"", "\"a\nb\""),
];

#[test]
fn canonical_table() {
    for (src, want) in CANONICAL {
        assert_eq!(&canonical(src), want, "source: {src}");
        // The canonical form is a fixed point.
        assert_eq!(&canonical(want), want, "canonical: {want}");
    }
}

#[test]
fn literal_values() {
    assert_eq!(
        kind(r#""Company name: \"Contoso\"""#),
        s(r#"Company name: "Contoso""#)
    );
    assert_eq!(kind(r#""a\\b""#), s(r"a\b"));
    assert_eq!(kind(r#""\d""#), s(r"\d"));
    assert_eq!(
        kind(r#""\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})""#),
        s(r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})")
    );
    assert_eq!(
        kind(r#"[emails[type eq "work"].value]"#),
        ExprKind::Attribute(r#"emails[type eq "work"].value"#.into())
    );
    assert_eq!(kind("&HF"), ExprKind::Hex("&HF".into()));
    assert_eq!(kind("-10"), ExprKind::Number("-10".into()));
    assert_eq!(
        kind("vbBinaryCompare"),
        ExprKind::Identifier("vbBinaryCompare".into())
    );
}

#[test]
fn empty_positions_are_none() {
    let ExprKind::Call(c) = kind(r#"Replace([x], "-", , , "_", , )"#) else {
        panic!()
    };
    let present: Vec<bool> = c.args.iter().map(Option::is_some).collect();
    assert_eq!(present, [true, true, false, false, true, false, false]);
    let ExprKind::Call(c) = kind("Guid()") else {
        panic!()
    };
    assert!(c.args.is_empty());
}

#[test]
fn spans_point_into_the_source() {
    let src = r#"Join(" ", [givenName], ToLower([surname]))"#;
    let ExprKind::Call(c) = kind(src) else {
        panic!()
    };
    assert_eq!(&src[c.name_span.start()..c.name_span.end()], "Join");
    let spans: Vec<&str> = c
        .args
        .iter()
        .flatten()
        .map(|a| &src[a.span.start()..a.span.end()])
        .collect();
    assert_eq!(spans, [r#"" ""#, "[givenName]", "ToLower([surname])"]);
}

fn eval(src: &str, input: serde_json::Value) -> Value {
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
    match e.evaluate(&input, &EvalOptions::default()).unwrap() {
        Outcome::Value(v) => v,
        Outcome::IgnoreFlow => panic!("ignore flow"),
    }
}

#[test]
fn evaluation_of_language_features() {
    let user = serde_json::json!({
        "givenName": "Ada", "surname": "Lovelace", "first name": "A",
        "passwordProfile.password": "secret", "proxyAddresses": ["SMTP:a@x", "smtp:b@x"],
        "n": 7, "flag": true,
    });
    assert_eq!(
        eval(r#"Join(" ", [givenName], [surname])"#, user.clone()),
        Value::from("Ada Lovelace")
    );
    // Escapes reach the function unescaped.
    assert_eq!(
        eval(r#"Join("", "\"", "\\", "\d")"#, user.clone()),
        Value::from(r#""\\d"#)
    );
    // Numbers and hex literals are strings, as in Graph's parsed form.
    assert_eq!(
        eval(r#"Join("-", 1000, -1, &HF)"#, user.clone()),
        Value::from("1000--1-&HF")
    );
    // Empty positions and missing attributes are skipped by Join.
    assert_eq!(
        eval(r#"Join(",", , [missing], [givenName])"#, user.clone()),
        Value::from("Ada")
    );
    assert_eq!(eval("[first name]", user.clone()), Value::from("A"));
    assert_eq!(
        eval("[passwordProfile.password]", user.clone()),
        Value::from("secret")
    );
    assert_eq!(
        eval(r#"Join(";", [proxyAddresses])"#, user.clone()),
        Value::from("SMTP:a@x;smtp:b@x")
    );
    assert_eq!(eval("[n]", user.clone()), Value::Integer(7));
    // Top-level comparisons (numeric when both sides are numbers).
    assert_eq!(
        eval(r#"[givenName] = "Ada""#, user.clone()),
        Value::Boolean(true)
    );
    assert_eq!(
        eval(r#"[givenName] = "ada""#, user.clone()),
        Value::Boolean(false)
    );
    assert_eq!(eval("[n] > 10", user.clone()), Value::Boolean(false));
    assert_eq!(eval("[n] >= 7", user.clone()), Value::Boolean(true));
    assert_eq!(eval("[missing] <> 1", user.clone()), Value::Boolean(true));
    assert_eq!(
        eval(r#"ToLower([givenName]) = "ada""#, user),
        Value::Boolean(true)
    );
}

#[test]
fn names_are_case_sensitive() {
    for (src, help) in [
        (
            r#"join(" ", [a])"#,
            "function names are case-sensitive: `Join`",
        ),
        (
            "TOLOWER([a])",
            "function names are case-sensitive: `ToLower`",
        ),
        (r#"Jion(" ", [a])"#, "did you mean `Join`?"),
        ("ToLowr([a])", "did you mean `ToLower`?"),
    ] {
        let err = Expression::parse(src).unwrap_err();
        assert_eq!(err.diagnostics[0].code, "unknown-function", "{src}");
        assert_eq!(err.diagnostics[0].help.as_deref(), Some(help), "{src}");
    }
    // Attribute names are case-sensitive too: [GivenName] is another attribute.
    assert_eq!(
        eval("[GivenName]", serde_json::json!({"givenName": "Ada"})),
        Value::Null
    );
}

fn first_code(src: &str, limits: &Limits) -> &'static str {
    match Expression::parse_with(src, limits) {
        Ok(_) => "ok",
        Err(e) => e.diagnostics[0].code,
    }
}

#[test]
fn length_limit() {
    let limits = Limits::default();
    assert_eq!(limits.max_len, 64 * 1024);
    let filler = "x".repeat(limits.max_len - 2);
    assert_eq!(first_code(&format!("\"{filler}\""), &limits), "ok");
    let too_long = format!("\"{filler}x\"");
    assert_eq!(first_code(&too_long, &limits), "too-long");
}

#[test]
fn depth_limit() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 64);
    // 63 calls plus the attribute's bracket: 64 levels.
    let ok = format!("{}[a]{}", "ToLower(".repeat(63), ")".repeat(63));
    assert_eq!(first_code(&ok, &limits), "ok");
    let e = Expression::parse(&ok).unwrap();
    let out = e.evaluate(&serde_json::json!({"a": "X"}), &EvalOptions::default());
    assert_eq!(out.unwrap(), Outcome::Value(Value::from("x")));
    let deep = format!("{}[a]{}", "ToLower(".repeat(64), ")".repeat(64));
    assert_eq!(first_code(&deep, &limits), "nesting-too-deep");
}

#[test]
fn hostile_inputs_are_diagnostics_not_crashes() {
    let big = Limits {
        max_len: 10 * 1024 * 1024,
        ..Limits::default()
    };
    let cases: Vec<(String, &str)> = vec![
        ("Join(".repeat(100_000), "nesting-too-deep"),
        ("[".repeat(100_000), "nesting-too-deep"),
        ("(".repeat(100_000), "nesting-too-deep"),
        (
            format!(
                "{}[a]{}",
                "Join(\"\", ".repeat(100_000),
                ")".repeat(100_000)
            ),
            "nesting-too-deep",
        ),
        // Parentheses inside strings do not nest.
        (format!("\"{}\"", "(".repeat(100_000)), "ok"),
        (")".repeat(100_000), "syntax-error"),
        ("\"".repeat(100_001), "syntax-error"),
        (
            format!("Join(\"{}", "x".repeat(100_000)),
            "unterminated-string",
        ),
        (format!("Join(\"\"{})", ", [a]".repeat(50_000)), "ok"),
        (format!("Join(\"\"{})", ",".repeat(20_000)), "ok"),
        (
            format!("Join(\"\"{})", ",".repeat(1_000_000)),
            "too-complex",
        ),
    ];
    for (src, want) in &cases {
        assert_eq!(
            first_code(src, &big),
            *want,
            "{}…",
            &src[..20.min(src.len())]
        );
        // With default limits every one of them is at worst too long.
        let code = first_code(src, &Limits::default());
        assert!(
            ["ok", "too-long", *want].contains(&code),
            "{}… gave {code}",
            &src[..20.min(src.len())]
        );
    }
}

#[test]
fn typographic_quotes_are_named() {
    let err = Expression::parse("Join(\u{201C} \u{201D}, [a])").unwrap_err();
    assert_eq!(err.diagnostics[0].code, "typographic-quote");
}

#[test]
fn expression_api() {
    let e: Expression = r#"Join(" ",  [givenName], [surname], [givenName])"#
        .parse()
        .unwrap();
    assert_eq!(e.attributes(), ["givenName", "surname"]);
    assert_eq!(
        e.to_string(),
        r#"Join(" ", [givenName], [surname], [givenName])"#
    );
    let again = Expression::from_ast(e.ast()).unwrap();
    assert!(again.ast().same_as(e.ast()));
    assert_eq!(again.source(), e.to_string());
    // Warnings do not stop parsing.
    let w = Expression::parse(r#"Join("\d", [a])"#).unwrap();
    assert_eq!(w.warnings()[0].code, "unknown-escape");
}
