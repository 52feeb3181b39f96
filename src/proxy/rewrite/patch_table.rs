//! Every client PATCH form against every rename kind, checked on state: the app's stored
//! resource after the proxy's translation, read back through the mapping, must equal the
//! client's view with the client's operation applied to it directly.

use super::*;
use crate::proxy::config::Config;
use serde_json::json;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn table_rules() -> ResourceRules {
    let renames = json!({
        "userName": "login",
        "emails": "mails",
        "name.givenName": "firstName",
        (format!("{ENT}:department")): format!("{ENT}:division"),
        "phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"other\"]",
    });
    let j = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]},
        "resources": {"User": {"renames": renames}}});
    Config::from_json(&j, &|_| Some("t".into())).unwrap().users
}

/// What the app stores before each row.
fn app_start() -> Json {
    json!({
        "schemas": [CORE, ENT], "id": "1",
        "login": "ada",
        "mails": [{"type": "work", "value": "a@w"}, {"type": "home", "value": "a@h"}],
        "firstName": "Ada", "name": {"familyName": "Lovelace"},
        "phoneNumbers": [{"type": "other", "value": "1"}, {"type": "mobile", "value": "2"}],
        "ims": [{"type": "aim", "value": "x"}, {"type": "xmpp", "value": "y"}],
        "title": "Eng",
        ENT: {"division": "R&D", "costCenter": "c1", "manager": {"value": "m1"}}
    })
}

/// (rename kind, path form, path, value for add/replace).
fn rows() -> Vec<(&'static str, &'static str, Option<String>, Json)> {
    let p = |s: &str| Some(s.to_string());
    let e = |s: &str| Some(format!("{ENT}:{s}"));
    let c = |s: &str| Some(format!("{CORE}:{s}"));
    vec![
        ("attribute", "plain", p("userName"), json!("bob")),
        (
            "attribute",
            "plain",
            p("emails"),
            json!([{"type": "other", "value": "n@o"}]),
        ),
        (
            "attribute",
            "sub-attribute",
            p("emails.value"),
            json!("n@x"),
        ),
        (
            "attribute",
            "value filter",
            p("emails[type eq \"work\"]"),
            json!({"type": "work", "value": "n@w"}),
        ),
        (
            "attribute",
            "filter + sub",
            p("emails[type eq \"work\"].value"),
            json!("n@w"),
        ),
        ("attribute", "core URN", c("userName"), json!("bob")),
        (
            "attribute",
            "core URN",
            c("emails[type eq \"work\"].value"),
            json!("n@w"),
        ),
        ("attribute", "path-less", None, json!({"userName": "bob"})),
        (
            "attribute",
            "path-less",
            None,
            json!({"emails": [{"type": "other", "value": "n@o"}]}),
        ),
        (
            "sub-attribute",
            "plain",
            p("name"),
            json!({"givenName": "G", "familyName": "F"}),
        ),
        (
            "sub-attribute",
            "sub-attribute",
            p("name.givenName"),
            json!("G"),
        ),
        (
            "sub-attribute",
            "sub-attribute",
            p("name.familyName"),
            json!("F"),
        ),
        ("sub-attribute", "core URN", c("name.givenName"), json!("G")),
        (
            "sub-attribute",
            "path-less",
            None,
            json!({"name": {"givenName": "G"}}),
        ),
        (
            "sub-attribute",
            "path-less",
            None,
            json!({"name.givenName": "G"}),
        ),
        ("extension", "enterprise", e("department"), json!("Ops")),
        (
            "extension",
            "extension object",
            Some(ENT.to_string()),
            json!({"department": "Ops"}),
        ),
        (
            "extension",
            "path-less",
            None,
            json!({ENT: {"department": "Ops"}}),
        ),
        (
            "extension",
            "path-less",
            None,
            json!({(format!("{ENT}:department")): "Ops"}),
        ),
        (
            "retag",
            "plain",
            p("phoneNumbers"),
            json!([{"type": "work", "value": "9"}]),
        ),
        (
            "retag",
            "sub-attribute",
            p("phoneNumbers.value"),
            json!("9"),
        ),
        (
            "retag",
            "value filter",
            p("phoneNumbers[type eq \"work\"]"),
            json!({"type": "work", "value": "9"}),
        ),
        (
            "retag",
            "value filter",
            p("phoneNumbers[value eq \"1\"]"),
            json!({"type": "work", "value": "9"}),
        ),
        (
            "retag",
            "filter + sub",
            p("phoneNumbers[type eq \"work\"].value"),
            json!("9"),
        ),
        (
            "retag",
            "filter + sub",
            p("phoneNumbers[type eq \"work\"].type"),
            json!("home"),
        ),
        (
            "retag",
            "core URN",
            c("phoneNumbers[type eq \"work\"]"),
            json!({"type": "work", "value": "9"}),
        ),
        (
            "retag",
            "core URN",
            c("phoneNumbers[type eq \"work\"].value"),
            json!("9"),
        ),
        (
            "retag",
            "path-less",
            None,
            json!({"phoneNumbers": [{"type": "work", "value": "9"}]}),
        ),
        ("none", "plain", p("title"), json!("Boss")),
        ("none", "sub-attribute", p("ims.value"), json!("z")),
        (
            "none",
            "value filter",
            p("ims[type eq \"aim\"]"),
            json!({"type": "aim", "value": "z"}),
        ),
        (
            "none",
            "filter + sub",
            p("ims[type eq \"aim\"].value"),
            json!("z"),
        ),
        ("none", "core URN", c("title"), json!("Boss")),
        ("none", "enterprise", e("costCenter"), json!("c2")),
        (
            "none",
            "path-less",
            None,
            json!({"title": "Boss", ENT: {"costCenter": "c2"}}),
        ),
        ("manager", "enterprise", e("manager"), json!("m2")),
        (
            "manager",
            "enterprise",
            e("manager"),
            json!({"value": "m2"}),
        ),
        ("manager", "sub-attribute", e("manager.value"), json!("m2")),
        (
            "manager",
            "value filter",
            e("manager[value eq \"m1\"]"),
            json!({"value": "m2"}),
        ),
        (
            "manager",
            "path-less",
            None,
            json!({ENT: {"manager": "m2"}}),
        ),
        (
            "manager",
            "path-less",
            None,
            json!({(format!("{ENT}:manager")): "m2"}),
        ),
    ]
}

/// Entra's bare manager id is `{"value": id}` once stored (RFC 7643 §4.3), whichever way
/// the library's Entra mode writes it in the client's view.
fn normalise(mut v: Json) -> Json {
    if let Some(Json::Object(ext)) = v.get_mut(ENT) {
        if let Some(m) = ext.get_mut("manager") {
            wrap_manager(m);
        }
    }
    v
}

fn patch_body(op: &str, path: Option<&str>, value: Option<&Json>) -> Json {
    let mut o = json!({"op": op});
    if let Some(p) = path {
        o["path"] = json!(p);
    }
    if let Some(v) = value {
        o["value"] = v.clone();
    }
    json!({"schemas": [crate::scim::patch::PATCH_OP_URN], "Operations": [o]})
}

/// What the app stores after the proxy handles `body`, as the pipeline does it, read
/// back through the mapping; `Err` when the proxy or the app refuses it.
fn through_proxy(
    body: &Json,
    rules: &ResourceRules,
    upstream: &Compat,
) -> Result<(PatchPlan, Json), ScimError> {
    let o = EvalOptions::default();
    let old = app_start();
    let (patch, plan) = plan_patch(body, rules, &Compat::entra(), upstream)?;
    let sent = match &plan {
        PatchPlan::Direct(app_body) => app_body.clone(),
        PatchPlan::ReadModifyWrite => {
            let view = map_resource(&old, rules, Dir::ToClient, &o)?;
            let patched = patch.apply(&view, Schemas::shared_core(), &Compat::entra())?;
            let new = map_resource(&patched, rules, Dir::ToApp, &o)?;
            crate::scim::diff(
                &old,
                &new,
                crate::scim::DiffShape::Strict,
                Schemas::shared_core(),
            )
        }
    };
    let stored =
        PatchOp::from_json(&sent, upstream)?.apply(&old, Schemas::shared_core(), upstream)?;
    Ok((plan, map_resource(&stored, rules, Dir::ToClient, &o)?))
}

#[test]
fn every_patch_form_reaches_the_app_translated() {
    let rules = table_rules();
    let o = EvalOptions::default();
    let view = map_resource(&app_start(), &rules, Dir::ToClient, &o).unwrap();
    let (mut applied, mut refused) = (0, 0);
    for (kind, form, path, value) in rows() {
        for op in ["add", "replace", "remove", "Add", "Replace", "Remove"] {
            let remove = op.eq_ignore_ascii_case("remove");
            // `userName` is required (RFC 7643 §4.1.1); the app's `login` is not in the
            // schema the test applies with, so only the client side would refuse it.
            let required = path.as_deref().is_some_and(|p| p.ends_with("userName"));
            if remove && (path.is_none() || required) {
                continue;
            }
            let body = patch_body(op, path.as_deref(), (!remove).then_some(&value));
            let want = PatchOp::from_json(&body, &Compat::entra())
                .and_then(|p| p.apply(&view, Schemas::shared_core(), &Compat::entra()));
            for upstream in [Compat::strict(), Compat::entra()] {
                let label = format!(
                    "{kind} / {form} / {op} {path:?} (upstream {})",
                    if upstream == Compat::strict() {
                        "strict"
                    } else {
                        "entra"
                    }
                );
                let got = through_proxy(&body, &rules, &upstream);
                match (&want, got) {
                    (Ok(want), Ok((plan, got))) => {
                        assert_eq!(normalise(got), normalise(want.clone()), "{label}: {plan:?}");
                        applied += 1;
                    }
                    // Refused on both sides (removing the required `userName`).
                    (Err(_), Err(_)) => refused += 1,
                    (want, got) => {
                        panic!("{label}: client view {want:?}, through the proxy {got:?}")
                    }
                }
            }
        }
    }
    assert!(
        applied > 400 && refused < 20,
        "{applied} applied, {refused} refused"
    );
}

fn direct_ops(body: Json) -> Json {
    match plan_patch(&body, &table_rules(), &Compat::entra(), &Compat::strict())
        .unwrap()
        .1
    {
        PatchPlan::Direct(b) => b["Operations"].clone(),
        PatchPlan::ReadModifyWrite => panic!("direct expected for {body}"),
    }
}

#[test]
fn retagged_and_urn_paths_are_translated_not_forwarded() {
    assert_eq!(
        direct_ops(patch_body(
            "Remove",
            Some("phoneNumbers[type eq \"work\"]"),
            None
        )),
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"other\"]"}])
    );
    assert_eq!(
        direct_ops(patch_body(
            "Remove",
            Some("phoneNumbers[type eq \"work\"].value"),
            None
        )),
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"other\"].value"}])
    );
    assert_eq!(
        direct_ops(patch_body(
            "Replace",
            Some(&format!("{CORE}:userName")),
            Some(&json!("b"))
        )),
        json!([{"op": "replace", "path": "login", "value": "b"}])
    );
    assert_eq!(
        direct_ops(patch_body(
            "Remove",
            Some("emails[type eq \"work\"].value"),
            None
        )),
        json!([{"op": "remove", "path": "mails[type eq \"work\"].value"}])
    );
}

#[test]
fn manager_id_is_wrapped_or_read_modify_write() {
    let m = format!("{ENT}:manager");
    assert_eq!(
        direct_ops(patch_body("Add", Some(&m), Some(&json!("m2")))),
        json!([{"op": "add", "path": m, "value": {"value": "m2"}}])
    );
    assert_eq!(
        direct_ops(patch_body(
            "Replace",
            None,
            Some(&json!({ENT: {"manager": "m2"}}))
        )),
        json!([{"op": "replace", "path": m, "value": {"value": "m2"}}])
    );
    let mut entra_app = Compat::entra();
    entra_app.op_case_insensitive = false;
    let body = patch_body("Replace", None, Some(&json!({ENT: {"manager": "m2"}})));
    assert_eq!(
        plan_patch(
            &body,
            &ResourceRules::default(),
            &Compat::entra(),
            &entra_app
        )
        .unwrap()
        .1,
        PatchPlan::Direct(json!({"schemas": [crate::scim::patch::PATCH_OP_URN],
            "Operations": [{"op": "replace", "value": {ENT: {"manager": {"value": "m2"}}}}]}))
    );
    let rm = patch_body("Remove", Some(&format!("{m}[value eq \"m1\"]")), None);
    assert_eq!(
        plan_patch(&rm, &table_rules(), &Compat::entra(), &Compat::strict())
            .unwrap()
            .1,
        PatchPlan::ReadModifyWrite
    );
}
