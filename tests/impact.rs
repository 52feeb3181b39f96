//! `scimmap impact`: reading the users exports an admin has (the portal's CSV, a Graph
//! `/users` page, a JSON array, JSON Lines), the findings of typical mapping edits, input
//! errors that name the record, streaming, and the command line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use scimmap::mapping::impact::{
    run_reader, run_reader_parallel, users, Format, Impact, ImpactOptions, InputError, Kind,
    Severity, Summary,
};
use scimmap::mapping::{presets, Mapping};
use serde_json::{json, Value as Json};
use std::cell::Cell;
use std::io::{BufReader, Read};
use std::rc::Rc;

/// The same seven users in every format.
const FIXTURES: [&str; 6] = [
    "tests/impact/portal-users.csv",
    "tests/impact/documented-users.csv",
    "tests/impact/titles-users.csv",
    "tests/impact/graph-users.json",
    "tests/impact/users.json",
    "tests/impact/users.jsonl",
];

fn webex() -> Mapping {
    presets::load("webex").unwrap()
}

/// The webex preset with its user object mapping edited by `edit`.
fn webex_edited(edit: impl FnOnce(&mut Json)) -> Mapping {
    let mut schema = webex().schema.to_json();
    edit(&mut schema["synchronizationRules"][0]["objectMappings"][0]);
    Mapping::from_json(&schema).unwrap()
}

fn set_source(user_mapping: &mut Json, target: &str, expression: &str) {
    let attrs = user_mapping["attributeMappings"].as_array_mut().unwrap();
    let a = attrs
        .iter_mut()
        .find(|a| a["targetAttributeName"] == target)
        .unwrap();
    a["source"] = json!({"expression": expression, "type": "Function"});
}

fn options() -> ImpactOptions {
    ImpactOptions {
        object: Some("User".into()),
        from_name: "preset:webex".into(),
        to_name: "edited".into(),
        now: Some("2024-01-02T03:04:05Z".parse().unwrap()),
        ..ImpactOptions::default()
    }
}

fn open(path: &str) -> BufReader<std::fs::File> {
    BufReader::new(std::fs::File::open(path).unwrap())
}

fn run(from: &Mapping, to: &Mapping, path: &str) -> Summary {
    let mut impact = Impact::new(from, to, &options()).unwrap();
    run_reader(&mut impact, open(path), None, None).unwrap();
    impact.finish()
}

fn finding(s: &Summary, kind: Kind) -> &scimmap::mapping::impact::Finding {
    s.findings.iter().find(|f| f.kind == kind).unwrap()
}

fn user_mail() -> Mapping {
    webex_edited(|m| set_source(m, "userName", "[mail]"))
}

#[test]
fn every_format_reads_the_same_seven_users() {
    let key = |u: &Json| {
        json!([
            u["userPrincipalName"],
            u["objectId"],
            u["givenName"],
            u["accountEnabled"],
            u["IsSoftDeleted"],
            u["department"],
            u.get("telephoneNumber"),
            u.get("mobile"),
            u.get("physicalDeliveryOfficeName"),
        ])
    };
    let mut seen: Vec<Vec<Json>> = Vec::new();
    for path in FIXTURES {
        let records: Vec<Json> = users(open(path), None).map(Result::unwrap).collect();
        assert_eq!(records.len(), 7, "{path}");
        seen.push(records.iter().map(key).collect());
    }
    for (path, keys) in FIXTURES.iter().zip(&seen).skip(1) {
        assert_eq!(keys, &seen[0], "{path} differs from {}", FIXTURES[0]);
    }
    let portal: Vec<Json> = users(open(FIXTURES[0]), None).map(Result::unwrap).collect();
    // The byte order mark is not part of the first header; quoted fields keep their commas
    // and quotes; booleans become booleans; unknown columns stay under their header.
    assert_eq!(portal[0]["userPrincipalName"], "ada.lovelace@contoso.com");
    assert_eq!(portal[1]["streetAddress"], "10 King's Road, Flat 2");
    assert_eq!(portal[4]["displayName"], "Barbara \"Babs\" Liskov");
    assert_eq!(portal[4]["jobTitle"], "Professor, Emerita");
    assert_eq!(portal[3]["accountEnabled"], false);
    assert_eq!(portal[3]["IsSoftDeleted"], true);
    assert_eq!(portal[0]["createdDateTime"], "8/19/2021 1:25:31 PM");
    assert_eq!(portal[0]["identityIssuer"], "contoso.onmicrosoft.com");
    assert!(
        portal[0].get("mobile").is_none(),
        "a blank cell is no value"
    );
}

#[test]
fn explicit_formats_and_detection_agree() {
    for (path, format) in [
        ("tests/impact/portal-users.csv", Format::Csv),
        ("tests/impact/graph-users.json", Format::Graph),
        ("tests/impact/users.json", Format::Json),
        ("tests/impact/users.jsonl", Format::Jsonl),
    ] {
        let given: Vec<Json> = users(open(path), Some(format))
            .map(Result::unwrap)
            .collect();
        let detected: Vec<Json> = users(open(path), None).map(Result::unwrap).collect();
        assert_eq!(given, detected, "{path}");
    }
    // A JSON array read as Graph pages is an error, not zero users.
    let e = users(open("tests/impact/users.jsonl"), Some(Format::Graph))
        .next()
        .unwrap()
        .unwrap_err();
    assert!(e.message.contains("Graph page"), "{e}");
}

#[test]
fn a_new_matching_source_is_the_dangerous_finding_listed_first() {
    for path in FIXTURES {
        let s = run(&webex(), &user_mail(), path);
        assert_eq!(s.users, 7, "{path}");
        let first = &s.findings[0];
        assert_eq!(first.kind, Kind::MatchingChanged, "{path}");
        assert_eq!(first.severity, Severity::Dangerous);
        // Alan's mail differs from his UPN; the service account has no mail at all.
        // Edsger is disabled (never provisioned); the others' mail is their UPN.
        assert_eq!(first.count, 2, "{path}: {s:#?}");
        assert_eq!((s.changed, s.unchanged), (2, 5));
        let alan = &first.examples[0];
        assert_eq!(alan.user, "alan.turing@contoso.com");
        assert_eq!(
            alan.before,
            Some(json!("userName eq \"alan.turing@contoso.com\""))
        );
        assert_eq!(
            alan.after,
            Some(json!("userName eq \"aturing@mail.contoso.com\""))
        );
        assert!(
            alan.detail.contains("creates a second user"),
            "{}",
            alan.detail
        );
        let svc = &first.examples[1];
        assert_eq!(svc.user, "svc-scanner@contoso.onmicrosoft.com");
        assert!(svc.detail.contains("no matching value"), "{}", svc.detail);
        assert!(s.dangerous());
        let user_name = &s.attributes[0];
        assert_eq!(
            (
                user_name.target.as_str(),
                user_name.users,
                user_name.changed,
                user_name.dropped
            ),
            ("userName", 2, 1, 1)
        );
        assert_eq!(user_name.examples[1].detail, "dropped");
    }
}

#[test]
fn matching_on_another_attribute_the_app_already_holds_is_not_dangerous() {
    // externalId is mapped from objectId in both: matching on it finds the user.
    let to = webex_edited(|m| {
        for a in m["attributeMappings"].as_array_mut().unwrap() {
            let target = a["targetAttributeName"].as_str().unwrap().to_string();
            a["matchingPriority"] = json!(i32::from(target == "externalId"));
        }
    });
    let s = run(&webex(), &to, "tests/impact/users.json");
    assert_eq!(finding(&s, Kind::MatchingChanged).count, 0, "{s:#?}");
    assert_eq!(s.changed, 0);
    assert!(!s.dangerous());
}

#[test]
fn a_scoping_filter_moves_users_out_of_scope() {
    let to = webex_edited(|m| {
        m["scope"] = json!({"groups": [{"name": "employees", "clauses": [{
            "operatorName": "NOT EQUALS", "sourceOperandName": "department",
            "targetOperand": {"values": ["Contractors"]}}]}]});
    });
    let s = run(&webex(), &to, "tests/impact/portal-users.csv");
    let leaving = finding(&s, Kind::LeavingScope);
    // Grace works for "Contractors"; the service account has no department, and NOT
    // EQUALS does not hold on a missing value.
    assert_eq!(leaving.count, 2);
    assert_eq!(
        leaving.examples[1].user,
        "svc-scanner@contoso.onmicrosoft.com"
    );
    assert_eq!(leaving.severity, Severity::Warning);
    assert_eq!(leaving.examples[0].user, "grace.hopper@contoso.com");
    assert!(leaving.examples[0]
        .detail
        .contains("department NOT EQUALS Contractors"));
    assert!(!s.dangerous());
    // The other way round, Grace enters scope.
    let back = run(&to, &webex(), "tests/impact/portal-users.csv");
    assert_eq!(finding(&back, Kind::EnteringScope).count, 2);
}

#[test]
fn an_expression_that_fails_is_a_new_error() {
    let to = webex_edited(|m| {
        set_source(
            m,
            "title",
            r#"FormatDateTime([jobTitle], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
        )
    });
    let s = run(&webex(), &to, "tests/impact/graph-users.json");
    let errors = finding(&s, Kind::NewError);
    assert_eq!(s.findings[0].kind, Kind::NewError);
    assert_eq!(errors.severity, Severity::Dangerous);
    // Every user with a job title but Edsger, who is disabled: Entra skips him before
    // evaluating the mapping.
    assert_eq!(errors.count, 5, "{s:#?}");
    assert!(
        errors.examples[0]
            .detail
            .contains("does not match the format"),
        "{}",
        errors.examples[0].detail
    );
    let fixed = run(&to, &webex(), "tests/impact/graph-users.json");
    assert_eq!(finding(&fixed, Kind::ErrorFixed).count, 5);
    assert!(!fixed.dangerous());
}

#[test]
fn changed_attributes_list_the_patch_and_the_values() {
    let to = webex_edited(|m| set_source(m, "title", "ToUpper([jobTitle])"));
    let s = run(&webex(), &to, "tests/impact/users.jsonl");
    let changed = finding(&s, Kind::AttributesChanged);
    assert_eq!(changed.count, 5);
    let ex = &changed.examples[0];
    assert_eq!(ex.detail, "PATCH Replace title");
    assert_eq!(ex.before, Some(json!({"title": "Analyst"})));
    assert_eq!(ex.after, Some(json!({"title": "ANALYST"})));
    assert_eq!(s.attributes.len(), 1);
    assert_eq!(s.attributes[0].changed, 5);
}

#[test]
fn an_unchanged_mapping_changes_nothing() {
    for path in FIXTURES {
        let s = run(&webex(), &webex(), path);
        assert_eq!((s.users, s.changed, s.unchanged), (7, 0, 7), "{path}");
        assert!(s.attributes.is_empty());
        assert_eq!(s.findings.len(), Kind::ALL.len(), "every kind is listed");
        assert!(s.findings.iter().all(|f| f.count == 0));
        assert!(!s.dangerous());
    }
}

#[test]
fn the_summary_serialises_in_camel_case() {
    let s = run(&webex(), &user_mail(), "tests/impact/users.json");
    let j = serde_json::to_value(&s).unwrap();
    assert_eq!(j["findings"][0]["kind"], "matchingChanged");
    assert_eq!(j["findings"][0]["severity"], "dangerous");
    assert_eq!(j["from"], "preset:webex");
    for member in [
        "to",
        "object",
        "users",
        "unchanged",
        "changed",
        "attributes",
        "notes",
    ] {
        assert!(j.get(member).is_some(), "{member}");
    }
    let kinds: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 7);
    for k in [
        "matchingChanged",
        "newError",
        "leavingScope",
        "enteringScope",
        "attributesChanged",
        "errorFixed",
        "errorChanged",
    ] {
        assert!(kinds.contains(&k), "{k}");
    }
}

fn first_error(text: &str, format: Option<Format>) -> InputError {
    users(text.as_bytes(), format)
        .find_map(Result::err)
        .expect("an error")
}

#[test]
fn malformed_input_names_the_record_and_line() {
    let e = first_error("[\n {\"a\": 1},\n {\"b\": 2},\n {\"c\": }\n]", None);
    assert_eq!((e.record, e.line), (Some(3), Some(4)), "{e}");
    assert!(
        e.to_string().starts_with("record 3 (line 4): invalid JSON"),
        "{e}"
    );

    let e = first_error("{\"a\": 1}\n{\"b\": 2\n", None);
    assert_eq!(e.record, Some(2), "{e}");

    let e = first_error("userPrincipalName,mail\na@x,a@x\nb@x\n", None);
    assert_eq!((e.record, e.line), (Some(2), Some(3)), "{e}");
    assert!(e.message.contains("1 fields where the header has 2"), "{e}");

    let e = first_error("[{\"a\": 1}, \"ada\"]", None);
    assert!(e.message.contains("found a string"), "{e}");

    let e = first_error("[{\"a\": 1}] {\"b\": 2}", None);
    assert!(e.message.contains("after the array"), "{e}");

    let e = first_error("{\"@odata.context\": \"x\", \"value\": {\"id\": 1}}", None);
    assert!(e.message.contains("must be an array"), "{e}");

    // After an error the reader stops.
    let all: Vec<_> = users("[{\"a\": 1}, x, {\"b\": 2}]".as_bytes(), None).collect();
    assert_eq!(all.len(), 2);
    assert!(all[1].is_err());
}

#[test]
fn empty_input_is_no_user() {
    for text in ["", "  \n\n", "[]", "[ ]\n", "\u{feff}"] {
        assert_eq!(users(text.as_bytes(), None).count(), 0, "{text:?}");
    }
    let mut impact = Impact::new(&webex(), &webex(), &options()).unwrap();
    assert_eq!(
        run_reader(&mut impact, "".as_bytes(), None, None).unwrap(),
        0
    );
    assert_eq!(impact.finish().users, 0);
}

/// JSON Lines of `count` users made on demand, counting the bytes handed out.
struct Generated {
    next: usize,
    count: usize,
    line: Vec<u8>,
    at: usize,
    produced: Rc<Cell<u64>>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            if self.next == self.count {
                return Ok(0);
            }
            let i = self.next;
            self.next += 1;
            self.line = format!(
                "{{\"userPrincipalName\":\"user{i}@contoso.com\",\"mail\":\"{}@contoso.com\",\"accountEnabled\":true}}\n",
                if i % 10 == 0 { format!("u{i}") } else { format!("user{i}") }
            )
            .into_bytes();
            self.at = 0;
        }
        let n = buf.len().min(self.line.len() - self.at);
        buf[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        self.produced.set(self.produced.get() + n as u64);
        Ok(n)
    }
}

fn generated(count: usize, produced: &Rc<Cell<u64>>) -> BufReader<Generated> {
    BufReader::with_capacity(
        8192,
        Generated {
            next: 0,
            count,
            line: Vec::new(),
            at: 0,
            produced: Rc::clone(produced),
        },
    )
}

fn compact(expr: &str) -> Mapping {
    Mapping::from_json(&json!({"object": "User",
        "mappings": {"userName": {"expr": expr, "matching": 1}}}))
    .unwrap()
}

#[test]
fn two_hundred_thousand_users_stream_through() {
    const COUNT: usize = 200_000;
    let produced = Rc::new(Cell::new(0));
    let (from, to) = (compact("[userPrincipalName]"), compact("[mail]"));
    let mut impact = Impact::new(&from, &to, &options()).unwrap();
    // Each user line is under 120 bytes: the reader never holds more than its buffer
    // ahead of the users it has handed over.
    let mut checked = 0;
    let mut check = |n: usize| {
        assert!(
            produced.get() <= (n as u64 + 1) * 120 + 8192,
            "{} bytes read for {n} users",
            produced.get()
        );
        checked += 1;
    };
    let input = generated(COUNT, &produced);
    let n =
        run_reader_parallel(&mut impact, input, Some(Format::Jsonl), 2, Some(&mut check)).unwrap();
    assert_eq!(n, COUNT);
    assert!(checked >= COUNT / 1024);
    let s = impact.finish();
    assert_eq!(s.users, COUNT);
    let matching = finding(&s, Kind::MatchingChanged);
    assert_eq!(matching.count, COUNT / 10);
    let first: Vec<&str> = matching.examples.iter().map(|e| e.user.as_str()).collect();
    assert_eq!(
        first,
        [
            "user0@contoso.com",
            "user10@contoso.com",
            "user20@contoso.com"
        ]
    );
}

#[test]
fn threads_give_the_same_summary_as_one() {
    let (from, to) = (compact("[userPrincipalName]"), compact("[mail]"));
    let produced = Rc::new(Cell::new(0));
    let opts = ImpactOptions {
        examples: 5,
        ..options()
    };
    let mut one = Impact::new(&from, &to, &opts).unwrap();
    run_reader(&mut one, generated(3000, &produced), None, None).unwrap();
    let mut many = Impact::new(&from, &to, &opts).unwrap();
    run_reader_parallel(&mut many, generated(3000, &produced), None, 3, None).unwrap();
    assert_eq!(one.finish(), many.finish());
    // An input error stops both after the same users.
    let text = "{\"userPrincipalName\": \"a@x\"}\n".repeat(1500) + "{\"b\": }\n";
    let mut many = Impact::new(&from, &to, &opts).unwrap();
    let e = run_reader_parallel(&mut many, text.as_bytes(), None, 2, None).unwrap_err();
    assert_eq!(e.record, Some(1501));
    assert_eq!(many.users(), 1500);
}

fn scimmap(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    common::outcome(&common::run(args, stdin.unwrap_or_default()))
}

#[test]
fn the_command_reports_dangerous_changes_first_and_exits_1() {
    let (code, out, err) = scimmap(
        &[
            "impact",
            "--from",
            "preset:webex",
            "--to",
            "tests/impact/webex-edited.json",
            "--users",
            "tests/impact/portal-users.csv",
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    let table: Vec<&str> = out.lines().collect();
    assert!(
        table[0].starts_with(
            "Impact of preset:webex → tests/impact/webex-edited.json on 7 User objects"
        ),
        "{out}"
    );
    let first_row = table
        .iter()
        .position(|l| l.starts_with("SEVERITY"))
        .unwrap()
        + 1;
    assert!(
        table[first_row].starts_with("dangerous  matchingChanged"),
        "{out}"
    );
    assert!(out.contains("leavingScope"), "{out}");
    assert!(out.contains("grace.hopper@contoso.com"), "{out}");
}

#[test]
fn the_command_prints_json_and_reads_stdin() {
    let users = std::fs::read("tests/impact/graph-users.json").unwrap();
    let (code, out, err) = scimmap(
        &[
            "impact",
            "--from",
            "preset:webex",
            "--to",
            "preset:webex",
            "--users",
            "-",
            "--json",
        ],
        Some(&users),
    );
    assert_eq!(code, 0, "{err}");
    let s: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(s["users"], 7);
    assert_eq!(s["changed"], 0);
    assert_eq!(s["findings"].as_array().unwrap().len(), 7);
}

#[test]
fn the_command_exits_2_for_unreadable_input() {
    let base = ["impact", "--from", "preset:webex", "--to", "preset:webex"];
    let with = |rest: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(rest);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>, stdin: Option<&[u8]>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        scimmap(&refs, stdin)
    };
    let (code, _, err) = run(with(&["--users", "/nonexistent/users.csv"]), None);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read `/nonexistent/users.csv`"),
        "{err}"
    );

    let (code, _, err) = run(with(&["--users", "-"]), Some(b"[{\"a\": 1},\n{\"b\": ]"));
    assert_eq!(code, 2);
    assert!(
        err.contains("--users standard input: record 2 (line 2): invalid JSON"),
        "{err}"
    );

    let (code, _, err) = run(
        vec![
            "impact".into(),
            "--from".into(),
            "preset:nope".into(),
            "--to".into(),
            "preset:webex".into(),
            "--users".into(),
            "tests/impact/users.json".into(),
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--from: unknown preset `nope`"), "{err}");

    let (code, _, err) = run(
        with(&["--users", "tests/impact/users.json", "--format", "xml"]),
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");

    let (code, _, err) = run(
        with(&["--users", "tests/impact/users.json", "--object", "Device"]),
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no object mapping for `Device`"), "{err}");
}
