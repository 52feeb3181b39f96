//! Hostile input: every case must end in a clear error (a diagnostic code, an RFC 7644
//! error body, a CLI exit status with a message) or a value — never a panic, a hang or a
//! half-applied change. Crashes found by the fuzz targets are added here as regressions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::{EvalError, EvalOptions, Expression, Outcome, Value};
use scimmap::mapping::simulate::{simulate, Options};
use scimmap::mapping::{presets, Mapping, Mode};
use scimmap::scim::{apply_patch, Compat, Filter, Path, Schemas, ScimError};
use serde_json::{json, Value as Json};

const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn opts() -> EvalOptions<'static> {
    EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    }
}

/// Parses and evaluates; a parse error comes back as its first diagnostic code.
fn eval(src: &str, input: &Json) -> Result<Outcome, String> {
    let e = Expression::parse(src).map_err(|e| {
        let d = e
            .diagnostics
            .first()
            .expect("a parse error has a diagnostic");
        assert!(!d.message.is_empty());
        d.code.to_string()
    })?;
    e.evaluate(input, &opts()).map_err(|e: EvalError| {
        assert!(!e.message.is_empty(), "error {} has no message", e.code);
        e.code.to_string()
    })
}

fn value(src: &str, input: &Json) -> Value {
    match eval(src, input) {
        Ok(Outcome::Value(v)) => v,
        other => panic!("{src}: {other:?}"),
    }
}

/// An RFC 7644 §3.12 error body with a 400 status, a scimType and a detail.
fn assert_scim_400(e: &ScimError, scim_type: &str) {
    let body = e.to_json();
    assert_eq!(body["schemas"], json!([ERROR_URN]), "{body}");
    assert_eq!(body["status"], "400", "{body}");
    assert_eq!(body["scimType"], scim_type, "{body}");
    assert!(!body["detail"].as_str().unwrap().is_empty(), "{body}");
}

fn user() -> Json {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "1", "userName": "ada",
        "active": true, "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"type": "work", "value": "ada@example.com", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}})
}

fn patch(ops: Json) -> Json {
    json!({"schemas": [PATCH_URN], "Operations": ops})
}

// ---- deep nesting -------------------------------------------------------------------

#[test]
fn deeply_nested_expression_is_too_deep() {
    for n in [65, 1_000, 30_000] {
        let src = format!("{}[a]{}", "ToLower(".repeat(n), ")".repeat(n));
        let code = eval(&src, &json!({"a": "X"})).unwrap_err();
        // Long inputs may hit the length limit first; both are clear refusals.
        assert!(
            code == "nesting-too-deep" || code == "too-long",
            "{n}: {code}"
        );
        let parens = format!("{}\"x\"{}", "(".repeat(n), ")".repeat(n));
        assert!(eval(&parens, &json!({})).is_err());
    }
    // Within the limit it evaluates.
    let src = format!("{}[a]{}", "ToLower(".repeat(60), ")".repeat(60));
    assert_eq!(value(&src, &json!({"a": "X"})), Value::from("x"));
}

#[test]
fn deeply_nested_filters_and_paths_are_refused() {
    for n in [100, 10_000, 40_000] {
        for src in [
            format!("{}userName eq \"a\"{}", "(".repeat(n), ")".repeat(n)),
            format!("{}userName eq \"a\"{}", "not (".repeat(n), ")".repeat(n)),
            format!("emails[{}type eq \"a\"{}]", "(".repeat(n), ")".repeat(n)),
        ] {
            let e = Filter::parse(&src).unwrap_err();
            assert_scim_400(&ScimError::invalid_filter(&src, &e), "invalidFilter");
        }
        // A long flat chain is not nested: refused only once it exceeds the length limit.
        let flat = "userName eq \"a\" and ".repeat(n) + "active pr";
        assert_eq!(Filter::parse(&flat).is_ok(), flat.len() <= 64 * 1024, "{n}");
        let path = format!(
            "emails[{}type eq \"a\"{}].value",
            "(".repeat(n),
            ")".repeat(n)
        );
        let e = Path::parse(&path).unwrap_err();
        assert_scim_400(&ScimError::invalid_path(&path, &e), "invalidPath");
    }
}

#[test]
fn deeply_nested_json_values_are_handled() {
    const DEPTH: usize = 500;
    // serde_json refuses JSON text nested deeper than 128; values built in memory can be
    // deeper, and reading, matching and patching them must not recurse without bound.
    let mut deep = json!("leaf");
    for _ in 0..DEPTH {
        deep = json!({"value": [deep]});
    }
    let input = json!({"a": deep, "userName": "ada"});
    let _ = eval("[a]", &input);
    let _ = eval("Join(\",\", [a])", &input);
    let f = Filter::parse("a.value eq \"leaf\" or a pr").unwrap();
    let _ = f.matches(&input, &Schemas::core());
    let body = patch(json!([{"op": "replace", "path": "userName", "value": "b"}]));
    let out = apply_patch(&input, &body, &Schemas::core(), &Compat::entra()).unwrap();
    assert_eq!(out["userName"], "b");
    // The text form is refused by the parser with an error, not a stack overflow.
    let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<Json>(&text).is_err());
}

// ---- 1 MB strings ---------------------------------------------------------------------

#[test]
fn megabyte_strings() {
    let big = "é".repeat(512 * 1024); // 1 MiB of UTF-8
    let input = json!({"a": big, "b": big});
    assert_eq!(value("Left([a], 2)", &input), Value::from("éé"));
    assert_eq!(value("Mid([a], 524288, 5)", &input), Value::from("é"));
    assert!(matches!(value("ToUpper([a])", &input), Value::String(s) if s.len() == 1 << 20));
    // Two of them exceed the 1 MiB result limit: an error, not an unbounded allocation.
    assert_eq!(
        eval("Join(\"\", [a], [b])", &input).unwrap_err(),
        "too-long"
    );
    assert_eq!(
        eval("Replace([a], \"é\", , , \"éé\", , )", &input).unwrap_err(),
        "too-long"
    );
    assert!(eval("Replace([a], , \"(é)\", , \"$1$1\", , )", &input).is_err());
    // A 1 MiB expression source is refused by the length limit before parsing.
    let src = format!("\"{}\"", "x".repeat(1 << 20));
    assert_eq!(eval(&src, &json!({})).unwrap_err(), "too-long");
    // Filters and paths too.
    let f = format!("userName eq \"{}\"", "x".repeat(1 << 20));
    assert!(Filter::parse(&f).is_err());
    // A 1 MiB value in a PATCH is data, not syntax: it applies.
    let body = patch(json!([{"op": "replace", "path": "displayName", "value": big}]));
    let out = apply_patch(&user(), &body, &Schemas::core(), &Compat::strict()).unwrap();
    assert_eq!(out["displayName"].as_str().unwrap().len(), 1 << 20);
}

#[test]
fn megabyte_strings_through_a_preset() {
    let m = presets::find("webex").unwrap().load().unwrap();
    let c = m.compile(Some("User")).unwrap();
    let big = "a".repeat(1 << 20);
    let src = json!({"userPrincipalName": big, "givenName": big, "surname": big,
        "displayName": big, "IsSoftDeleted": false, "accountEnabled": true});
    // Either a resource or a clear per-target error.
    match c.apply(&src, Mode::Create, &opts()) {
        Ok(a) => assert!(a.resource.is_object()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

// ---- invalid UTF-8 ----------------------------------------------------------------------

fn cli(args: &[&str], stdin: &[u8]) -> (String, String, i32) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut stdin = stdin;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = scimmap::cli::run(
        &args,
        &mut scimmap::cli::Io {
            stdin: &mut stdin,
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
fn invalid_utf8_on_stdin_is_a_clear_error() {
    let bad: &[u8] = b"{\"a\": \"\xff\xfe\xc0\xaf\"}";
    for args in [
        &["eval", "[a]", "--input", "-"][..],
        &["filter", "a pr", "--input", "-"][..],
        &["map", "--preset", "webex", "--input", "-"][..],
    ] {
        let (out, err, code) = cli(args, bad);
        assert_ne!(code, 0, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(!err.trim().is_empty(), "{args:?}");
    }
}

#[test]
fn invalid_utf8_arguments_through_the_binary() {
    use std::os::unix::ffi::OsStrExt;
    let arg = std::ffi::OsStr::from_bytes(b"Join(\"\xff\", [a])");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimmap"))
        .arg("eval")
        .arg(arg)
        .output()
        .unwrap();
    // Lossy conversion turns the byte into U+FFFD; the expression is then valid.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_scimmap"))
        .arg("filter")
        .arg(std::ffi::OsStr::from_bytes(b"userName eq \xff"))
        .arg("--input")
        .arg("/dev/null")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}

#[test]
fn lossy_replacement_characters_are_ordinary_text() {
    let text = String::from_utf8_lossy(b"\xff\xfeab\xc3");
    let input = json!({"a": text});
    assert_eq!(value("Mid([a], 3, 2)", &input), Value::from("ab"));
    assert!(matches!(value("ToUpper([a])", &input), Value::String(_)));
    let f = Filter::parse(&format!("userName eq {}", json!(text))).unwrap();
    assert!(f
        .matches(&json!({"userName": text}), &Schemas::core())
        .unwrap());
}

// ---- catastrophic regular expressions -----------------------------------------------------

#[test]
fn catastrophic_patterns_run_in_linear_time() {
    let evil = format!("{}!", "a".repeat(50_000));
    let input = json!({"a": evil});
    for pattern in [
        r"(a+)+$",
        r"(a|aa)+$",
        r"(a*)*b",
        r"^(([a-z])+.)+[A-Z]([a-z])+$",
    ] {
        let src = format!(r#"Replace([a], , "{pattern}", , "x", , )"#);
        let v = value(&src, &input);
        assert!(matches!(v, Value::String(_)), "{pattern}");
    }
    // Scoping: REGEX MATCH with the same pattern over a long value.
    let m = Mapping::from_json(&json!({"mappings": {"userName": "[userPrincipalName]"},
        "scope": [["userPrincipalName REGEX MATCH (a+)+$"]]}))
    .unwrap();
    let c = m.compile(None).unwrap();
    let src = json!({"userPrincipalName": evil});
    let r = simulate(&c, &src, None, &Options::default()).unwrap();
    assert!(!r.scope.in_scope);
}

#[test]
fn unsupported_regex_syntax_is_a_clear_error() {
    let input = json!({"a": "aaa"});
    for pattern in [
        r"(a)\\1", r"(?<=a)b", r"(?!a)b", r"a++", r"a*{2}", r"(?>a)", "(", "[z-a]",
    ] {
        let src = format!(r#"Replace([a], , "{pattern}", , "x", , )"#);
        let code = eval(&src, &input).unwrap_err();
        assert_eq!(code, "invalid-regex", "{pattern}");
    }
    let m = Mapping::from_json(&json!({"mappings": {"userName": "[a]"},
        "scope": [["a REGEX MATCH (a)\\1"]]}))
    .unwrap();
    let c = m.compile(None).unwrap();
    let r = simulate(&c, &input, None, &Options::default()).unwrap();
    assert!(!r.scope.in_scope);
    let reason = serde_json::to_string(&r.scope).unwrap();
    assert!(
        reason.contains("regex") || reason.contains("regular"),
        "{reason}"
    );
}

#[test]
fn huge_regex_is_refused() {
    // A pattern whose compiled program would be enormous hits the size limit.
    let input = json!({"a": "aaa"});
    let src = r#"Replace([a], , "((a{100}){100}){100}", , "x", , )"#;
    assert_eq!(eval(src, &input).unwrap_err(), "invalid-regex");
}

// ---- numbers out of range ------------------------------------------------------------------

#[test]
fn numbers_out_of_range() {
    let input =
        json!({"big": 1e300, "huge": u64::MAX, "neg": i64::MIN, "d": "2021-08-25T00:00:00Z"});
    // (expression, Ok(JSON result) or Err(error code)).
    let cases: &[(&str, Result<Json, &str>)] = &[
        (
            r#"Mid("abc", 99999999999999999999999, 1)"#,
            Err("invalid-argument"),
        ),
        (
            r#"Mid("abc", 1, 99999999999999999999999)"#,
            Err("invalid-argument"),
        ),
        (
            r#"Mid("abc", -9223372036854775808, 1)"#,
            Err("invalid-argument"),
        ),
        (r#"Left("abc", 9223372036854775807)"#, Ok(json!("abc"))),
        (
            r#"DateAdd("d", 9223372036854775807, CDate([d]))"#,
            Err("out-of-range"),
        ),
        (
            r#"DateAdd("yyyy", 1000000000, CDate([d]))"#,
            Err("out-of-range"),
        ),
        (
            r#"DateAdd("s", -9223372036854775808, CDate([d]))"#,
            Err("out-of-range"),
        ),
        (
            r#"DateAdd("ww", [huge], CDate([d]))"#,
            Err("invalid-argument"),
        ),
        (r#"DateAdd("m", [neg], CDate([d]))"#, Err("out-of-range")),
        // .NET's DateTime stops at 9999-12-31 and starts at 0001-01-01.
        (r#"DateAdd("yyyy", 7979, CDate([d]))"#, Err("out-of-range")),
        (r#"DateAdd("yyyy", -2021, CDate([d]))"#, Err("out-of-range")),
        (
            r#"DateAdd("yyyy", -2020, CDate([d]))"#,
            Ok(json!("8/25/0001 12:00:00 AM")),
        ),
        (
            r#"DateAdd("d", 1, CDate("9999-12-31T00:00:00Z"))"#,
            Err("out-of-range"),
        ),
        ("DateFromNum(9223372036854775807)", Err("out-of-range")),
        (
            "DateFromNum(2650467743999999999)",
            Ok(json!("12/31/9999 11:59:59 PM")),
        ),
        ("DateFromNum(2650467744000000000)", Err("out-of-range")),
        ("DateFromNum(-9223372036854775808)", Err("out-of-range")),
        ("DateFromNum([huge])", Err("invalid-argument")),
        ("DateFromNum([big])", Err("invalid-argument")),
        ("DateFromNum(0)", Ok(json!("1/1/1601 12:00:00 AM"))),
        (
            r#"NumFromDate("9999-12-31T23:59:59Z")"#,
            Ok(json!(2650467743990000000_i64)),
        ),
        (
            r#"DateDiff("s", CDate("0001-01-01"), CDate("9999-12-31"))"#,
            Ok(json!(315537811200_i64)),
        ),
        (
            r#"DateDiff("yyyy", CDate("0001-01-01"), CDate("9999-12-31"))"#,
            Ok(json!(9998)),
        ),
        (
            r#"RandomString(9223372036854775807, 1, 1, 1, 1, )"#,
            Err("too-long"),
        ),
        (r#"RandomString(-1, 1, 1, 1, 1, )"#, Err("invalid-argument")),
        (
            r#"Word("a b c", 99999999999999999999, " ")"#,
            Err("invalid-argument"),
        ),
        (
            r#"InStr("abc", "c", 99999999999999999999)"#,
            Err("invalid-argument"),
        ),
        ("BitAnd(99999999999999999999, 1)", Err("invalid-argument")),
        ("BitAnd(-9223372036854775808, -1)", Ok(json!(i64::MIN))),
    ];
    for (src, want) in cases {
        let got = eval(src, &input).map(|o| match o {
            Outcome::Value(v) => v.to_json(),
            Outcome::IgnoreFlow => Json::Null,
        });
        assert_eq!(
            got.as_ref().map_err(String::as_str),
            want.as_ref().map_err(|e| *e),
            "{src}"
        );
    }
    // JSON numbers beyond i64/f64 in sources, filters and PATCH values.
    let u = json!({"userName": "a", "n": 1e300, "m": u64::MAX});
    for f in [
        "n gt 1e400",
        "n eq 99999999999999999999999999",
        "m gt -9223372036854775809",
        "n lt 1e-400",
    ] {
        match Filter::parse(f) {
            Ok(flt) => {
                let _ = flt.matches(&u, &Schemas::core());
            }
            Err(e) => assert_scim_400(&ScimError::invalid_filter(f, &e), "invalidFilter"),
        }
    }
    let body: Json = serde_json::from_str(&format!(
        r#"{{"schemas":["{PATCH_URN}"],"Operations":[{{"op":"add","path":"x","value":1e308}}]}}"#
    ))
    .unwrap();
    let _ = apply_patch(&u, &body, &Schemas::core(), &Compat::strict());
    assert!(serde_json::from_str::<Json>("1e400").is_err());
}

// ---- wrong JSON types in a PatchOp ----------------------------------------------------

#[test]
fn wrong_types_at_every_position_of_a_patch_op() {
    let before = user();
    let good = json!({"op": "replace", "path": "userName", "value": "b"});
    let wrong = [
        json!(null),
        json!(true),
        json!(1),
        json!(1.5),
        json!("x"),
        json!([]),
        json!({}),
    ];
    let mut bodies = Vec::new();
    for w in &wrong {
        // The body itself, `schemas`, each element of `schemas`, `Operations`, each operation.
        bodies.push(w.clone());
        bodies.push(json!({"schemas": w, "Operations": [good]}));
        bodies.push(json!({"schemas": [w], "Operations": [good]}));
        if !w.is_array() {
            bodies.push(json!({"schemas": [PATCH_URN], "Operations": w}));
        }
        bodies.push(patch(json!([good, w])));
        // Each member of an operation.
        if !w.is_string() {
            bodies.push(patch(
                json!([good, {"op": w, "path": "userName", "value": "b"}]),
            ));
            bodies.push(patch(
                json!([good, {"op": "replace", "path": w, "value": "b"}]),
            ));
        }
        if !w.is_string() && !w.is_object() {
            bodies.push(patch(json!([good, {"op": "add", "value": w}])));
        }
    }
    bodies.push(patch(json!([good, {"op": "replace", "path": "userName"}])));
    bodies.push(patch(json!([good, {"op": "add"}])));
    bodies.push(patch(json!([good, {"op": "remove"}])));
    bodies.push(patch(json!([good, {"path": "userName", "value": "b"}])));
    bodies.push(patch(
        json!([good, {"op": "move", "path": "userName", "value": "b"}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "", "value": "b"}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "emails[", "value": "b"}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "active", "value": {"x": 1}}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "name", "value": [1, 2]}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "emails", "value": "a"}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "name.givenName", "value": {"a": 1}}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "remove", "path": "emails[type eq \"nope\"]"}]),
    ));
    bodies.push(patch(
        json!([good, {"op": "replace", "path": "id", "value": "2"}]),
    ));
    for compat in [Compat::strict(), Compat::entra()] {
        for body in &bodies {
            match apply_patch(&before, body, &Schemas::core(), &compat) {
                // Lenient reads (e.g. a missing path on a no-op remove in Entra's dialect) may succeed.
                Ok(after) => assert!(after.is_object()),
                Err(e) => {
                    let j = e.to_json();
                    assert_eq!(j["schemas"], json!([ERROR_URN]), "{body}");
                    assert!(e.status == 400 || e.status == 409, "{body}: {}", e.status);
                    assert!(!e.detail.is_empty());
                }
            }
        }
    }
    // Every one of these bodies also fails without touching the first operation's effect.
    assert_eq!(before, user());
}

#[test]
fn failed_patch_is_not_half_applied_through_the_cli() {
    let dir = std::env::temp_dir().join(format!("scimmap-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ops = dir.join("ops.json");
    std::fs::write(
        &ops,
        patch(json!([
            {"op": "replace", "path": "userName", "value": "changed"},
            {"op": "add", "path": "emails", "value": [{"value": "b@x"}]},
            {"op": "remove", "path": "emails[type eq \"nope\"]"},
            {"op": "replace", "path": "emails[", "value": 1}
        ]))
        .to_string(),
    )
    .unwrap();
    let before = user().to_string();
    let (out, err, code) = cli(
        &[
            "patch",
            "--ops",
            ops.to_str().unwrap(),
            "--input",
            "-",
            "--json-errors",
        ],
        before.as_bytes(),
    );
    assert_ne!(code, 0);
    assert!(out.is_empty() || !out.contains("changed"), "{out}");
    assert!(
        err.contains("invalidPath") || err.contains("noTarget"),
        "{err}"
    );
}

#[test]
fn every_failed_operation_leaves_the_resource_unchanged() {
    let before = user();
    let failing = [
        json!({"op": "remove", "path": "emails[type eq \"nope\"]"}),
        json!({"op": "replace", "path": "emails[", "value": 1}),
        json!({"op": "add", "path": "name", "value": [1]}),
        json!({"op": "replace", "path": "active", "value": "maybe"}),
    ];
    for f in failing {
        let body = patch(json!([
            {"op": "replace", "path": "userName", "value": "changed"},
            {"op": "add", "path": "emails", "value": [{"value": "b@x"}]},
            {"op": "remove", "path": "name.givenName"},
            f
        ]));
        let copy = before.clone();
        if let Err(e) = apply_patch(&copy, &body, &Schemas::core(), &Compat::strict()) {
            assert_eq!(copy, before);
            assert!(e.to_json()["scimType"].is_string(), "{e}");
        }
    }
}

// ---- odd encodings in paths and filters -------------------------------------------------

#[test]
fn odd_encodings_in_paths_and_filters() {
    let cases = [
        "%2e%2e",
        "../../etc/passwd",
        "userName\0",
        "user\u{0}Name eq \"a\"",
        "userName eq \"a\u{0}\"",
        "\u{202e}userName eq \"a\"",
        "userName eq \"\u{202e}\u{200f}a\"",
        "userName eq \"\u{feff}\"",
        "userName eq \"\\ud800\"",
        "userName eq \"\\udc00\\ud800\"",
        "userName eq \"\\u0000\"",
        "userName eq \"a\\",
        "emails[value eq \"%00\"]",
        "urn:%2e%2e:x",
        "\u{fffd}",
        "émails eq \"x\"",
        "userName eq \"a\" \u{2028} and active pr",
    ];
    let u = user();
    for src in cases {
        match Filter::parse(src) {
            Ok(f) => {
                let _ = f.matches(&u, &Schemas::core());
                let _ = Filter::parse(&f.to_string()).unwrap();
            }
            Err(e) => assert_scim_400(&ScimError::invalid_filter(src, &e), "invalidFilter"),
        }
        match Path::parse(src) {
            Ok(_) => {}
            Err(e) => assert_scim_400(&ScimError::invalid_path(src, &e), "invalidPath"),
        }
        let body = patch(json!([{"op": "replace", "path": src, "value": "v"}]));
        for compat in [Compat::strict(), Compat::entra()] {
            if let Err(e) = apply_patch(&u, &body, &Schemas::core(), &compat) {
                assert_eq!(e.to_json()["schemas"], json!([ERROR_URN]));
            }
        }
        // And as an attribute read in an expression.
        let _ = eval(&format!("[{}]", src.replace(']', "")), &u);
    }
}

#[test]
fn lone_surrogates_escaped_in_json_are_refused_by_the_parser() {
    // serde_json rejects a lone surrogate escape, so one cannot reach the engine as text.
    for text in [r#""\ud800""#, r#""\udc00""#, r#"{"a": "\ud800x"}"#] {
        assert!(serde_json::from_str::<Json>(text).is_err(), "{text}");
    }
    let (out, err, code) = cli(&["eval", "[a]", "--input", "-"], br#"{"a": "\ud800"}"#);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(!err.is_empty());
    let (_, err, code) = cli(&["filter", "a pr", "--input", "-"], br#"[{"a": "\udfff"}]"#);
    assert_ne!(code, 0);
    assert!(!err.is_empty());
}

#[test]
fn odd_attribute_names_in_expressions_and_mappings() {
    let input = json!({"a\u{0}b": "nul", "\u{202e}x": "rtl", "%2e%2e": "dots"});
    assert_eq!(value("[a\u{0}b]", &input), Value::from("nul"));
    assert_eq!(value("[\u{202e}x]", &input), Value::from("rtl"));
    assert_eq!(value("[%2e%2e]", &input), Value::from("dots"));
    for target in [
        "%2e%2e",
        "a\u{0}b",
        "emails[type eq \"\u{0}\"].value",
        "urn:x:\u{202e}:y",
    ] {
        let m = Mapping::from_json(&json!({"mappings": {target: "[%2e%2e]"}}));
        if let Ok(m) = m {
            if let Ok(c) = m.compile(None) {
                let _ = c.apply(&input, Mode::Create, &opts());
            }
        }
    }
}

// ---- mapping inputs of the wrong shape --------------------------------------------------

#[test]
fn mapping_inputs_of_the_wrong_shape() {
    let m = presets::find("genesys").unwrap().load().unwrap();
    for object in ["User", "Group"] {
        let c = m.compile(Some(object)).unwrap();
        for src in [
            json!(null),
            json!(1),
            json!("x"),
            json!([1, 2]),
            json!({"userPrincipalName": [1, {"a": []}], "manager": 7, "IsSoftDeleted": {"x": 1},
                "proxyAddresses": "not a list", "appRoleAssignments": [null, 1, "x", {"value": null}],
                "members": {"id": 1}}),
        ] {
            for mode in [Mode::Create, Mode::Update] {
                let _ = c.apply(&src, mode, &opts());
            }
            let _ = simulate(&c, &src, Some(&json!([1])), &Options::default());
            let _ = simulate(
                &c,
                &src,
                Some(&json!({"id": 5, "members": "x"})),
                &Options::default(),
            );
        }
    }
    for bad in [
        json!({"mappings": 1}),
        json!({"mappings": {"userName": 1}}),
        json!({"mappings": {"userName": {"expr": 1}}}),
        json!({"mappings": {"userName": {"expr": "[a]", "matching": "x"}}}),
        json!({"mappings": {"": "[a]"}}),
        json!({"mappings": {"userName": "[a"}}),
        json!({"mappings": {"userName": "[a]"}, "scope": 5}),
        json!({"mappings": {"userName": "[a]"}, "scope": [["a FROBS b"]]}),
        json!({"objects": [1]}),
        json!({"synchronizationRules": [{"objectMappings": 1}]}),
        json!({"preset": {}, "schema": 1}),
    ] {
        match Mapping::from_json(&bad) {
            Ok(m) => {
                if let Ok(c) = m.compile(None) {
                    let _ = c.apply(&json!({"a": "x"}), Mode::Create, &opts());
                }
            }
            Err(e) => assert!(!e.is_empty()),
        }
    }
}
