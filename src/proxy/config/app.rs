//! `app`: what the app behind the proxy can do, as its provisioning tutorial documents it,
//! so the proxy refuses what it cannot do with a reason instead of passing on a request
//! the app would fail obscurely (or half apply).

use super::{bad, top_name, ConfigError, ResourceRules};
use crate::proxy::rewrite;
use crate::scim::{Compat, Filter};
use serde_json::Value as Json;

/// `app`: the app's name (for messages) and its limitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCapabilities {
    /// `app.name`, used in the proxy's refusals (`Chatwork has no groups`).
    pub name: String,
    /// `app.groups`: whether the app has `/Groups` at all.
    pub groups: bool,
    /// `app.createGroups`: whether `POST /Groups` creates a group at the app.
    pub create_groups: bool,
    /// `app.deleteGroups`: whether `DELETE /Groups/{id}` deletes the group at the app.
    pub delete_groups: bool,
    /// `app.filterAttributes.User`: the attributes, in the app's vocabulary, the app
    /// filters users on (compared by top-level attribute); `None` when it filters on any.
    pub user_filters: Option<Vec<String>>,
    /// `app.filterAttributes.Group`, likewise for groups.
    pub group_filters: Option<Vec<String>>,
}

impl AppCapabilities {
    /// The attributes the app filters `object` (`User` or `Group`) on, when limited.
    pub fn filter_attributes(&self, object: &str) -> Option<&[String]> {
        match object {
            "User" => self.user_filters.as_deref(),
            _ => self.group_filters.as_deref(),
        }
    }
}

impl Default for AppCapabilities {
    fn default() -> Self {
        AppCapabilities {
            name: "the app".into(),
            groups: true,
            create_groups: true,
            delete_groups: true,
            user_filters: None,
            group_filters: None,
        }
    }
}

/// Reads `app`; absent members keep the defaults (an app that does everything SCIM offers).
pub(super) fn capabilities(v: Option<&Json>) -> Result<AppCapabilities, ConfigError> {
    let mut out = AppCapabilities::default();
    let Some(v) = v else { return Ok(out) };
    if let Some(n) = v.get("name") {
        out.name = n
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| bad("`app.name` must be a non-empty string"))?
            .to_string();
    }
    let flag = |k: &str| -> Result<bool, ConfigError> {
        match v.get(k) {
            None => Ok(true),
            Some(Json::Bool(b)) => Ok(*b),
            Some(_) => Err(bad(format!("`app.{k}` must be a boolean"))),
        }
    };
    out.groups = flag("groups")?;
    out.create_groups = flag("createGroups")?;
    out.delete_groups = flag("deleteGroups")?;
    if let Some(f) = v.get("filterAttributes") {
        out.user_filters = filter_list(f.get("User"), "User")?;
        out.group_filters = filter_list(f.get("Group"), "Group")?;
    }
    Ok(out)
}

fn filter_list(v: Option<&Json>, object: &str) -> Result<Option<Vec<String>>, ConfigError> {
    let Some(v) = v else {
        return Ok(None);
    };
    let at = format!("app.filterAttributes.{object}");
    let items = v
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad(format!("`{at}` must list at least one attribute")))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .filter(|s| crate::scim::Path::parse_lenient(s).is_ok())
                .map(str::to_string)
                .ok_or_else(|| bad(format!("`{at}` lists attribute paths such as `userName`")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The proxy finds a resource whose create was lost by filtering on its matching
/// attribute, so an app that cannot filter on it could never be recovered from: refused.
pub(super) fn check_matching(
    app: &AppCapabilities,
    object: &str,
    matching: &str,
    rules: &ResourceRules,
) -> Result<(), ConfigError> {
    let Some(allowed) = app.filter_attributes(object) else {
        return Ok(());
    };
    let probe = format!("{matching} pr");
    let unfilterable = rewrite::translate_filter(&probe, rules, &Compat::strict())
        .ok()
        .and_then(|t| outside(&t, allowed))
        .is_some();
    if unfilterable {
        return Err(bad(format!(
            "`resources.{object}.matchingAttribute` is `{matching}`, but {} filters {} only on {} (`app.filterAttributes.{object}`); the proxy looks resources up by the matching attribute",
            app.name,
            if object == "User" { "users" } else { "groups" },
            allowed.join(", ")
        )));
    }
    Ok(())
}

/// The first attribute of an (app-side, strict) filter that is not in `allowed`, as
/// written in the filter; `None` when all are allowed or the text does not parse (the
/// app then answers for itself).
pub fn outside(filter: &str, allowed: &[String]) -> Option<String> {
    let f = Filter::parse(filter).ok()?;
    f.attribute_paths().into_iter().find_map(|(parent, p)| {
        let top = parent.unwrap_or(p);
        let shown = top.to_string();
        let name = top_name(&shown);
        (!allowed.iter().any(|a| top_name(a) == name)).then_some(shown)
    })
}

#[cfg(test)]
mod tests {
    use crate::proxy::Config;
    use serde_json::{json, Value as Json};

    fn config(extra: Json) -> Result<Config, String> {
        let mut j =
            json!({"upstream": {"url": "http://127.0.0.1:1/v2"}, "inbound": {"tokens": ["IN"]}});
        if let (Some(o), Json::Object(e)) = (j.as_object_mut(), extra) {
            o.extend(e);
        }
        Config::from_json(&j, &|_| Some("set".into())).map_err(|e| e.to_string())
    }

    #[test]
    fn profiles_carry_their_apps_limitations() {
        let app = |preset: &str| config(json!({"preset": preset})).unwrap().app;
        let generic = app("generic");
        assert!(generic.groups && generic.create_groups && generic.delete_groups);
        assert_eq!(generic.filter_attributes("User"), None);
        assert!(!app("chatwork").groups);
        assert_eq!(app("chatwork").name, "Chatwork");
        let tc = app("timeclock365");
        assert!(!tc.groups);
        assert_eq!(
            tc.filter_attributes("User"),
            Some(&["userName".to_string()][..])
        );
        let genesys = app("genesys");
        assert!(genesys.groups && !genesys.create_groups && !genesys.delete_groups);
        // A config overrides the profile's `app` member by member.
        let over = config(json!({"preset": "chatwork", "app": {"groups": true}}))
            .unwrap()
            .app;
        assert!(over.groups);
        assert_eq!(over.name, "Chatwork");
    }

    #[test]
    fn bad_app_members_are_refused_by_name() {
        let cases = [
            (json!({"app": {"name": " "}}), "`app.name`"),
            (
                json!({"app": {"groups": "no"}}),
                "`app.groups` must be a boolean",
            ),
            (
                json!({"app": {"filterAttributes": {"User": []}}}),
                "`app.filterAttributes.User` must list",
            ),
            (
                json!({"app": {"filterAttributes": {"Group": ["a b"]}}}),
                "`app.filterAttributes.Group` lists attribute paths",
            ),
        ];
        for (j, want) in cases {
            let e = config(j.clone()).unwrap_err();
            assert!(e.contains(want), "{j}: {e}");
        }
    }

    #[test]
    fn the_matching_attribute_must_be_filterable_in_the_apps_vocabulary() {
        let e = config(json!({"preset": "timeclock365",
                              "resources": {"User": {"matchingAttribute": "externalId"}}}))
        .unwrap_err();
        assert!(
            e.contains("`resources.User.matchingAttribute` is `externalId`, but TimeClock 365 filters users only on userName"),
            "{e}"
        );
        // Renamed: the app filters on its own name for the attribute.
        config(json!({"app": {"filterAttributes": {"User": ["login"]}},
                      "resources": {"User": {"renames": {"userName": "login"}}}}))
        .unwrap();
        let e = config(json!({"app": {"filterAttributes": {"User": ["userName"]}},
                              "resources": {"User": {"renames": {"userName": "login"}}}}))
        .unwrap_err();
        assert!(e.contains("matchingAttribute"), "{e}");
        let e =
            config(json!({"app": {"filterAttributes": {"Group": ["externalId"]}}})).unwrap_err();
        assert!(e.contains("filters groups only on externalId"), "{e}");
    }
}
