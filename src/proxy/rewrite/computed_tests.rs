//! Writes to a computed attribute (a transform's target) are named for the log.

use super::*;
use crate::proxy::config::Config;
use serde_json::json;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn config(user: Json) -> ResourceRules {
    let j = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]},
        "resources": {"User": user}});
    Config::from_json(&j, &|_| Some("t".into())).unwrap().users
}

fn computed_rules() -> ResourceRules {
    config(json!({
        "renames": {"name.givenName": "firstName"},
        "transforms": {"nickName": "Join(\".\", [userName], \"x\")",
                       "name.formatted": "[userName]",
                       "emails[type eq \"work\"].value": "[userName]",
                       (format!("{ENT}:costCenter")): "[userName]"}}))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn computed_writes_in_a_body_are_named() {
    let body = json!({"schemas": [CORE, ENT], "userName": "a", "nickName": "n", "title": "t",
        "name": {"givenName": "G", "formatted": "F"},
        "emails": [{"type": "work", "value": "a@w"}],
        ENT: {"costCenter": "c", "department": "d"}});
    assert_eq!(
        sorted(computed_writes(&body, &computed_rules())),
        sorted(vec![
            "nickName".into(),
            "name.formatted".into(),
            "emails".into(),
            format!("{ENT}:costCenter"),
        ])
    );
    // `userName` feeds the transforms: used, not ignored. No transforms, nothing ignored.
    assert!(computed_writes(&json!({"userName": "a", "title": "t"}), &computed_rules()).is_empty());
    assert!(computed_writes(&body, &config(json!({"renames": {"userName": "login"}}))).is_empty());
}

#[test]
fn computed_writes_in_a_patch_are_named() {
    let body = json!({"schemas": [crate::scim::patch::PATCH_OP_URN], "Operations": [
        {"op": "Replace", "path": "nickName", "value": "n"},
        {"op": "Add", "path": format!("{CORE}:name.formatted"), "value": "F"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "secret@x"},
        {"op": "Remove", "path": "title"},
        {"op": "Replace", "path": "name.givenName", "value": "G"},
        {"op": "Replace", "value": {"nickName": "m", "displayName": "d",
            (format!("{ENT}:costCenter")): "c"}}]});
    let patch = PatchOp::from_json(&body, &Compat::entra()).unwrap();
    let names = computed_patch_writes(&patch, &computed_rules());
    assert_eq!(
        sorted(names.clone()),
        sorted(vec![
            "nickName".into(),
            "name.formatted".into(),
            "emails.value".into(),
            format!("{ENT}:costCenter"),
        ])
    );
    assert!(!names.iter().any(|n| n.contains("secret")));
    assert!(computed_patch_writes(&patch, &ResourceRules::default()).is_empty());
}
