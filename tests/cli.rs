//! The CLI contract (DESIGN.md), run against the built binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::process::Output;

fn scimmap(args: &[&str], stdin: Option<&str>) -> Output {
    common::run(args, stdin.unwrap_or("").as_bytes())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("scimmap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

#[test]
fn eval_join_from_file() {
    let user = temp_file("user.json", r#"{"givenName":"Ada","surname":"Lovelace"}"#);
    let out = scimmap(
        &[
            "eval",
            r#"Join(" ", [givenName], [surname])"#,
            "--input",
            user.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "\"Ada Lovelace\"\n");
}

#[test]
fn eval_from_stdin_and_inline_option_value() {
    let out = scimmap(
        &["eval", "ToLower([mail])", "--input=-"],
        Some(r#"{"mail":"ADA@EXAMPLE.COM"}"#),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "\"ada@example.com\"\n");
}

#[test]
fn eval_without_input_reads_an_empty_object() {
    let out = scimmap(&["eval", "ToLower([mail])"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "null\n");
    let out = scimmap(&["eval", r#"Join(",", [a], "b")"#], None);
    assert_eq!(text(&out.stdout), "\"b\"\n");
}

#[test]
fn unknown_function_exits_2_with_caret_and_suggestion() {
    let out = scimmap(&["eval", r#"Jion(" ", [a])"#], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("1 | Jion(\" \", [a])\n  | ^^^^\n"), "{err}");
    assert!(err.contains("did you mean `Join`?"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn json_errors_are_one_object_per_line() {
    let out = scimmap(
        &["eval", r#"Jion(" ", Tolower([a]))"#, "--json-errors"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = text(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["code"], "unknown-function");
    assert_eq!(lines[0]["span"], serde_json::json!({"start": 0, "end": 4}));
    assert_eq!(
        lines[1]["span"],
        serde_json::json!({"start": 10, "end": 17})
    );
    assert!(lines[1]["message"].as_str().unwrap().contains("Tolower"));
}

#[test]
fn syntax_error_exits_2() {
    let out = scimmap(&["eval", r#"Join(" ", [a]"#], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected `,` or `)`"));
}

#[test]
fn bad_input_and_usage_exit_2() {
    for args in [
        vec!["eval"],
        vec!["eval", "[a]", "--input", "/nonexistent/file.json"],
        vec!["eval", "[a]", "--now", "yesterday"],
        vec!["eval", "[a]", "--seed", "x"],
        vec!["eval", "[a]", "--frobnicate"],
        vec!["eval", "[a]", "[b]"],
        vec!["frobnicate"],
        vec![],
    ] {
        let out = scimmap(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = scimmap(&["eval", "[a]", "--input", "-"], Some("{not json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not valid JSON"));
}

#[test]
fn now_and_seed_are_accepted() {
    let out = scimmap(
        &[
            "eval",
            "[a]",
            "--now",
            "2024-01-02T03:04:05Z",
            "--seed",
            "42",
        ],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn eval_prints_arrays_on_one_line() {
    let out = scimmap(
        &["eval", "[emails]", "--input", "-"],
        Some(r#"{"emails":["a","b"]}"#),
    );
    assert_eq!(text(&out.stdout), "[\"a\",\"b\"]\n");
}

#[test]
fn check_exit_codes() {
    let ok = scimmap(&["check", r#"Join(" ", [givenName], [surname])"#], None);
    assert_eq!(ok.status.code(), Some(0));
    assert!(ok.stderr.is_empty());

    let warn = scimmap(&["check", r#"Join("\d", [a])"#], None);
    assert_eq!(warn.status.code(), Some(0));
    assert!(text(&warn.stderr).contains("warning[unknown-escape]"));

    let errors = scimmap(&["check", r#"join(" ", Tolower([a]))"#], None);
    assert_eq!(errors.status.code(), Some(1));
    let err = text(&errors.stderr);
    assert!(
        err.contains("function names are case-sensitive: `Join`"),
        "{err}"
    );
    assert!(err.contains("2 errors, 0 warnings"), "{err}");

    let syntax = scimmap(&["check", r#"Join(" ", "#], None);
    assert_eq!(syntax.status.code(), Some(2));

    let json = scimmap(&["check", r#"Join("\d", foo)"#, "--json-errors"], None);
    assert_eq!(json.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&json.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["severity"], "warning");
    assert_eq!(lines[1]["code"], "unknown-identifier");
}

#[test]
fn help_and_version() {
    let out = scimmap(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Usage: scimmap <COMMAND>"));
    let out = scimmap(&["eval", "--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--now <RFC3339>"));
    let out = scimmap(&["--version"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("scimmap {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// The command lines README's "The command line" section shows, one per line.
fn readme_command_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## The command line")
        .nth(1)
        .expect("README has a command-line section");
    let block = section.split("```").nth(1).expect("a code block");
    block
        .lines()
        .filter(|l| l.starts_with("scimmap "))
        .map(str::to_string)
        .collect()
}

/// The words of a README line that name commands: `proxy check` from `scimmap proxy
/// check CONFIG …`.
fn command_words(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .skip(1)
        .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .collect()
}

#[test]
fn every_readme_command_line_is_in_the_help() {
    let lines = readme_command_lines();
    assert!(lines.len() >= 8, "{lines:?}");
    let top = text(&scimmap(&["--help"], None).stdout);
    for line in &lines {
        let words = command_words(line);
        let first = words.first().copied().unwrap_or_default();
        assert!(
            top.lines()
                .any(|l| l.trim_start().starts_with(&format!("{first} "))),
            "`scimmap --help` does not list `{first}` (README: {line})"
        );
        let mut args = words.clone();
        args.push("--help");
        let out = scimmap(&args, None);
        assert_eq!(out.status.code(), Some(0), "{line}");
        let help = text(&out.stdout);
        // Every option and every placeholder (EXPR, FILE, NAME, …) the README shows.
        for token in line
            .split(|c: char| c.is_whitespace() || "[]()|".contains(c))
            .filter(|t| {
                t.starts_with("--")
                    || (t.len() > 1
                        && t.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
                    || *t == "N"
            })
        {
            assert!(
                help.contains(token),
                "`scimmap {} --help` does not show `{token}` (README: {line})\n{help}",
                words.join(" ")
            );
        }
        // Fixed values such as `create|update` and `entra` are listed as possible values.
        for (flag, values) in line.split_whitespace().zip(line.split_whitespace().skip(1)) {
            if flag.trim_start_matches('[').starts_with("--")
                && values
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '|' || c == ']')
            {
                for v in values.trim_end_matches(']').split('|') {
                    assert!(
                        help.contains(v),
                        "`{v}` of {flag} missing from the help of {line}"
                    );
                }
            }
        }
    }
}

#[test]
fn completions_come_from_the_same_declaration() {
    let out = scimmap(&["completions", "bash"], None);
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    for word in [
        "eval",
        "check",
        "filter",
        "patch",
        "map",
        "presets",
        "proxy",
        "--json-errors",
        "--preset",
    ] {
        assert!(script.contains(word), "bash completion lacks `{word}`");
    }
    let out = scimmap(&["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("possible values"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_name_the_flag_and_show_the_usage() {
    let out = scimmap(&["eval", "[a]", "--now", "yesterday"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--now <RFC3339>"), "{err}");
    assert!(err.contains("2024-01-02T03:04:05Z"), "{err}");
    let out = scimmap(&["check", "--schema", "a.json", "--preset", "webex"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
    let out = scimmap(&["map", "--preset", "webex", "--deleted"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--simulate"),
        "{}",
        text(&out.stderr)
    );
    let out = scimmap(&["patch", "--ops", "x.json", "--compat", "okta"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("strict, entra"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn proxy_check_valid_config_prints_a_summary() {
    let cfg = temp_file(
        "proxy-ok.json",
        r#"{"$schema": "../schemas/proxy-config.schema.json", "preset": "webex",
            "upstream": {"url": "https://app.example/scim/v2", "auth": {"type": "bearer", "secret": "UPSTREAM_TOKEN"}},
            "inbound": {"tokens": ["INBOUND_TOKEN", "SECOND_TOKEN"]},
            "resources": {"Group": {"renames": {"externalId": "code"}}}}"#,
    );
    let out = scimmap(&["proxy", "check", cfg.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        summary,
        serde_json::json!({
            "valid": true,
            "preset": "webex",
            // The webex profile's transform is counted: it is what the proxy runs.
            "resources": {"User": {"renames": 0, "transforms": 1, "sentinels": 0},
                          "Group": {"renames": 1, "transforms": 0, "sentinels": 0}},
            "secrets": ["UPSTREAM_TOKEN", "INBOUND_TOKEN", "SECOND_TOKEN"]})
    );
    let stdin = scimmap(
        &["proxy", "check", "-"],
        Some(r#"{"upstream": {"url": "http://a"}, "inbound": {"tokens": ["T"]}}"#),
    );
    assert_eq!(stdin.status.code(), Some(0), "{}", text(&stdin.stderr));
}

#[test]
fn proxy_check_invalid_config_exits_1_naming_the_member() {
    let cfg = temp_file(
        "proxy-bad.json",
        r#"{"upstream": {"url": "http://a"}, "inbound": {"tokens": ["T"]},
            "resources": {"User": {"renamez": {"userName": "login"}}}}"#,
    );
    let out = scimmap(&["proxy", "check", cfg.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        "error[invalid-config]: invalid proxy config: `resources.User.renamez`: unknown member; did you mean `renames`?\n"
    );
    let conflict = temp_file(
        "proxy-conflict.json",
        r#"{"upstream": {"url": "http://a"}, "inbound": {"tokens": ["T"]},
            "resources": {"User": {"renames": {"userName": "login", "nickName": "login"}}}}"#,
    );
    let out = scimmap(
        &[
            "proxy",
            "check",
            conflict.to_str().unwrap(),
            "--json-errors",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_str(text(&out.stderr).trim()).unwrap();
    assert_eq!(line["code"], "invalid-config");
    assert_eq!(line["member"], "resources.User.renames.nickName");
    assert!(line["message"]
        .as_str()
        .unwrap()
        .contains("same app attribute as `resources.User.renames.userName`"));
}

#[test]
fn proxy_check_usage_unreadable_and_not_json_exit_2() {
    let not_json = temp_file("proxy-not-json.json", "{\"upstream\": ");
    for args in [
        vec!["proxy"],
        vec!["proxy", "frobnicate"],
        vec!["proxy", "check"],
        vec!["proxy", "check", "a.json", "b.json"],
        vec!["proxy", "check", "a.json", "--frobnicate"],
        vec!["proxy", "check", "/nonexistent/proxy.json"],
        vec!["proxy", "check", not_json.to_str().unwrap()],
    ] {
        let out = scimmap(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = scimmap(
        &[
            "proxy",
            "check",
            not_json.to_str().unwrap(),
            "--json-errors",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let line: serde_json::Value = serde_json::from_str(text(&out.stderr).trim()).unwrap();
    assert_eq!(line["code"], "invalid-input");
    assert!(line["message"].as_str().unwrap().contains("not valid JSON"));
}

#[test]
fn proxy_schema_is_the_shipped_file() {
    let out = scimmap(&["proxy", "schema"], None);
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/proxy-config.schema.json")).unwrap();
    assert_eq!(printed, shipped);
    assert_eq!(
        printed["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

// ---- scimmap patch ----

const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Runs `scimmap patch` with `ops` (the `Operations` array) on `resource`.
fn patch(name: &str, resource: &str, ops: &str, extra: &[&str]) -> Output {
    let ops = temp_file(
        &format!("{name}.ops.json"),
        &format!(r#"{{"schemas":["{PATCH_URN}"],"Operations":{ops}}}"#),
    );
    let mut args = vec!["patch", "--ops", ops.to_str().unwrap()];
    args.extend_from_slice(extra);
    scimmap(&args, Some(resource))
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn patch_entra_manager_string_is_stored_as_an_object() {
    let ops = format!(r#"[{{"op":"Add","path":"{ENTERPRISE}:manager","value":"m1"}}]"#);
    let out = patch("mgr", r#"{"userName":"a"}"#, &ops, &["--compat", "entra"]);
    assert_eq!(
        stdout_json(&out)[ENTERPRISE]["manager"],
        serde_json::json!({"value": "m1"})
    );
    let ops = format!(r#"[{{"op":"Remove","path":"{ENTERPRISE}:manager[value eq \"m1\"]"}}]"#);
    let user = format!(r#"{{"userName":"a","{ENTERPRISE}":{{"manager":{{"value":"m1"}}}}}}"#);
    let out = patch("mgr-rm", &user, &ops, &["--compat", "entra"]);
    assert_eq!(stdout_json(&out), serde_json::json!({"userName": "a"}));
    // Strict: the wrong shape, exit 1.
    let ops = format!(r#"[{{"op":"add","path":"{ENTERPRISE}:manager","value":"m1"}}]"#);
    let out = patch(
        "mgr-strict",
        r#"{"userName":"a"}"#,
        &ops,
        &["--json-errors"],
    );
    assert_eq!(out.status.code(), Some(1));
    let e: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["scimType"], "invalidValue");
}

#[test]
fn patch_wrong_shape_for_complex_attributes_is_invalid_value() {
    for (mode, ops) in [
        ("strict", r#"[{"op":"add","path":"addresses","value":200}]"#),
        ("entra", r#"[{"op":"add","path":"addresses","value":200}]"#),
        ("strict", r#"[{"op":"replace","path":"name","value":5}]"#),
        ("entra", r#"[{"op":"add","path":"emails","value":"x@y.z"}]"#),
        (
            "entra",
            r#"[{"op":"replace","value":{"name":[{"givenName":"A"}]}}]"#,
        ),
    ] {
        let out = patch(
            "shape",
            r#"{"userName":"a"}"#,
            ops,
            &["--compat", mode, "--json-errors"],
        );
        assert_eq!(out.status.code(), Some(1), "{mode} {ops}");
        let e: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(e["scimType"], "invalidValue", "{mode} {ops}");
    }
}

#[test]
fn patch_primary_true_demotes_the_others_in_strict_mode() {
    let user = r#"{"userName":"a","emails":[{"value":"a@x","primary":true}]}"#;
    let ops = r#"[{"op":"add","path":"emails","value":[{"value":"b@x","primary":true}]}]"#;
    let out = patch("primary", user, ops, &[]);
    assert_eq!(
        stdout_json(&out)["emails"],
        serde_json::json!([{"value": "a@x", "primary": false}, {"value": "b@x", "primary": true}])
    );
}

#[test]
fn patch_entra_remove_with_an_object_value_removes_the_members() {
    let group = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"u1"},{"value":"u2"}]}"#;
    for ops in [
        r#"[{"op":"Remove","value":{"members":[{"value":"u1"}]}}]"#,
        r#"[{"op":"Remove","path":"members","value":{"members":[{"value":"u1"}]}}]"#,
    ] {
        let out = patch("rm-obj", group, ops, &["--compat", "entra"]);
        assert_eq!(
            stdout_json(&out)["members"],
            serde_json::json!([{"value": "u2"}]),
            "{ops}"
        );
    }
    let ops = r#"[{"op":"Remove","path":"members","value":{"memberz":[{"value":"u1"}]}}]"#;
    let out = patch("rm-typo", group, ops, &["--compat", "entra"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("invalidValue"),
        "{}",
        text(&out.stderr)
    );
}

/// Words in `s` that look like Rust items: `a::b` paths or snake_case identifiers.
fn rust_names(s: &str) -> Vec<String> {
    let mut found: Vec<String> = s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| {
            w.contains("::")
                || w.split(':').any(|p| {
                    let p = p.trim_matches('_');
                    p.contains('_') && p.chars().any(|c| c.is_ascii_lowercase())
                })
        })
        .map(String::from)
        .collect();
    found.dedup();
    found
}

#[test]
fn patch_errors_name_flags_and_config_switches_not_rust_items() {
    let user = r#"{"userName":"a","emails":[{"value":"a@x"}]}"#;
    let manager = format!(r#"[{{"op":"add","path":"{ENTERPRISE}:manager","value":"m1"}}]"#);
    let cases: Vec<(&str, String)> = vec![
        ("op case", r#"[{"op":"Add","path":"nickName","value":"n"}]"#.into()),
        ("remove value", r#"[{"op":"remove","path":"emails","value":[{"value":"a@x"}]}]"#.into()),
        ("pathless remove", r#"[{"op":"remove","value":{"emails":[{"value":"a@x"}]}}]"#.into()),
        ("boolean string", r#"[{"op":"replace","path":"active","value":"True"}]"#.into()),
        ("dotted key", r#"[{"op":"replace","value":{"name.givenName":"A"}}]"#.into()),
        ("manager string", manager),
        ("two primaries", r#"[{"op":"replace","path":"emails","value":[{"value":"x","primary":true},{"value":"y","primary":true}]}]"#.into()),
        ("wrong shape", r#"[{"op":"add","path":"addresses","value":200}]"#.into()),
        ("bare filter", r#"[{"op":"remove","path":"emails[value eq x]"}]"#.into()),
    ];
    let mut with_hint = 0;
    for (what, ops) in &cases {
        for extra in [&[][..], &["--json-errors"][..]] {
            let out = patch("msg", user, ops, extra);
            let err = text(&out.stderr);
            assert_ne!(out.status.code(), Some(0), "{what}: {}", text(&out.stdout));
            assert!(
                rust_names(&err).is_empty(),
                "{what}: {:?} in {err}",
                rust_names(&err)
            );
            if err.contains("--compat entra") {
                with_hint += 1;
            }
        }
    }
    // Every leniency a switch allows says how to turn it on.
    assert!(with_hint >= 12, "{with_hint}");
    for args in [
        &["patch", "--ops", "x.json", "--compat", "lenient"][..],
        &["patch"][..],
        &["patch", "--bogus"][..],
    ] {
        let out = scimmap(args, Some("{}"));
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(rust_names(&err).is_empty(), "{args:?}: {err}");
    }
}

/// A name from a machine-translated vendor document gets the Entra attribute it stands for.
#[test]
fn check_suggests_the_attribute_a_translated_name_stands_for() {
    let out = scimmap(
        &["check", "Join(\" \", [Vorname], [correoElectrónico])"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("did you mean `[givenName]`? (`Vorname` is German for given name)"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `[mail]`? (`correoElectrónico` is Spanish for email address)"),
        "{err}"
    );
    // Outside brackets a non-ASCII name is a syntax error on the whole name, with the same help.
    let out = scimmap(&["check", "Join(\" \", correoElectrónico)"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("`correoElectrónico` is not a function"),
        "{err}"
    );
    assert!(err.contains("^^^^^^^^^^^^^^^^^"), "{err}");
    assert!(err.contains("did you mean `[mail]`?"), "{err}");
    // SCIM filters: RFC 7643 names are ASCII.
    let out = scimmap(&["filter", "nomDeFamillé eq \"x\""], Some("[]"));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("is not a SCIM attribute name"), "{err}");
}

#[test]
fn check_schema_suggests_translated_truncated_and_abbreviated_names() {
    let mapping = temp_file(
        "translated.json",
        r#"{"object": "User", "mappings": {
            "userName": {"expr": "[usrPrncplNm]", "matching": 1},
            "active": "Not([IsSoftDel])",
            "name.givenName": "[Vorname]",
            "name.nomDeFamille": "[cognome]",
            "adresse": "[ciudad]",
            "correoElectrónico": "[correoElectrónico]"
        }}"#,
    );
    let out = scimmap(&["check", "--schema", mapping.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for want in [
        "did you mean `[userPrincipalName]`?",
        "did you mean `[IsSoftDeleted]`?",
        "did you mean `[givenName]`? (`Vorname` is German for given name)",
        "did you mean `[surname]`? (`cognome` is Italian for surname)",
        "did you mean `[city]`? (`ciudad` is Spanish for city)",
        "did you mean `familyName`? (`nomDeFamille` is French for surname)",
        "did you mean `addresses`? (`adresse` is French and German for address)",
        "did you mean `emails[type eq \"work\"].value`? (`correoElectrónico` is Spanish for email address)",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert!(!err.contains("extension_<appId>"), "{err}");
    assert!(!err.contains("found `ó`"), "{err}");
}
