//! `resources.User.sentinels`: a sentinel write is a removal towards the app, and an
//! absent value reads back as the sentinel.

use super::*;
use crate::proxy::config::Config;
use serde_json::json;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn config(user: Json) -> Result<ResourceRules, String> {
    let j = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]},
        "resources": {"User": user}});
    Config::from_json(&j, &|_| Some("t".into()))
        .map(|c| c.users)
        .map_err(|e| e.to_string())
}

fn rules() -> ResourceRules {
    config(json!({
        "renames": {"phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"office\"]"},
        "sentinels": {"title": "(none)", "phoneNumbers[type eq \"mobile\"].value": "(none)",
                      (format!("{ENT}:department")): "-"}}))
    .unwrap()
}

fn to_app(v: &Json) -> Json {
    map_resource(v, &rules(), Dir::ToApp, &EvalOptions::default()).unwrap()
}

fn to_client(v: &Json) -> Json {
    map_resource(v, &rules(), Dir::ToClient, &EvalOptions::default()).unwrap()
}

#[test]
fn sentinels_config_parses_or_names_the_member() {
    let r = rules();
    assert_eq!(r.sentinels.len(), 3);
    assert_eq!(
        r.sentinels[1].element,
        Some(("type".to_string(), "mobile".to_string()))
    );
    assert!(r.sentinels[1].attr.same_attribute(&AttrPath::new(
        None,
        "phoneNumbers",
        Some("value")
    )));
    let cases = [
        (
            json!({"title": 5}),
            "`resources.User.sentinels.title` must be a string",
        ),
        (
            json!({"emails[type eq": "x"}),
            "`resources.User.sentinels.emails[type eq`",
        ),
        (
            json!({"emails": "x"}),
            "`resources.User.sentinels.emails`: a multi-valued",
        ),
        (
            json!({"emails[type eq \"work\"]": "x"}),
            "needs a sub-attribute",
        ),
        (
            json!({"emails[type co \"w\"].value": "x"}),
            "`sub eq \"value\"`",
        ),
        (
            json!(["title"]),
            "`resources.User.sentinels` must be an object",
        ),
    ];
    for (s, want) in cases {
        let e = config(json!({ "sentinels": s })).unwrap_err();
        assert!(e.contains(want), "{e} should contain {want}");
    }
}

#[test]
fn sentinel_write_is_a_removal_towards_the_app() {
    let post = json!({"schemas": [CORE, ENT], "userName": "ada", "title": "(none)",
        "phoneNumbers": [{"type": "mobile", "value": "(none)", "primary": false},
                         {"type": "work", "value": "1"}],
        ENT: {"department": "-"}});
    assert_eq!(
        to_app(&post),
        json!({"schemas": [CORE], "userName": "ada",
            "phoneNumbers": [{"type": "office", "value": "1"}]})
    );
    // Only the exact sentinel is cleared; the element keeps what else it has.
    let post = json!({"schemas": [CORE], "userName": "ada", "title": "(None)",
        "phoneNumbers": [{"type": "mobile", "value": "(none)", "display": "m"}]});
    assert_eq!(
        to_app(&post),
        json!({"schemas": [CORE], "userName": "ada", "title": "(None)",
            "phoneNumbers": [{"type": "mobile", "display": "m"}]})
    );
}

#[test]
fn sentinel_shown_where_the_app_has_none() {
    let app = json!({"schemas": [CORE], "id": "1", "userName": "ada",
        "phoneNumbers": [{"type": "office", "value": "1"}]});
    let client = to_client(&app);
    assert_eq!(
        client,
        json!({"schemas": [CORE, ENT], "id": "1", "userName": "ada", "title": "(none)",
            "phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "(none)"}],
            ENT: {"department": "-"}})
    );
    // …and back: nothing the app did not store.
    assert_eq!(to_app(&client), {
        let mut a = app.clone();
        a["phoneNumbers"] = json!([{"type": "office", "value": "1"}]);
        a
    });
    // An element without the sub-attribute is completed; stored values are untouched.
    let app = json!({"schemas": [CORE, ENT], "id": "1", "title": "Eng",
        "phoneNumbers": [{"type": "Mobile", "primary": true}], ENT: {"department": "R&D"}});
    let client = to_client(&app);
    assert_eq!(client["title"], "Eng");
    assert_eq!(client[ENT]["department"], "R&D");
    assert_eq!(
        client["phoneNumbers"],
        json!([{"type": "Mobile", "primary": true, "value": "(none)"}])
    );
    // Error bodies and list envelopes are not resources.
    let e = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"});
    assert_eq!(to_client(&e), e);
    let list = map_response(
        &json!({"Resources": [{"id": "2", "userName": "b"}]}),
        &rules(),
        &EvalOptions::default(),
    )
    .unwrap();
    assert_eq!(list["Resources"][0]["title"], "(none)");
    assert!(list.get("title").is_none());
}

/// The pipeline's read-modify-write: what the app is sent, and what it then stores.
fn rmw(app: &Json, ops: Json) -> (Json, Json) {
    let r = rules();
    let o = EvalOptions::default();
    let body = json!({"schemas": [crate::scim::patch::PATCH_OP_URN], "Operations": ops});
    let (patch, plan) = plan_patch(&body, &r, &Compat::entra(), &Compat::strict()).unwrap();
    assert_eq!(plan, PatchPlan::ReadModifyWrite, "{body}");
    let view = map_resource(app, &r, Dir::ToClient, &o).unwrap();
    let patched = patch
        .apply(&view, Schemas::shared_core(), &Compat::entra())
        .unwrap();
    let new = map_resource(&patched, &r, Dir::ToApp, &o).unwrap();
    let sent = crate::scim::diff(
        app,
        &new,
        crate::scim::DiffShape::Strict,
        Schemas::shared_core(),
    );
    let stored = PatchOp::from_json(&sent, &Compat::strict())
        .and_then(|p| p.apply(app, Schemas::shared_core(), &Compat::strict()))
        .unwrap();
    (sent["Operations"].clone(), stored)
}

#[test]
fn sentinel_patch_is_a_removal_read_modify_write() {
    let app = json!({"schemas": [CORE], "id": "1", "userName": "ada", "title": "Eng",
        "phoneNumbers": [{"type": "mobile", "value": "555"}, {"type": "office", "value": "1"}]});
    let (sent, stored) = rmw(
        &app,
        json!([{"op": "Replace", "path": "title", "value": "(none)"}]),
    );
    assert_eq!(sent, json!([{"op": "remove", "path": "title"}]));
    assert!(stored.get("title").is_none());
    let (_, stored) = rmw(
        &app,
        json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "(none)"}]),
    );
    assert_eq!(
        stored["phoneNumbers"],
        json!([{"type": "office", "value": "1"}])
    );
    let (_, stored) = rmw(
        &app,
        json!([{"op": "Replace", "value": {"title": "(none)"}}]),
    );
    assert!(stored.get("title").is_none());
    // Entra re-sending the sentinel for what the app already lacks changes nothing.
    let (sent, stored) = rmw(
        &stored,
        json!([{"op": "Replace", "path": "title", "value": "(none)"}]),
    );
    assert_eq!(sent, json!([]));
    assert!(stored.get("title").is_none());
    // A real value goes through.
    let (_, stored) = rmw(
        &app,
        json!([{"op": "Replace", "path": "title", "value": "Boss"}]),
    );
    assert_eq!(stored["title"], "Boss");
    let (_, stored) = rmw(
        &app,
        json!([{"op": "Replace", "value": {(format!("{ENT}:department")): "Ops"}}]),
    );
    assert_eq!(stored[ENT]["department"], "Ops");
}
