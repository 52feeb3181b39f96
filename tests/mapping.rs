//! Mapping engine: Graph import/export, compact form, apply, scoping, matching,
//! simulation, lint and the CLI functions (issue 5).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::EvalOptions;
use scimmap::mapping::cli;
use scimmap::mapping::lint::lint;
use scimmap::mapping::scope;
use scimmap::mapping::simulate::{matching_queries, simulate, Options};
use scimmap::mapping::{presets, Action, Mapping, Mode, SynchronizationSchema};
use serde_json::{json, Value as Json};

const SAMPLE: &str = include_str!("fixtures/graph-schema-sample.json");

fn preset(name: &str) -> Mapping {
    presets::find(name).unwrap().load().unwrap()
}

#[test]
fn graph_sample_round_trips_and_applies() {
    let original: Json = serde_json::from_str(SAMPLE).unwrap();
    let schema = SynchronizationSchema::from_json(&original).unwrap();
    // Lossless: `"defaultValue": null`, `"source": null`, unknown members all survive.
    assert_eq!(schema.to_json(), original);
    let mapping = Mapping::from_json(&original).unwrap();
    let user = json!({"userPrincipalName": "adele.vance@contoso.com", "IsSoftDeleted": false,
                      "preferredLanguage": "en-US", "dirSyncEnabled": true});
    let created = mapping.apply(&user, Some("User"), Mode::Create).unwrap();
    assert_eq!(created["IsActive"], json!(true));
    assert_eq!(created["Alias"], "adele.va");
    assert_eq!(created["LocaleSidKey"], "en_US");
    assert_eq!(
        created["EmailEncodingKey"], "ISO-8859-1",
        "default of a None mapping on create"
    );
    assert_eq!(
        created["Username"], "adele.vance@contoso.com",
        "non-SCIM target names kept"
    );
    let updated = mapping.apply(&user, Some("User"), Mode::Update).unwrap();
    assert!(
        updated.get("EmailEncodingKey").is_none(),
        "no default on update"
    );
    // Applying does not touch the model: it still exports equal.
    assert_eq!(mapping.schema.to_json(), original);
    let in_scope = scope::evaluate(mapping.schema.object_mapping(None).unwrap().scope(), &user);
    assert!(in_scope.in_scope, "{}", in_scope.reason);
    let out = scope::evaluate(
        mapping.schema.object_mapping(None).unwrap().scope(),
        &json!({"dirSyncEnabled": false}),
    );
    assert!(!out.in_scope);
    assert!(
        out.reason.contains("dirSyncEnabled EQUALS True"),
        "{}",
        out.reason
    );
}

#[test]
fn compact_form_compiles_to_the_graph_model() {
    let compact = json!({"object": "User", "mappings": {
        "userName": {"expr": "[userPrincipalName]", "matching": 1},
        "active": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
        "title": {"expr": "[jobTitle]", "default": "Staff", "flow": "create"}
    }, "scope": [["department EQUALS Sales", "accountEnabled IS TRUE"], "userType NOT EQUALS Guest"]});
    let m = Mapping::from_json(&compact).unwrap();
    let om = m.schema.object_mapping(Some("User")).unwrap();
    let webex = preset("webex");
    let wom = webex.schema.object_mapping(Some("User")).unwrap();
    // The same attribute mappings as the Graph-shaped preset, member for member.
    assert_eq!(om.attribute_mappings[0], wom.attribute_mappings[0]);
    assert_eq!(om.attribute_mappings[1], wom.attribute_mappings[1]);
    let title = &om.attribute_mappings[2];
    assert_eq!(title.flow_type.as_deref(), Some("ObjectAddOnly"));
    assert_eq!(title.default(), Some("Staff"));
    let groups = om.scope().unwrap().groups.as_ref().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].clauses[1].operator_name, "IS TRUE");
    assert_eq!(groups[1].clauses[0].operator_name, "NOT EQUALS");
    // Export is a valid Graph schema that imports back equal.
    let exported = m.schema.to_json();
    assert_eq!(
        SynchronizationSchema::from_json(&exported).unwrap(),
        m.schema
    );
}

#[test]
fn apply_value_paths_extensions_references_and_booleans() {
    let m = Mapping::from_json(&json!({"object": "User", "mappings": {
        "userName": "[userPrincipalName]",
        "active": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
        "addresses[type eq \"work\"].locality": "[city]",
        "addresses[type eq \"work\"].postalCode": "[postalCode]",
        "emails[type eq \"other\"].Value": "[proxyAddresses]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "[manager]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "[department]",
        "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:externalIds[authority eq \"microsoftteams\"].value": "[objectId]",
        "nickName": "IgnoreFlowIfNullOrEmpty([mailNickname])",
        "title": {"expr": "[jobTitle]", "default": "Staff"},
        "displayName": {"expr": "[displayName]", "flow": "create"}
    }})).unwrap();
    let user = json!({"userPrincipalName": "a@x", "IsSoftDeleted": "False", "city": "Paris",
        "postalCode": "75001", "proxyAddresses": ["SMTP:a@x", "smtp:b@x"],
        "manager": {"id": "m-1"}, "objectId": "o-1", "mailNickname": "", "displayName": "A"});
    let c = m.apply(&user, None, Mode::Create).unwrap();
    assert_eq!(
        c["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"
        ])
    );
    assert_eq!(c["active"], json!(true));
    assert_eq!(
        c["addresses"],
        json!([{"type": "work", "locality": "Paris", "postalCode": "75001"}])
    );
    assert_eq!(c["emails"], json!([{"type": "other", "value": "SMTP:a@x"}]));
    let ent = &c["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["manager"], json!({"value": "m-1"}));
    assert!(ent.get("department").is_none(), "null is not sent");
    assert_eq!(
        c["urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"]["externalIds"],
        json!([{"authority": "microsoftteams", "value": "o-1"}])
    );
    assert!(
        c.get("nickName").is_none(),
        "IgnoreFlow drops the attribute"
    );
    assert_eq!(c["title"], "Staff");
    assert_eq!(c["displayName"], "A");
    let u = m.apply(&user, None, Mode::Update).unwrap();
    assert!(u.get("title").is_none() && u.get("displayName").is_none());
}

#[test]
fn scoping_operators() {
    let user = json!({"department": "Sales", "upn": "a.b@contoso.com", "level": "42",
        "enabled": true, "code": "15", "empty": "", "tags": ["x", "y"]});
    let check = |clause: &str| {
        let c = scimmap::mapping::compact::parse_clause(clause).unwrap();
        let f = scimmap::mapping::model::Filter {
            groups: Some(vec![scimmap::mapping::model::FilterGroup {
                clauses: vec![c],
                ..Default::default()
            }]),
            ..Default::default()
        };
        scope::evaluate(Some(&f), &user).in_scope
    };
    let cases = [
        ("department EQUALS Sales", true),
        ("department EQUALS sales", false),
        ("department NOT EQUALS Sales", false),
        ("missing NOT EQUALS Sales", false),
        ("enabled IS TRUE", true),
        ("enabled IS FALSE", false),
        ("missing IS NULL", true),
        ("empty IS NULL", true),
        ("department IS NULL", false),
        ("department IS NOT NULL", true),
        ("missing IS NOT NULL", false),
        (r"upn REGEX MATCH .*\@contoso.com", true),
        ("upn REGEX MATCH contoso", false),
        ("code REGEX MATCH ([1-9][0-9])", true),
        ("level REGEX MATCH [1-9]", false),
        (r"upn NOT REGEX MATCH .*\@fabrikam.com", true),
        ("missing NOT REGEX MATCH x", false),
        ("level Greater_Than 41", true),
        ("level Greater_Than 42", false),
        ("level Greater_Than_OR_EQUALS 42", true),
        ("department Greater_Than 1", false),
        ("level Less_Than 50", true),
        ("level Less_Than_OR_EQUALS 41", false),
        ("upn Includes contoso", true),
        ("upn Includes Contoso", false),
        ("department & Sales,Marketing", true),
        ("department !& Sales,Marketing", false),
        ("department !& Finance", true),
        ("upn ENDS_WITH .com", true),
        ("upn ENDS_WITH .org", false),
        ("tags EQUALS y", true),
        ("department IS MEMBER OF x", false),
    ];
    for (c, want) in cases {
        assert_eq!(check(c), want, "{c}");
    }
}

#[test]
fn matching_filter_in_priority_order() {
    let m = Mapping::from_json(&json!({"object": "User", "mappings": {
        "externalId": {"expr": "[objectId]", "matching": 2},
        "userName": {"expr": "[userPrincipalName]", "matching": 1},
        "emails[type eq \"work\"].value": {"expr": "[mail]", "matching": 3}
    }}))
    .unwrap();
    let c = m.compile(None).unwrap();
    let q = matching_queries(
        &c,
        &json!({"userPrincipalName": "a\"b@x", "mail": "m@x"}),
        &EvalOptions::default(),
    )
    .unwrap();
    let filters: Vec<&str> = q.iter().map(|r| r.filter.as_deref().unwrap()).collect();
    assert_eq!(
        filters,
        [
            "userName eq \"a\\\"b@x\"",
            "emails[type eq \"work\"].value eq \"m@x\""
        ]
    );
    assert_eq!(
        q[0].path,
        "/Users?filter=userName%20eq%20%22a%5C%22b%40x%22"
    );
}

#[test]
fn simulation_actions() {
    let m = preset("webex");
    let c = m.compile(Some("User")).unwrap();
    let user = json!({"userPrincipalName": "a@x", "IsSoftDeleted": false, "displayName": "A",
        "jobTitle": "Dev", "mobile": "+1 555"});
    let o = Options::default();
    let create = simulate(&c, &user, None, &o).unwrap();
    assert_eq!(create.action, Action::Create);
    assert_eq!(create.requests[0].method, "POST");
    assert_eq!(
        create.requests[0].body.as_ref().unwrap()["meta"],
        json!({"resourceType": "User"})
    );
    let current = json!({"id": "u1", "userName": "a@x", "active": true, "displayName": "Old",
        "title": "Dev", "name": {"givenName": "Q"}});
    let up = simulate(&c, &user, Some(&current), &o).unwrap();
    assert_eq!(up.action, Action::Update);
    assert_eq!(up.requests[0].path, "/Users/u1");
    assert_eq!(
        up.requests[0].body.as_ref().unwrap()["Operations"],
        json!([
        {"op": "Replace", "path": "displayName", "value": "A"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}])
    );
    let flagged = Options {
        aad_opt_scim062020: true,
        ..Options::default()
    };
    let user2 = json!({"userPrincipalName": "a@x", "displayName": "A", "jobTitle": "Lead", "mobile": "+1 555"});
    let up2 = simulate(&c, &user2, Some(&current), &flagged).unwrap();
    assert_eq!(
        up2.requests[0].body.as_ref().unwrap()["Operations"],
        json!([
        {"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
        {"op": "replace", "value": {"displayName": "A", "title": "Lead"}}])
    );
    let soft = json!({"userPrincipalName": "a@x", "IsSoftDeleted": true});
    let dis = simulate(&c, &soft, Some(&current), &o).unwrap();
    assert_eq!(dis.action, Action::Disable);
    assert_eq!(
        dis.requests[0].body.as_ref().unwrap()["Operations"],
        json!([{"op": "Replace", "path": "active", "value": "False"}])
    );
    let dis2 = simulate(&c, &soft, Some(&current), &flagged).unwrap();
    assert_eq!(
        dis2.requests[0].body.as_ref().unwrap()["Operations"],
        json!([{"op": "replace", "path": "active", "value": false}])
    );
    assert_eq!(simulate(&c, &soft, None, &o).unwrap().action, Action::Skip);
    let del = Options {
        hard_deleted: true,
        ..Options::default()
    };
    let d = simulate(&c, &user, Some(&current), &del).unwrap();
    assert_eq!(
        (d.action, d.requests[0].method, d.requests[0].path.as_str()),
        (Action::Delete, "DELETE", "/Users/u1")
    );
    let same = json!({"id": "u1", "userName": "a@x", "active": true, "displayName": "A", "title": "Dev",
        "phoneNumbers": [{"type": "mobile", "value": "+1 555"}]});
    assert_eq!(
        simulate(&c, &user, Some(&same), &o).unwrap().action,
        Action::Skip
    );
}

#[test]
fn scoped_out_user_is_disabled_or_skipped_with_reason() {
    let m = Mapping::from_json(&json!({"object": "User", "mappings": {
        "userName": {"expr": "[userPrincipalName]", "matching": 1},
        "active": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")"
    }, "scope": [["department EQUALS Sales"]]}))
    .unwrap();
    let c = m.compile(None).unwrap();
    let r = simulate(
        &c,
        &json!({"userPrincipalName": "a@x", "department": "HR"}),
        None,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(r.action, Action::Skip);
    assert!(r.reason.contains("department EQUALS Sales"), "{}", r.reason);
    let r = simulate(
        &c,
        &json!({"userPrincipalName": "a@x", "department": "HR"}),
        Some(&json!({"id": "1", "active": true})),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(r.action, Action::Disable);
}

#[test]
fn groups_members_and_genesys_cannot_create_groups() {
    let m = preset("generic");
    let c = m.compile(Some("Group")).unwrap();
    let g = json!({"displayName": "Sales", "objectId": "g1", "members": [{"id": "u1"}, "u2"]});
    let r = simulate(&c, &g, None, &Options::default()).unwrap();
    assert_eq!(
        r.requests[0].body.as_ref().unwrap().get("members"),
        None,
        "created empty"
    );
    assert_eq!(
        r.requests[1].body.as_ref().unwrap()["Operations"],
        json!([{"op": "Add", "path": "members",
        "value": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u2"}]}])
    );
    assert_eq!(
        r.matching[0].filter.as_deref(),
        Some("displayName eq \"Sales\"")
    );
    assert!(r.matching[0]
        .path
        .starts_with("/Groups?excludedAttributes=members&filter="));
    let current = json!({"id": "G", "displayName": "Sales", "externalId": "g1", "members": [{"value": "u1"}, {"value": "u3"}]});
    let r = simulate(&c, &g, Some(&current), &Options::default()).unwrap();
    assert_eq!(
        r.requests[0].body.as_ref().unwrap()["Operations"],
        json!([
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u2"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "u3"}]}])
    );
    let flagged = Options {
        aad_opt_scim062020: true,
        ..Options::default()
    };
    let r = simulate(&c, &g, Some(&current), &flagged).unwrap();
    assert_eq!(
        r.requests[0].body.as_ref().unwrap()["Operations"][1],
        json!({"op": "remove", "path": "members[value eq \"u3\"]"})
    );
    let gen = preset("genesys");
    assert!(!gen.capability("Group", "create") && !gen.capability("Group", "delete"));
    assert!(gen.capability("User", "create"));
}

fn codes(v: &Json) -> Vec<&'static str> {
    let m = Mapping::from_json(v).unwrap();
    lint(&m.schema).iter().map(|f| f.diagnostic.code).collect()
}

#[test]
fn lint_catches_pasted_mistakes() {
    let bad = json!({"object": "User", "mappings": {
        "userName": {"expr": "[userPrincipalName]", "matching": 1, "flow": "create"},
        "phoneNumberss[type eq \"work3\"].value": "[telephoneNumber]",
        "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:externalIds[authority eq ‘zoomphone].value": "[mail]",
        "emails[type eq \"work\".value": "[mail]",
        "name.givenNme": "[givenName]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:departmnt": "[department]",
        "USERNAME": "[mail]",
        "nickName": "Join(\"@\", SelectUniqueValue([a], [b]))",
        "title": "[JobTitle]",
        "displayName": "Join(“ ”, [givenName], [surname])"
    }});
    let found = codes(&bad);
    for want in [
        "create-only-matching",
        "unknown-target-attribute",
        "typographic-quote",
        "invalid-target-path",
        "duplicate-target",
        "nested-select-unique-value",
        "unknown-source-attribute",
    ] {
        assert!(found.contains(&want), "{want} not in {found:?}");
    }
    let m = Mapping::from_json(&bad).unwrap();
    let findings = lint(&m.schema);
    let phone = findings
        .iter()
        .find(|f| f.target.starts_with("phoneNumberss"))
        .unwrap();
    assert_eq!(
        phone.diagnostic.help.as_deref(),
        Some("did you mean `phoneNumbers`?")
    );
    let zoom = findings
        .iter()
        .find(|f| f.target.contains("zoomphone"))
        .unwrap();
    assert!(zoom
        .diagnostic
        .help
        .as_deref()
        .unwrap()
        .contains("[authority eq \"zoomphone\"]"));
    let title = findings.iter().find(|f| f.target == "title").unwrap();
    assert!(title
        .diagnostic
        .help
        .as_deref()
        .unwrap()
        .contains("[jobTitle]"));
    for p in presets::PRESETS {
        let m = p.load().unwrap();
        let errs: Vec<String> = lint(&m.schema).iter().map(|f| f.render()).collect();
        assert!(errs.is_empty(), "preset {}: {errs:?}", p.name);
    }
}

fn read(files: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Result<String, String> {
    move |n| {
        files
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.to_string())
            .ok_or(format!("{n}: not found"))
    }
}

/// Runs a mapping command line against in-memory files.
fn run(argv: &[&str], read: &dyn Fn(&str) -> Result<String, String>) -> scimmap::cli::Output {
    use scimmap::cli::Command;
    let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    match scimmap::cli::parse(&argv).unwrap().command {
        Command::Map(a) => cli::map(&a, read),
        Command::Check(a) => {
            let m = cli::MappingSource::of_check(&a).unwrap();
            cli::check(&m, a.json_errors, read)
        }
        Command::Presets => cli::presets(),
        other => panic!("not a mapping command: {other:?}"),
    }
}

#[test]
fn cli_map_check_presets() {
    static FILES: &[(&str, &str)] = &[
        ("user.json", r#"{"userPrincipalName": "z@x", "IsSoftDeleted": false, "usageLocation": "FR", "city": "Lyon",
            "streetAddress": "1 rue", "state": "ARA", "postalCode": "69001"}"#),
        ("bad.json", "{\"object\": \"User\", \"mappings\": {\"phoneNumberss[type eq \\\"work3\\\"].value\": \"[mobile]\", \"urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:externalIds[authority eq ‘zoomphone].value\": \"[mail]\"}}"),
        ("broken.json", "{"),
    ];
    let r = read(FILES);
    let out = run(
        &[
            "map",
            "--preset",
            "webex",
            "--input",
            "user.json",
            "--mode",
            "create",
        ],
        &r,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Json = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["addresses"],
        json!([{"type": "work", "country": "FR", "locality": "Lyon",
        "streetAddress": "1 rue", "region": "ARA", "postalCode": "69001"}])
    );
    let out = run(&["check", "--schema", "bad.json"], &r);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("did you mean `phoneNumbers`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("[authority eq \"zoomphone\"]"),
        "{}",
        out.stderr
    );
    assert_eq!(run(&["check", "--preset", "genesys"], &r).code, 0);
    assert_eq!(run(&["check", "--schema", "broken.json"], &r).code, 2);
    assert_eq!(run(&["check", "--schema", "missing.json"], &r).code, 2);
    assert_eq!(run(&["map", "--preset", "nope"], &r).code, 2);
    let sim = run(
        &[
            "map",
            "--preset",
            "webex",
            "--input",
            "user.json",
            "--simulate",
        ],
        &r,
    );
    let v: Json = serde_json::from_str(&sim.stdout).unwrap();
    assert_eq!(v["action"], "create");
    let list = cli::presets();
    for p in ["chatwork", "generic", "genesys", "timeclock365", "webex"] {
        assert!(list.stdout.contains(p));
    }
}

#[test]
fn targets_are_scim_paths_typed_from_the_scim_schemas() {
    use scimmap::mapping::target::parse_target;
    use scimmap::mapping::Kind;
    use scimmap::scim::schema::ENTERPRISE_USER;
    let p = parse_target(r#"emails[type eq "work"].value"#).unwrap();
    assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
    let e = parse_target(r#"emails[type ne "work"].value"#).unwrap_err();
    assert_eq!(e.code, "invalid-target-path");
    assert!(e.message.contains("`type eq"), "{}", e.message);
    assert!(parse_target(r#"emails[type eq "a" or type eq "b"].value"#).is_err());
    let s = scimmap::scim::Schemas::core();
    let kind =
        |urn: Option<&str>, name: &str| Kind::of(s.attribute(urn, name).map(|(d, _)| d).unwrap());
    assert_eq!(kind(Some(ENTERPRISE_USER), "manager"), Kind::Reference);
    assert_eq!(kind(None, "members"), Kind::Reference);
    assert_eq!(kind(None, "groups"), Kind::Complex);
    assert_eq!(kind(None, "active"), Kind::Boolean);
    assert_eq!(kind(None, "emails"), Kind::Complex);
    assert_eq!(kind(None, "profileUrl"), Kind::String);
}
