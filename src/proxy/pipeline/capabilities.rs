//! What the app cannot do (`app`), refused before anything reaches it: an app asked for
//! something its tutorial says it lacks fails obscurely, or half applies a change.

use super::answer::{refuse, Stop};
use crate::proxy::config::{filter_outside, Config};
use crate::proxy::ResourceKind;
use crate::scim::ScimType;

/// Refuses an endpoint or method the app does not offer: 501 (RFC 7644 §3.12 lists 501
/// for a service provider that does not support the requested operation).
pub(super) fn allow(cfg: &Config, kind: ResourceKind, method: &str) -> Result<(), Stop> {
    if kind != ResourceKind::Groups {
        return Ok(());
    }
    let app = &cfg.app;
    let name = &app.name;
    if !app.groups {
        return Err(refuse(
            "app-has-no-groups",
            501,
            None,
            format!("{name} has no groups: only users can be provisioned to it (turn off group provisioning for this app in Entra)"),
        ));
    }
    match method {
        "POST" if !app.create_groups && !cfg.group_switches.adopt_existing => Err(refuse(
            "app-cannot-create-groups",
            501,
            None,
            format!("{name} cannot create groups: create the group there first, or set `groups.adoptExisting` so the proxy adopts the one with the same displayName"),
        )),
        "DELETE" if !app.delete_groups && !cfg.group_switches.detach_on_delete => Err(refuse(
            "app-cannot-delete-groups",
            501,
            None,
            format!("{name} cannot delete groups: delete the group there, or set `groups.detachOnDelete` so the proxy answers 204 and leaves it"),
        )),
        _ => Ok(()),
    }
}

/// Refuses a filter (already in the app's vocabulary) on an attribute the app cannot
/// filter by: 400 invalidFilter (RFC 7644 §3.4.2.2), naming the ones it can.
pub(super) fn check_filter(cfg: &Config, kind: ResourceKind, app_filter: &str) -> Result<(), Stop> {
    let (object, plural) = match kind {
        ResourceKind::Users => ("User", "users"),
        ResourceKind::Groups => ("Group", "groups"),
        _ => return Ok(()),
    };
    let Some(allowed) = cfg.app.filter_attributes(object) else {
        return Ok(());
    };
    match filter_outside(app_filter, allowed) {
        None => Ok(()),
        Some(attr) => Err(refuse(
            "unfilterable-attribute",
            400,
            Some(ScimType::InvalidFilter),
            format!(
                "{} can filter {plural} only on {}; this filter uses `{attr}`",
                cfg.app.name,
                allowed.join(", ")
            ),
        )),
    }
}
