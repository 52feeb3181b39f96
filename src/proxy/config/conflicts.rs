//! Renames and transforms that cannot all hold: two renames onto one app attribute, two
//! spellings of one client attribute, or a rename and a transform on the same attribute.
//! Each would serve traffic with one of the rules silently lost, so the config is refused.
//!
//! Attributes are compared as SCIM compares them: names case-insensitively (RFC 7643
//! §2.1), with the core schema URN dropped (`urn:…:core:2.0:User:userName` ≡ `userName`,
//! RFC 7644 §3.10), a retag by attribute, tagging sub-attribute and tag.

use super::{bad, eq_string, is_core_urn, rename, ConfigError, Rename};
use crate::scim::{AttrPath, Path};
use serde_json::Value as Json;

/// One attribute, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// An attribute or sub-attribute: `name.givenname`, `urn:…:enterprise:2.0:user:manager`.
    Attr(String),
    /// The elements of a multi-valued attribute with one tag: `phonenumbers[type eq "work"]`.
    Element {
        attr: String,
        sub: String,
        tag: String,
    },
}

impl Key {
    fn attr(p: &AttrPath, sub: Option<&str>) -> Key {
        let mut s = match &p.uri {
            Some(u) if !is_core_urn(u) => format!("{u}:{}", p.attr),
            _ => p.attr.clone(),
        };
        if let Some(sub) = p.sub.as_deref().or(sub) {
            s.push('.');
            s.push_str(sub);
        }
        Key::Attr(s.to_lowercase())
    }

    fn element(p: &AttrPath, sub: &str, tag: &str) -> Key {
        match Key::attr(p, None) {
            Key::Attr(attr) => Key::Element {
                attr,
                sub: sub.to_lowercase(),
                tag: tag.to_lowercase(),
            },
            other => other,
        }
    }

    /// The app-side attribute a transform writes; `None` when the path does not parse
    /// (the mapping compiler reports it).
    fn of_target(path: &str) -> Option<Key> {
        let p = Path::parse_lenient(path).ok()?;
        Some(match p.filter.as_ref().and_then(eq_string) {
            Some((sub, tag)) => Key::element(&p.attr, &sub, &tag),
            None => Key::attr(&p.attr, p.sub.as_deref()),
        })
    }
}

/// A parsed rename with the member it came from.
struct Entry<'a> {
    member: &'a str,
    client: Key,
    app: Key,
}

fn entry<'a>(member: &'a str, to: &Json) -> Option<Entry<'a>> {
    // A rename that does not parse is reported by the parser with its reason.
    let r = rename(member, to.as_str()?).ok()?;
    Some(match r {
        Rename::Attr { client, app } => Entry {
            member,
            client: Key::attr(&client, None),
            app: Key::attr(&app, None),
        },
        Rename::Element {
            attr,
            sub,
            client,
            app,
        } => Entry {
            member,
            client: Key::element(&attr, &sub, &client),
            app: Key::element(&attr, &sub, &app),
        },
    })
}

/// Refuses conflicting rules in `resources.{object}`.
///
/// # Errors
/// A [`ConfigError`] naming the later of the two members and the one it conflicts with.
pub(super) fn check(object: &str, rules: &Json) -> Result<(), ConfigError> {
    let at = format!("resources.{object}");
    let entries: Vec<Entry<'_>> = match rules.get("renames") {
        Some(Json::Object(m)) => m.iter().filter_map(|(k, v)| entry(k, v)).collect(),
        _ => Vec::new(),
    };
    for (i, e) in entries.iter().enumerate() {
        for earlier in entries.iter().take(i) {
            if earlier.client == e.client {
                return Err(bad(format!(
                    "`{at}.renames.{}`: the same client attribute as `{at}.renames.{}`; \
                     an attribute is renamed once",
                    e.member, earlier.member
                )));
            }
            if earlier.app == e.app {
                return Err(bad(format!(
                    "`{at}.renames.{}`: renames onto the same app attribute as \
                     `{at}.renames.{}`; one app attribute holds one client attribute",
                    e.member, earlier.member
                )));
            }
        }
    }
    let Some(Json::Object(transforms)) = rules.get("transforms") else {
        return Ok(());
    };
    for target in transforms.keys() {
        let Some(t) = Key::of_target(target) else {
            continue;
        };
        if let Some(e) = entries.iter().find(|e| e.client == t || e.app == t) {
            let side = if e.client == t { "client" } else { "app" };
            return Err(bad(format!(
                "`{at}.renames.{}`: its {side} side is also computed by \
                 `{at}.transforms.{target}`; an attribute takes a rename or a transform, not both",
                e.member
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalise_urn_case_and_tags() {
        let k = |s: &str| Key::of_target(s);
        assert_eq!(
            k("urn:ietf:params:scim:schemas:core:2.0:User:userName"),
            k("USERNAME")
        );
        assert_eq!(
            k("name.givenName"),
            Some(Key::Attr("name.givenname".into()))
        );
        assert_ne!(
            k("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
            k("manager")
        );
        assert_eq!(
            k(r#"phoneNumbers[type eq "Work"].value"#),
            k(r#"phonenumbers[type eq "work"]"#)
        );
    }
}

#[cfg(test)]
mod config_tests {
    use crate::proxy::Config;
    use serde_json::{json, Value as Json};

    fn user_rules(rules: Json) -> Result<Config, String> {
        let j = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]},
                       "resources": {"User": rules}});
        Config::from_json(&j, &|_| Some("t".into())).map_err(|e| e.to_string())
    }

    #[test]
    fn conflicting_rules_are_refused_naming_both_members() {
        let cases = [
            (
                json!({"renames": {"userName": "login", "nickName": "login"}}),
                "`resources.User.renames.nickName`: renames onto the same app attribute as `resources.User.renames.userName`",
            ),
            (
                json!({"renames": {"userName": "login", "nickName": "LOGIN"}}),
                "`resources.User.renames.nickName`: renames onto the same app attribute",
            ),
            (
                json!({"renames": {"userName": "login",
                                   "urn:ietf:params:scim:schemas:core:2.0:User:userName": "handle"}}),
                "`resources.User.renames.urn:ietf:params:scim:schemas:core:2.0:User:userName`: the same client attribute as `resources.User.renames.userName`",
            ),
            (
                json!({"renames": {"name.givenName": "firstName", "name.GivenName": "first"}}),
                "the same client attribute as `resources.User.renames.name.givenName`",
            ),
            (
                json!({"renames": {"phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"other\"]",
                                   "phoneNumbers[type eq \"home\"].value": "phoneNumbers[type eq \"other\"].value"}}),
                "`resources.User.renames.phoneNumbers[type eq \"home\"].value`: renames onto the same app attribute",
            ),
            (
                json!({"renames": {"displayName": "dn"},
                       "transforms": {"displayName": "[name.givenName]"}}),
                "`resources.User.renames.displayName`: its client side is also computed by `resources.User.transforms.displayName`; an attribute takes a rename or a transform, not both",
            ),
            (
                json!({"renames": {"userName": "login"},
                       "transforms": {"login": "[name.givenName]"}}),
                "`resources.User.renames.userName`: its app side is also computed by `resources.User.transforms.login`",
            ),
            (
                json!({"renames": {"phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"office\"]"},
                       "transforms": {"phoneNumbers[type eq \"office\"].value": "[mobile]"}}),
                "its app side is also computed by `resources.User.transforms.phoneNumbers[type eq \"office\"].value`",
            ),
        ];
        for (rules, want) in cases {
            let e = user_rules(rules.clone()).err().unwrap_or_default();
            assert!(e.contains(want), "{rules}: `{e}`\n  should contain: {want}");
        }
        let groups = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]},
            "resources": {"Group": {"renames": {"displayName": "name", "externalId": "name"}}}});
        let e = Config::from_json(&groups, &|_| Some("t".into())).unwrap_err();
        assert!(
            e.to_string()
                .contains("`resources.Group.renames.externalId`"),
            "{e}"
        );
    }

    #[test]
    fn distinct_rules_still_parse() {
        let ok = [
            json!({"renames": {"userName": "login", "name.givenName": "firstName",
                               "phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"office\"]",
                               "phoneNumbers[type eq \"home\"]": "phoneNumbers[type eq \"other\"]"},
                   "transforms": {"displayName": "Join(\" \", [name.givenName], [name.familyName])"}}),
            // A transform may read a renamed attribute: it reads the client's view.
            json!({"renames": {"nickName": "alias"}, "transforms": {"displayName": "[nickName]"}}),
            // The enterprise extension's attribute is not the core one of the same name.
            json!({"renames": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "dept"},
                   "transforms": {"department": "[title]"}}),
        ];
        for rules in ok {
            assert!(user_rules(rules.clone()).is_ok(), "{rules}");
        }
    }
}
