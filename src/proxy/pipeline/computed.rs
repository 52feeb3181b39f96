//! Client writes that a transform overwrites: answered like any write, but named in the
//! log as ignored so the admin sees why the app holds another value.

use crate::proxy::config::{top_name, ResourceRules};
use crate::scim::PatchOp;
use serde_json::Value as Json;

/// Client attributes of a POST/PUT body that a transform overwrites (names as written).
pub(super) fn in_body(body: &Json, rules: &ResourceRules) -> Vec<String> {
    body.as_object()
        .map(|m| {
            m.keys()
                .filter(|k| rules.transform_targets.contains(&top_name(k)))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Client attributes a PATCH writes that a transform overwrites (names as written).
pub(super) fn in_patch(patch: &PatchOp, rules: &ResourceRules) -> Vec<String> {
    let mut out = Vec::new();
    for op in &patch.operations {
        match (&op.path_text, &op.value) {
            (Some(p), _) if rules.transform_targets.contains(&top_name(p)) => {
                out.push(p.clone());
            }
            (None, Some(v)) => out.extend(in_body(v, rules)),
            _ => {}
        }
    }
    out
}
