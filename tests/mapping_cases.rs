//! `scimmap test`: the preset cases under tests/cases pass, through the library and the
//! built binary; a failing case's diff, the exit codes, JUnit XML and `--update`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use scimmap::mapping::cases::{
    json_schema, parse, run_file, test_command, xml_escape, Format, TestOptions,
};
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

const PRESETS: [&str; 5] = ["chatwork", "generic", "genesys", "timeclock365", "webex"];
/// The cases in tests/cases/presets/*.json; a case added or lost shows up here.
const PRESET_CASES: usize = 29;

fn read(name: &str) -> Result<String, String> {
    std::fs::read_to_string(name).map_err(|e| format!("{name}: {e}"))
}

fn preset_files() -> Vec<String> {
    PRESETS
        .iter()
        .map(|p| format!("tests/cases/presets/{p}.json"))
        .collect()
}

fn scimmap(args: &[&str]) -> (i32, String, String) {
    common::outcome(&common::run(args, b""))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scimmap-cases-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.to_str().unwrap().to_string()
}

fn run(files: &[&str], update: bool) -> scimmap::mapping::cases::TestOutput {
    let opts = TestOptions {
        files: files.iter().map(|f| f.to_string()).collect(),
        update,
        ..TestOptions::default()
    };
    test_command(&opts, &read)
}

#[test]
fn every_preset_has_cases_and_they_pass_in_the_library() {
    let mut total = 0;
    for f in preset_files() {
        let r = run_file(&f, &read(&f).unwrap(), &read).unwrap();
        assert!(r.cases.len() >= 4, "{f}: {} cases", r.cases.len());
        for c in &r.cases {
            assert!(c.passed(), "{f}: {}: {:?}", c.name, c.differences);
        }
        let actions: Vec<_> = r.cases.iter().map(|c| c.actual.action.name()).collect();
        assert!(actions.contains(&"create"), "{f}: {actions:?}");
        assert!(
            actions.contains(&"update") || actions.contains(&"disable"),
            "{f}"
        );
        assert!(actions.contains(&"skip"), "{f}: {actions:?}");
        total += r.cases.len();
    }
    assert_eq!(total, PRESET_CASES);
}

#[test]
fn the_preset_cases_pass_through_the_cli() {
    let files = preset_files();
    let mut args = vec!["test"];
    args.extend(files.iter().map(String::as_str));
    let (code, stdout, stderr) = scimmap(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some(format!("{PRESET_CASES} passed, 0 failed").as_str())
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("PASS ")).count(),
        PRESET_CASES
    );
    let (code, stdout, _) = scimmap(&["test", "tests/cases/toml/chatwork.toml"]);
    assert_eq!(
        (code, stdout.lines().last()),
        (0, Some("2 passed, 0 failed"))
    );
}

/// The webex "new surname" case with its expectation edited in three places.
fn broken_webex() -> String {
    let mut j: Json =
        serde_json::from_str(&read("tests/cases/presets/webex.json").unwrap()).unwrap();
    let cases = j["cases"].as_array_mut().unwrap();
    let mut create = cases[0].clone();
    let mut update = cases[1].clone();
    create["expect"]["requests"][0]["body"]["name"]["givenName"] = json!("Augusta");
    create["expect"]["requests"][0]["body"]["nickName"] = json!("Ada");
    update["expect"]["requests"][0]["operations"][0]["value"] = json!("Byron");
    update["expect"]["requests"][0]["operations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"op": "Replace", "path": "title", "value": "Countess"}));
    j["cases"] = json!([create, update]);
    serde_json::to_string_pretty(&j).unwrap()
}

const BROKEN_DIFF: &str = "    requests[0].body.name.givenName: expected \"Augusta\", actual \"Ada\"
    requests[0].body.nickName: expected \"Ada\", actual (absent)
FAIL {F}: a new surname is patched
    requests[0].operations[Replace name.familyName].value: expected \"Byron\", actual \"King\"
    requests[0].operations[Replace title]: expected {\"op\":\"Replace\",\"path\":\"title\",\"value\":\"Countess\"}, actual (absent)
0 passed, 2 failed
";

#[test]
fn a_failing_case_prints_its_differences_by_attribute() {
    let dir = temp_dir("diff");
    let f = write(&dir, "webex.json", &broken_webex());
    let out = run(&[&f], false);
    assert_eq!(out.code, 1);
    let want = format!(
        "FAIL {f}: a new user is created with the work address assembled from five sources\n{}",
        BROKEN_DIFF.replace("{F}", &f)
    );
    assert_eq!(out.stdout, want);
    let (code, stdout, _) = scimmap(&["test", &f]);
    assert_eq!((code, stdout), (1, want));
}

#[test]
fn patch_operations_compare_as_a_set_but_the_dialect_counts() {
    let dir = temp_dir("ops");
    let mut j: Json =
        serde_json::from_str(&read("tests/cases/presets/generic.json").unwrap()).unwrap();
    let case = j["cases"][1].clone();
    let ops = case["expect"]["requests"][0]["operations"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ops.len(), 2);
    let mut reordered = case.clone();
    reordered["name"] = json!("reordered");
    reordered["expect"]["requests"][0]["operations"] = json!([ops[1], ops[0]]);
    let mut lower = case.clone();
    lower["name"] = json!("lower-case");
    lower["expect"]["requests"][0]["operations"][0]["op"] = json!("replace");
    j["cases"] = json!([reordered, lower]);
    let f = write(&dir, "generic.json", &j.to_string());
    let out = run(&[&f], false);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], format!("PASS {f}: reordered"));
    assert_eq!(lines[1], format!("FAIL {f}: lower-case"));
    assert_eq!(
        lines[2],
        "    requests[0].operations[replace title].op: expected \"replace\", actual \"Replace\""
    );
}

#[test]
fn exit_codes_follow_check() {
    let dir = temp_dir("codes");
    let good = "tests/cases/presets/chatwork.json";
    let (code, _, _) = scimmap(&["test", good]);
    assert_eq!(code, 0);
    let bad = write(&dir, "bad.json", &broken_webex());
    assert_eq!(scimmap(&["test", good, &bad]).0, 1);
    let invalid = [
        ("syntax.json", "{\"cases\": [", "invalid JSON"),
        (
            "member.json",
            r#"{"preset": "webex", "cases": [{"name": "x", "source": {}, "expected": {}}]}"#,
            "unknown field `expected`",
        ),
        (
            "preset.json",
            r#"{"preset": "webx", "cases": [{"name": "x", "source": {}}]}"#,
            "unknown preset `webx`",
        ),
        (
            "none.json",
            r#"{"preset": "webex", "cases": []}"#,
            "`cases` is empty",
        ),
        (
            "object.json",
            r#"{"preset": "chatwork", "object": "Group", "cases": [{"name": "x", "source": {}}]}"#,
            "no object mapping for `Group`",
        ),
        (
            "schema.json",
            r#"{"schema": "missing.json", "cases": [{"name": "x", "source": {}}]}"#,
            "missing.json",
        ),
        (
            "both.json",
            r#"{"cases": [{"name": "x", "preset": "webex", "schema": "a.json", "source": {}}]}"#,
            "not both",
        ),
        (
            "method.json",
            r#"{"preset": "webex", "cases": [{"name": "x", "source": {}, "expect": {"action": "create", "requests": [{"method": "PUT", "path": "/Users"}]}}]}"#,
            "PUT",
        ),
        (
            "now.json",
            r#"{"preset": "webex", "simulate": {"now": "yesterday"}, "cases": [{"name": "x", "source": {}}]}"#,
            "simulate.now",
        ),
    ];
    for (name, text, message) in invalid {
        let f = write(&dir, name, text);
        let (code, stdout, stderr) = scimmap(&["test", &f]);
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
    }
    assert_eq!(scimmap(&["test", "tests/cases/nothing-here.json"]).0, 2);
    assert_eq!(scimmap(&["test"]).0, 2);
    assert_eq!(scimmap(&["test", good, "--junit"]).0, 2);
    assert_eq!(scimmap(&["test", good, "--frobnicate"]).0, 2);
    assert_eq!(scimmap(&["test", "-", "--update"]).0, 2);
}

/// An element: its name, its attributes and the text after its start tag.
type Element = (String, Vec<(String, String)>, String);

/// The elements of an XML document, failing on any well-formedness error.
fn parse_xml(xml: &str) -> Vec<Element> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out: Vec<Element> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let k = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                        (
                            k,
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                out.push((name, attrs, String::new()));
            }
            Event::Text(t) => {
                if let Some(e) = out.last_mut() {
                    e.2.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.decode().unwrap().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("entity {other}"),
                };
                out.last_mut().unwrap().2.push_str(c);
            }
            Event::Eof => return out,
            _ => {}
        }
    }
}

fn attr<'a>(e: &'a Element, k: &str) -> &'a str {
    e.1.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

#[test]
fn junit_xml_is_well_formed_and_escaped() {
    let dir = temp_dir("junit");
    let mut j: Json = serde_json::from_str(&broken_webex()).unwrap();
    j["cases"][0]["name"] = json!("<create> & \"quote\" 'apos' \u{1} done");
    let bad = write(&dir, "bad & <webex>.json", &j.to_string());
    let xml_path = dir.join("junit.xml");
    let xml_arg = xml_path.to_str().unwrap();
    let (code, _, stderr) = scimmap(&[
        "test",
        "tests/cases/presets/chatwork.json",
        &bad,
        "--junit",
        xml_arg,
    ]);
    assert_eq!(code, 1, "{stderr}");
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let elements = parse_xml(&xml);
    let names: Vec<&str> = elements.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "testsuite").count(), 2);
    assert_eq!(names.iter().filter(|n| **n == "testcase").count(), 6);
    assert_eq!(names.iter().filter(|n| **n == "failure").count(), 2);
    let root = &elements[0];
    assert_eq!((attr(root, "tests"), attr(root, "failures")), ("6", "2"));
    let suite = elements
        .iter()
        .filter(|e| e.0 == "testsuite")
        .nth(1)
        .unwrap();
    assert_eq!(attr(suite, "name"), bad);
    let case = elements
        .iter()
        .find(|e| e.0 == "testcase" && attr(e, "name").starts_with('<'))
        .unwrap();
    assert_eq!(
        attr(case, "name"),
        "<create> & \"quote\" 'apos' \u{FFFD} done"
    );
    let failure = elements.iter().find(|e| e.0 == "failure").unwrap();
    assert_eq!(attr(failure, "message"), "2 differences");
    assert_eq!(
        failure.2.trim_end(),
        "requests[0].body.name.givenName: expected \"Augusta\", actual \"Ada\"\n\
         requests[0].body.nickName: expected \"Ada\", actual (absent)"
    );
    assert_eq!(
        xml_escape("a<b>&\"c'\u{0}"),
        "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}"
    );
}

#[test]
fn update_records_the_results_and_the_file_then_passes() {
    let dir = temp_dir("update");
    let text = r#"{
  "$schema": "../../schemas/cases.schema.json",
  "preset": "webex",
  "cases": [
    {
      "name": "new",
      "source": {"userPrincipalName": "ada@contoso.com", "IsSoftDeleted": false},
      "simulate": {"aadOptscim062020": true}
    },
    {
      "name": "wrong",
      "expect": {"action": "skip"},
      "source": {"userPrincipalName": "ada@contoso.com", "surname": "King"},
      "current": {"id": "7", "userName": "ada@contoso.com"}
    },
    {
      "name": "right, with a partial reason",
      "source": {"userPrincipalName": "ada@contoso.com", "accountEnabled": false},
      "expect": {"action": "skip", "reason": "does not exist in the app"}
    }
  ]
}
"#;
    let f = write(&dir, "cases.json", text);
    let (code, stdout, stderr) = scimmap(&["test", &f, "--update"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("updated {f}\n1 passed, 2 failed\n")),
        "{stdout}"
    );
    let updated = std::fs::read_to_string(&f).unwrap();
    let (code, stdout, _) = scimmap(&["test", &f]);
    assert_eq!(
        (code, stdout.lines().last()),
        (0, Some("3 passed, 0 failed")),
        "{stdout}"
    );
    let j: Json = serde_json::from_str(&updated).unwrap();
    // Key order is kept: `expect` stays before `source` where it was written first.
    let keys = |i: usize| {
        j["cases"][i]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(0), ["name", "source", "simulate", "expect"]);
    assert_eq!(keys(1), ["name", "expect", "source", "current"]);
    assert_eq!(
        j["cases"][2]["expect"],
        json!({"action": "skip", "reason": "does not exist in the app"})
    );
    assert_eq!(
        j["cases"][1]["expect"],
        json!({
            "action": "update",
            "matching": ["userName eq \"ada@contoso.com\""],
            "requests": [{"method": "PATCH", "path": "/Users/7",
                "operations": [{"op": "Add", "path": "name.familyName", "value": "King"}]}]
        })
    );
    assert_eq!(
        j["cases"][0]["expect"]["requests"][0]["body"]["active"],
        json!(true)
    );
    // A second --update has nothing to change.
    let again = run(&[&f], true);
    assert!(again.writes.is_empty());
    assert_eq!(std::fs::read_to_string(&f).unwrap(), updated);
}

#[test]
fn update_keeps_toml_comments_and_refuses_nulls() {
    let dir = temp_dir("toml");
    let text = "# kept\npreset = \"generic\"\n\n[[cases]]\nname = \"user\" # kept too\nsource = { userPrincipalName = \"ada@contoso.com\", jobTitle = \"Analyst\" }\n";
    let f = write(&dir, "cases.toml", text);
    let out = run(&[&f], true);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let new = &out.writes[0].contents;
    assert!(new.starts_with(&text[..text.len() - 1]), "{new}");
    assert!(
        new.contains("\n[cases.expect]\naction = \"create\"\n"),
        "{new}"
    );
    std::fs::write(&f, new).unwrap();
    assert_eq!(
        run(&[&f], false).stdout.lines().last(),
        Some("1 passed, 0 failed")
    );
    // Group members are sent with `"$ref": null`, which TOML cannot hold.
    let group = "preset = \"generic\"\nobject = \"Group\"\n[[cases]]\nname = \"g\"\nsource = { displayName = \"G\", members = [\"u1\"] }\n";
    let g = write(&dir, "group.toml", group);
    let out = run(&[&g], true);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("TOML cannot express"), "{}", out.stderr);
    assert!(out.writes.is_empty());
}

#[test]
fn json_output_lists_failures_with_their_differences() {
    let dir = temp_dir("json");
    let f = write(&dir, "webex.json", &broken_webex());
    let (code, stdout, _) = scimmap(&["test", &f, "--json"]);
    assert_eq!(code, 1);
    let j: Json = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (j["passed"].as_u64(), j["failed"].as_u64()),
        (Some(0), Some(2))
    );
    let d = &j["files"][0]["cases"][1]["differences"][0];
    assert_eq!(
        d,
        &json!({"at": "requests[0].operations[Replace name.familyName].value", "expected": "Byron", "actual": "King"})
    );
}

#[test]
fn an_expression_error_is_a_failing_case_not_a_crash() {
    let dir = temp_dir("error");
    let mapping = r#"{"object": "User", "mappings": {"userName": {"expr": "[userPrincipalName]", "matching": 1}, "title": "CDate([jobTitle])"}}"#;
    write(&dir, "mapping.json", mapping);
    let cases = r#"{"schema": "mapping.json", "cases": [
        {"name": "bad length", "source": {"userPrincipalName": "a@b", "jobTitle": "x"}, "expect": {"action": "create"}}]}"#;
    let f = write(&dir, "cases.json", cases);
    let out = run(&[&f], false);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "    action: expected \"create\", actual \"error\""
    );
    assert!(lines[2].starts_with("    error: "), "{lines:?}");
}

#[test]
fn shipped_schema_is_generated_from_the_model() {
    let shipped: Json = serde_json::from_str(include_str!("../schemas/cases.schema.json")).unwrap();
    assert!(
        shipped == json_schema(),
        "schemas/cases.schema.json is stale: run `cargo run -- test --print-schema > schemas/cases.schema.json`"
    );
    let (code, stdout, _) = scimmap(&["test", "--print-schema"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Json>(&stdout).unwrap(), shipped);
}

/// Every member the schema declares is one the parser accepts, and no other.
#[test]
fn schema_members_are_the_parsers_members() {
    let schema = json_schema();
    let props = |p: &str| -> Vec<String> {
        schema
            .pointer(p)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let full_case = json!({
        "name": "n", "description": "d", "preset": "webex", "object": "User",
        "source": {}, "current": {}, "simulate": {"aadOptscim062020": true, "deleted": false, "now": "2024-01-01T00:00:00Z", "seed": 1},
        "expect": {"action": "update", "reason": "r", "matching": [], "requests": [{"method": "PATCH", "path": "/Users/1", "operations": []}]}
    });
    let mut case_keys: Vec<String> = full_case.as_object().unwrap().keys().cloned().collect();
    case_keys.push("schema".into());
    let mut declared = props("/$defs/case/properties");
    declared.sort();
    case_keys.sort();
    assert_eq!(declared, case_keys);
    assert_eq!(props("/$defs/expectation/properties").len(), 4);
    let file = json!({"$schema": "s", "description": "d", "object": "User", "simulate": {}, "cases": [full_case]});
    parse(&file.to_string(), Format::Json).unwrap();
    for (at, key) in [
        ("", "extra"),
        ("/cases/0", "extra"),
        ("/cases/0/expect", "extra"),
        ("/cases/0/simulate", "extra"),
        ("/cases/0/expect/requests/0", "extra"),
    ] {
        let mut bad = file.clone();
        bad.pointer_mut(at)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.into(), json!(1));
        assert!(parse(&bad.to_string(), Format::Json).is_err(), "{at}");
    }
}

#[test]
fn the_readme_example_passes() {
    let readme = include_str!("../README.md");
    let example = readme
        .split("```json\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.contains("\"cases\""))
        .unwrap();
    let dir = temp_dir("readme");
    let f = write(&dir, "readme.json", example);
    let out = run(&[&f], false);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.stdout.lines().last(), Some("1 passed, 0 failed"));
}
