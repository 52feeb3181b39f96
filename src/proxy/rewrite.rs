//! Rewriting between the client's view (what Entra sends and expects back) and the app's
//! view: resource bodies, filters and PATCH bodies. Pure functions over JSON.

use crate::entra::EvalOptions;
use crate::mapping::Mode;
use crate::proxy::config::{top_name, Rename, ResourceRules, Sentinel};
use crate::scim::ast::{CompValue, CompareOp};
use crate::scim::patch::{OpKind, Operation};
use crate::scim::rewrite::PathContext;
use crate::scim::schema::AttrType;
use crate::scim::{AttrPath, Compat, Filter, PatchOp, Path, Schemas, ScimError, ScimType};
use serde_json::{Map, Value as Json};

/// Direction of a rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client view → app view (requests).
    ToApp,
    /// App view → client view (responses).
    ToClient,
}

fn find_key(obj: &Map<String, Json>, key: &str) -> Option<String> {
    if obj.contains_key(key) {
        return Some(key.to_string());
    }
    obj.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// The object holding `p`'s attribute: the resource, or its extension object.
fn container_mut<'a>(
    obj: &'a mut Map<String, Json>,
    p: &AttrPath,
    create: bool,
) -> Option<&'a mut Map<String, Json>> {
    match &p.uri {
        None => Some(obj),
        Some(u) => {
            let key = match find_key(obj, u) {
                Some(k) => k,
                None if create => {
                    obj.insert(u.clone(), Json::Object(Map::new()));
                    add_schema_urn(obj, u);
                    u.clone()
                }
                None => return None,
            };
            obj.get_mut(&key)?.as_object_mut()
        }
    }
}

fn add_schema_urn(obj: &mut Map<String, Json>, urn: &str) {
    if let Some(Json::Array(s)) = obj.get_mut("schemas") {
        if !s
            .iter()
            .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(urn)))
        {
            s.push(Json::String(urn.to_string()));
        }
    }
}

/// Removes the value at `p` (an attribute or a sub-attribute of a single complex one).
fn take(obj: &mut Map<String, Json>, p: &AttrPath) -> Option<Json> {
    let c = container_mut(obj, p, false)?;
    let k = find_key(c, &p.attr)?;
    let v = match &p.sub {
        None => c.remove(&k)?,
        Some(sub) => {
            let inner = c.get_mut(&k)?.as_object_mut()?;
            let sk = find_key(inner, sub)?;
            let v = inner.remove(&sk)?;
            if inner.is_empty() {
                c.remove(&k);
            }
            v
        }
    };
    if let Some(u) = &p.uri {
        if let Some(uk) = find_key(obj, u) {
            if obj
                .get(&uk)
                .and_then(Json::as_object)
                .is_some_and(Map::is_empty)
            {
                obj.remove(&uk);
            }
        }
    }
    Some(v)
}

/// Writes `v` at `p`, creating the parent object when needed.
fn put(obj: &mut Map<String, Json>, p: &AttrPath, v: Json) {
    let Some(c) = container_mut(obj, p, true) else {
        return;
    };
    match &p.sub {
        None => {
            let k = find_key(c, &p.attr).unwrap_or_else(|| p.attr.clone());
            c.insert(k, v);
        }
        Some(sub) => {
            let k = find_key(c, &p.attr).unwrap_or_else(|| p.attr.clone());
            let slot = c.entry(k).or_insert_with(|| Json::Object(Map::new()));
            if !slot.is_object() {
                *slot = Json::Object(Map::new());
            }
            if let Some(inner) = slot.as_object_mut() {
                let sk = find_key(inner, sub).unwrap_or_else(|| sub.clone());
                inner.insert(sk, v);
            }
        }
    }
}

fn retag(obj: &mut Map<String, Json>, attr: &AttrPath, sub: &str, from: &str, to: &str) {
    let Some(c) = container_mut(obj, attr, false) else {
        return;
    };
    let Some(k) = find_key(c, &attr.attr) else {
        return;
    };
    if let Some(Json::Array(items)) = c.get_mut(&k) {
        for it in items {
            retag_element(it, sub, from, to);
        }
    }
}

fn retag_element(it: &mut Json, sub: &str, from: &str, to: &str) {
    if let Some(e) = it.as_object_mut() {
        if let Some(tk) = find_key(e, sub) {
            if e.get(&tk)
                .and_then(Json::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(from))
            {
                e.insert(tk, Json::String(to.to_string()));
            }
        }
    }
}

fn apply_renames(obj: &mut Map<String, Json>, rules: &ResourceRules, dir: Dir) {
    let mut go = |r: &Rename| match (r, dir) {
        (Rename::Attr { client, app }, Dir::ToApp) => {
            if let Some(v) = take(obj, client) {
                put(obj, app, v);
            }
        }
        (Rename::Attr { client, app }, Dir::ToClient) => {
            if let Some(v) = take(obj, app) {
                put(obj, client, v);
            }
        }
        (
            Rename::Element {
                attr,
                sub,
                client,
                app,
            },
            Dir::ToApp,
        ) => {
            retag(obj, attr, sub, client, app);
        }
        (
            Rename::Element {
                attr,
                sub,
                client,
                app,
            },
            Dir::ToClient,
        ) => {
            retag(obj, attr, sub, app, client);
        }
    };
    match dir {
        Dir::ToApp => rules.renames.iter().for_each(&mut go),
        Dir::ToClient => rules.renames.iter().rev().for_each(&mut go),
    }
}

/// Maps a resource (a POST/PUT body or a response resource) between the two views.
/// Transforms run only towards the app (they are write-only); they read the client's
/// view as sent, before renames.
///
/// # Errors
/// A transform that fails to evaluate (400 `invalidValue`, naming the target).
pub fn map_resource(
    body: &Json,
    rules: &ResourceRules,
    dir: Dir,
    opts: &EvalOptions<'_>,
) -> Result<Json, ScimError> {
    let Json::Object(src) = body else {
        return Ok(body.clone());
    };
    let mut obj = src.clone();
    if dir == Dir::ToApp {
        clear_sentinels(&mut obj, rules);
        strip_nulls(&mut obj);
        drop_empty_schema_urns(&mut obj);
    }
    if rules.is_identity() {
        return Ok(Json::Object(obj));
    }
    // Transforms read the client's view as sent, sentinels already cleared.
    let client_view = (dir == Dir::ToApp && rules.transforms.is_some()).then(|| obj.clone());
    apply_renames(&mut obj, rules, dir);
    if dir == Dir::ToClient {
        show_sentinels(&mut obj, rules);
    }
    if let (Some(view), Some(t)) = (client_view, &rules.transforms) {
        let applied = t
            .apply(&Json::Object(view), Mode::Create, opts)
            .map_err(|e| ScimError::bad_request(ScimType::InvalidValue, format!("mapping: {e}")))?;
        let mut out = Json::Object(obj);
        for (i, v) in applied.into_written() {
            if let Some(a) = t.attributes.get(i) {
                crate::scim::patch::write_path(
                    &mut out,
                    &a.target_text,
                    v,
                    Schemas::shared_core(),
                )?;
            }
        }
        return Ok(out);
    }
    Ok(Json::Object(obj))
}

/// The value stored at `p` (an attribute or a sub-attribute of a single complex one).
fn value_at<'a>(obj: &'a Map<String, Json>, p: &AttrPath) -> Option<&'a Json> {
    let c = match &p.uri {
        None => obj,
        Some(u) => obj.get(&find_key(obj, u)?)?.as_object()?,
    };
    let v = c.get(&find_key(c, &p.attr)?)?;
    match &p.sub {
        None => Some(v),
        Some(s) => {
            let inner = v.as_object()?;
            inner.get(&find_key(inner, s)?)
        }
    }
}

fn is_tagged(e: &Map<String, Json>, tag: &str, tv: &str) -> bool {
    find_key(e, tag)
        .and_then(|k| e.get(&k))
        .and_then(Json::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(tv))
}

/// Towards the app: a write of exactly the sentinel is a removal of that attribute.
fn clear_sentinels(obj: &mut Map<String, Json>, rules: &ResourceRules) {
    for s in &rules.sentinels {
        match &s.element {
            None => {
                if value_at(obj, &s.attr).and_then(Json::as_str) == Some(s.value.as_str()) {
                    take(obj, &s.attr);
                }
            }
            Some((tag, tv)) => clear_element(obj, s, tag, tv),
        }
    }
}

/// Removes the sentinel sub-attribute of the tagged elements, and an element left with
/// nothing but its tag (and `primary`), and the attribute left with no element.
fn clear_element(obj: &mut Map<String, Json>, s: &Sentinel, tag: &str, tv: &str) {
    let (top, Some(sub)) = (top_of(&s.attr), &s.attr.sub) else {
        return;
    };
    let Some(c) = container_mut(obj, &top, false) else {
        return;
    };
    let Some(k) = find_key(c, &top.attr) else {
        return;
    };
    let Some(Json::Array(items)) = c.get_mut(&k) else {
        return;
    };
    items.retain_mut(|it| {
        let Some(e) = it.as_object_mut() else {
            return true;
        };
        if !is_tagged(e, tag, tv) {
            return true;
        }
        if let Some(sk) = find_key(e, sub) {
            if e.get(&sk).and_then(Json::as_str) == Some(s.value.as_str()) {
                e.remove(&sk);
            }
        }
        e.keys()
            .any(|k| !k.eq_ignore_ascii_case(tag) && !k.eq_ignore_ascii_case("primary"))
    });
    if items.is_empty() {
        take(obj, &top);
    }
}

/// Towards the client: where the app has no value, the sentinel Entra last sent, so
/// Entra sees no difference and does not PATCH again on every cycle. Only resources
/// (with an `id`) get it, never error bodies.
fn show_sentinels(obj: &mut Map<String, Json>, rules: &ResourceRules) {
    if !obj.contains_key("id") {
        return;
    }
    for s in &rules.sentinels {
        match &s.element {
            None => {
                if value_at(obj, &s.attr).map_or(true, Json::is_null) {
                    put(obj, &s.attr, Json::String(s.value.clone()));
                }
            }
            Some((tag, tv)) => show_element(obj, s, tag, tv),
        }
    }
}

fn show_element(obj: &mut Map<String, Json>, s: &Sentinel, tag: &str, tv: &str) {
    let (top, Some(sub)) = (top_of(&s.attr), &s.attr.sub) else {
        return;
    };
    let Some(c) = container_mut(obj, &top, true) else {
        return;
    };
    let k = find_key(c, &top.attr).unwrap_or_else(|| top.attr.clone());
    let slot = c.entry(k).or_insert_with(|| Json::Array(Vec::new()));
    let Json::Array(items) = slot else {
        return;
    };
    let sentinel = Json::String(s.value.clone());
    let found = items
        .iter_mut()
        .filter_map(Json::as_object_mut)
        .find(|e| is_tagged(e, tag, tv));
    match found {
        Some(e) => {
            let sk = find_key(e, sub).unwrap_or_else(|| sub.clone());
            if e.get(&sk).map_or(true, Json::is_null) {
                e.insert(sk, sentinel);
            }
        }
        None => {
            let mut e = Map::new();
            e.insert(tag.to_string(), Json::String(tv.to_string()));
            e.insert(sub.clone(), sentinel);
            items.push(Json::Object(e));
        }
    }
}

fn touches_sentinel(rules: &ResourceRules, top: &str) -> bool {
    rules
        .sentinels
        .iter()
        .any(|s| top_name(&s.attr.to_string()) == top)
}

/// Maps every resource of a ListResponse (or a single resource) back to the client.
///
/// # Errors
/// See [`map_resource`].
pub fn map_response(
    body: &Json,
    rules: &ResourceRules,
    opts: &EvalOptions<'_>,
) -> Result<Json, ScimError> {
    if let Some(Json::Array(items)) = body.get("Resources") {
        let mapped = items
            .iter()
            .map(|r| map_resource(r, rules, Dir::ToClient, opts))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = body.clone();
        if let Some(o) = out.as_object_mut() {
            o.insert("Resources".into(), Json::Array(mapped));
        }
        return Ok(out);
    }
    map_resource(body, rules, Dir::ToClient, opts)
}

/// Drops `null` members (RFC 7643 §2.5: null is unassigned). Entra sends
/// `"addresses": null` and `{"$ref": null, "value": id}` (spec §4.2); strict apps refuse them.
fn strip_nulls(obj: &mut Map<String, Json>) {
    obj.retain(|_, v| !v.is_null());
    for v in obj.values_mut() {
        strip_nulls_in(v);
    }
}

fn strip_nulls_in(v: &mut Json) {
    match v {
        Json::Object(m) => strip_nulls(m),
        Json::Array(a) => a.iter_mut().for_each(strip_nulls_in),
        _ => {}
    }
}

/// Drops extension URNs from `schemas` when the body carries no attribute of theirs:
/// Entra lists `…/ADSCIM/2.0/Group` on every group (spec §4.2) and strict apps refuse
/// extensions they do not know. Core schemas stay.
fn drop_empty_schema_urns(obj: &mut Map<String, Json>) {
    let keys: Vec<String> = obj.keys().map(|k| k.to_ascii_lowercase()).collect();
    if let Some(Json::Array(s)) = obj.get_mut("schemas") {
        s.retain(|u| {
            u.as_str().is_some_and(|u| {
                crate::proxy::config::is_core_urn(u) || keys.contains(&u.to_ascii_lowercase())
            })
        });
    }
}

fn untranslatable(filter: &str, why: &str) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidFilter,
        format!(
            "filter {} cannot be translated for the app: {why}",
            Json::String(filter.to_string())
        ),
    )
}

/// Translates a client filter into the app's vocabulary.
///
/// # Errors
/// 400 `invalidFilter` when the filter does not parse, or compares an attribute the app
/// does not store as the client sees it (a transform's source or target, or a retagged
/// element by anything but `eq`).
pub fn translate_filter(
    src: &str,
    rules: &ResourceRules,
    compat: &Compat,
) -> Result<String, ScimError> {
    let limits = crate::limits::Limits::default();
    let mut f = Filter::parse_with(src, &limits, compat.bare_filter_values)
        .map_err(|e| ScimError::invalid_filter(src, &e))?;
    if rules.is_identity() {
        return Ok(f.to_string());
    }
    for (parent, p) in f.attribute_paths() {
        let top = match &parent {
            Some(pp) => pp,
            None => &p,
        };
        let name = top_name(&top.to_string());
        if rules.transform_targets.contains(&name) {
            return Err(untranslatable(
                src,
                &format!("`{top}` is computed by the mapping"),
            ));
        }
        if let Some(pp) = &parent {
            for r in &rules.renames {
                if let Rename::Attr { client, .. } = r {
                    if client.sub.is_some()
                        && client.same_attribute(&AttrPath {
                            sub: Some(p.attr.clone()),
                            ..pp.clone()
                        })
                    {
                        return Err(untranslatable(
                            src,
                            &format!("`{client}` is renamed; filter on it without `[...]`"),
                        ));
                    }
                }
            }
        }
    }
    let mut error: Option<String> = None;
    f.map_values(&mut |p, ctx, op, v| {
        for r in &rules.renames {
            let Rename::Element {
                attr,
                sub,
                client,
                app,
            } = r
            else {
                continue;
            };
            let tag_path = match ctx {
                PathContext::Element { parent } => {
                    parent.same_attribute(attr)
                        && p.sub.is_none()
                        && p.attr.eq_ignore_ascii_case(sub)
                }
                PathContext::Resource => p.same_attribute(&AttrPath {
                    sub: Some(sub.clone()),
                    ..attr.clone()
                }),
            };
            if !tag_path {
                continue;
            }
            match (op, v) {
                (CompareOp::Eq, CompValue::String(s)) if s.eq_ignore_ascii_case(client) => {
                    return Some(CompValue::String(app.clone()));
                }
                (CompareOp::Eq, _) => {}
                _ => {
                    error = Some(format!(
                        "`{attr}.{sub}` values are renamed; only `eq` translates"
                    ));
                }
            }
        }
        None
    });
    if let Some(e) = error {
        return Err(untranslatable(src, &e));
    }
    f.rename_paths(&mut |p, ctx| {
        if !matches!(ctx, PathContext::Resource) {
            return None;
        }
        rules.renames.iter().find_map(|r| match r {
            Rename::Attr { client, app } if client.same_attribute(p) => Some(app.clone()),
            // `name.givenName` when only `name` is renamed keeps its sub-attribute.
            Rename::Attr { client, app }
                if client.sub.is_none()
                    && p.sub.is_some()
                    && client.same_attribute(&AttrPath {
                        sub: None,
                        ..p.clone()
                    }) =>
            {
                Some(AttrPath {
                    sub: p.sub.clone(),
                    ..app.clone()
                })
            }
            _ => None,
        })
    });
    Ok(f.to_string())
}

/// Renames the entries of an `attributes` / `excludedAttributes` / `sortBy` list.
pub fn translate_attribute_list(list: &str, rules: &ResourceRules) -> String {
    list.split(',')
        .map(|a| {
            let a = a.trim();
            let Ok(p) = Path::parse_lenient(a) else {
                return a.to_string();
            };
            if p.filter.is_some() {
                return a.to_string();
            }
            let mut ap = p.attr.clone();
            ap.sub = ap.sub.or(p.sub.clone());
            rules
                .renames
                .iter()
                .find_map(|r| match r {
                    Rename::Attr { client, app } if client.same_attribute(&ap) => {
                        Some(app.to_string())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| a.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What to send upstream for a client PATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPlan {
    /// Send this PatchOp body (already in the app's vocabulary and dialect).
    Direct(Json),
    /// Read the resource, apply the PATCH in the client's view, re-map, send the diff.
    ReadModifyWrite,
}

/// Parses a client PATCH and decides how to send it.
///
/// # Errors
/// The RFC 7644 §3.12 error for a malformed PatchOp body.
pub fn plan_patch(
    body: &Json,
    rules: &ResourceRules,
    client: &Compat,
    upstream: &Compat,
) -> Result<(PatchOp, PatchPlan), ScimError> {
    let patch = PatchOp::from_json(body, client)?;
    let mut ops: Vec<Json> = Vec::new();
    for op in expand_pathless(&patch.operations, upstream) {
        match direct_op(&op, rules, upstream) {
            Some(mut v) => ops.append(&mut v),
            None => return Ok((patch, PatchPlan::ReadModifyWrite)),
        }
    }
    let body =
        serde_json::json!({"schemas": [crate::scim::patch::PATCH_OP_URN], "Operations": ops});
    Ok((patch, PatchPlan::Direct(body)))
}

/// Path-less add/replace whose value keys are paths (`name.givenName`, URN-qualified)
/// become one operation per key when the app does not accept that shape (Entra with
/// `aadOptscim062020`, spec §4.3); extension objects are split per attribute.
fn expand_pathless(ops: &[Operation], upstream: &Compat) -> Vec<Operation> {
    let mut out = Vec::new();
    for op in ops {
        let (None, Some(Json::Object(m))) = (&op.path, &op.value) else {
            out.push(op.clone());
            continue;
        };
        let needs = m.keys().any(|k| k.contains('.') || k.contains(':'));
        if !needs || upstream.pathless_attribute_paths {
            out.push(op.clone());
            continue;
        }
        let mut plain = Map::new();
        for (k, v) in m {
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let is_ext = k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
                && v.is_object()
                && !crate::proxy::config::is_core_urn(k);
            let entries: Vec<(String, Json)> = match (is_ext, v) {
                (true, Json::Object(inner)) => inner
                    .iter()
                    .map(|(k2, v2)| (format!("{k}:{k2}"), v2.clone()))
                    .collect(),
                _ if k.contains('.') || k.contains(':') => vec![(k.clone(), v.clone())],
                _ => {
                    plain.insert(k.clone(), v.clone());
                    continue;
                }
            };
            for (path, value) in entries {
                match Path::parse_lenient(&path) {
                    Ok(p) => out.push(Operation {
                        op: op.op,
                        path: Some(p),
                        path_text: Some(path),
                        value: Some(value),
                    }),
                    Err(_) => {
                        plain.insert(path, value);
                    }
                }
            }
        }
        if !plain.is_empty() {
            out.push(Operation {
                op: op.op,
                path: None,
                path_text: None,
                value: Some(Json::Object(plain)),
            });
        }
    }
    out
}

fn op_json(op: OpKind, path: Option<String>, value: Option<Json>) -> Json {
    let mut m = Map::new();
    m.insert("op".into(), op.as_str().into());
    if let Some(p) = path {
        m.insert("path".into(), p.into());
    }
    if let Some(v) = value {
        m.insert("value".into(), v);
    }
    Json::Object(m)
}

fn is_boolean(p: &AttrPath) -> bool {
    let Some((def, _)) = Schemas::shared_core().attribute(p.uri.as_deref(), &p.attr) else {
        return false;
    };
    match &p.sub {
        None => def.ty == AttrType::Boolean,
        Some(s) => def.sub(s).is_some_and(|d| d.ty == AttrType::Boolean),
    }
}

fn coerce_bool(v: Json) -> Json {
    match &v {
        Json::String(s) if s.eq_ignore_ascii_case("true") => Json::Bool(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Json::Bool(false),
        _ => v,
    }
}

/// One client operation as app operations, or `None` when it needs read-modify-write.
/// Every path is translated whole (attribute, value filter, sub-attribute) or not at all:
/// an untranslated path would match nothing upstream and the client would get a 2xx for
/// a change that never happened.
fn direct_op(op: &Operation, rules: &ResourceRules, upstream: &Compat) -> Option<Vec<Json>> {
    let Some(path) = &op.path else {
        return direct_pathless(op, rules, upstream);
    };
    let path = without_core_urn(path);
    // The path is an extension schema itself (`urn:…:enterprise:2.0:User`) and the value
    // its object: renamed members inside it need the resource to be rewritten whole.
    let whole = op.path_text.as_deref().unwrap_or_default();
    if whole
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        && touches_extension(rules, whole)
    {
        return None;
    }
    let name = top_name(&path.attr.to_string());
    if rules.transform_sources.contains(&name)
        || rules.transform_targets.contains(&name)
        || touches_sentinel(rules, &name)
    {
        // A sentinel write becomes a removal only once the PATCH is applied: the diff
        // of read-modify-write turns it into `remove`.
        return None;
    }
    // Add/replace on a value path may have to create the element (Entra expects that,
    // spec §4.3); a strict app answers noTarget, so do it here on a copy.
    if path.filter.is_some()
        && matches!(op.op, OpKind::Add | OpKind::Replace)
        && !upstream.upsert_value_path
    {
        return None;
    }
    if is_manager(&path.attr) && path.filter.is_some() {
        // `manager[value eq "id"]`: a filter on a single-valued attribute; RFC apps refuse
        // it, so the proxy applies it to what the app stores.
        return None;
    }
    let new_path = translate_path(&path, rules)?;
    let mut value = op.value.clone();
    if let Some(v) = &mut value {
        strip_nulls_in(v);
        translate_value(&path, v, rules);
        if is_manager(&path.attr) && path.target_sub().is_none() {
            wrap_manager(v);
        }
    }
    let full = AttrPath {
        sub: new_path.target_sub().map(str::to_string),
        ..new_path.attr.clone()
    };
    if is_boolean(&full) && !upstream.boolean_strings {
        value = value.map(coerce_bool);
    }
    if op.op == OpKind::Remove && !upstream.remove_by_value {
        if let Some(v) = &value {
            return remove_by_value(&new_path, v);
        }
    }
    Some(vec![op_json(op.op, Some(new_path.to_string()), value)])
}

/// `Remove` with a value array (Entra's member removal, spec §4.3) → one RFC remove per
/// element, addressed by a value filter.
fn remove_by_value(path: &Path, v: &Json) -> Option<Vec<Json>> {
    if path.filter.is_some() || path.target_sub().is_some() {
        return None;
    }
    let items: Vec<&Json> = match v {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for it in items {
        let id = it.get("value").and_then(Json::as_str)?;
        let p = format!("{path}[value eq {}]", Json::String(id.to_string()));
        out.push(op_json(OpKind::Remove, Some(p), None));
    }
    Some(out)
}

/// A path-less add/replace: its keys go as they are unless the mapping touches one.
fn direct_pathless(op: &Operation, rules: &ResourceRules, upstream: &Compat) -> Option<Vec<Json>> {
    let Some(Json::Object(m)) = &op.value else {
        return None;
    };
    let touched = m.iter().any(|(k, v)| {
        let n = top_name(k);
        touches(rules, &n) || (k.contains(':') && v.is_object() && touches_extension(rules, k))
    });
    if touched {
        return None;
    }
    let mut m = m.clone();
    for (k, v) in m.iter_mut() {
        strip_nulls_in(v);
        let Ok(p) = Path::parse_lenient(k) else {
            continue;
        };
        if is_boolean(&p.attr) && !upstream.boolean_strings {
            *v = coerce_bool(v.clone());
        }
        if is_manager(&p.attr) {
            wrap_manager(v);
        } else if is_enterprise_urn(k) {
            if let Some(inner) = v.as_object_mut() {
                if let Some(mk) = find_key(inner, "manager") {
                    if let Some(mv) = inner.get_mut(&mk) {
                        wrap_manager(mv);
                    }
                }
            }
        }
    }
    Some(vec![op_json(op.op, None, Some(Json::Object(m)))])
}

/// Whether an extension object key (`urn:…:enterprise:2.0:User`) holds an attribute the
/// mapping renames, computes or reads.
fn touches_extension(rules: &ResourceRules, urn: &str) -> bool {
    let prefix = format!("{}:", urn.to_ascii_lowercase());
    let hit = |n: &str| n.starts_with(&prefix);
    rules.transform_sources.iter().any(|s| hit(s))
        || rules.transform_targets.iter().any(|s| hit(s))
        || rules.renames.iter().any(|r| match r {
            Rename::Attr { client, .. } => hit(&top_name(&client.to_string())),
            Rename::Element { attr, .. } => hit(&top_name(&attr.to_string())),
        })
        || rules
            .sentinels
            .iter()
            .any(|s| hit(&top_name(&s.attr.to_string())))
}

/// `urn:…:core:2.0:User:userName` ≡ `userName` (RFC 7644 §3.10); renames are keyed
/// without the core URN.
fn without_core_urn(p: &Path) -> Path {
    let mut p = p.clone();
    if p.attr
        .uri
        .as_deref()
        .is_some_and(crate::proxy::config::is_core_urn)
    {
        p.attr.uri = None;
    }
    p
}

fn top_of(p: &AttrPath) -> AttrPath {
    AttrPath {
        sub: None,
        ..p.clone()
    }
}

/// The app's path for a client path, or `None` when no single app path means the same.
fn translate_path(path: &Path, rules: &ResourceRules) -> Option<Path> {
    let mut out = path.clone();
    for r in &rules.renames {
        match r {
            Rename::Attr { client, app } => {
                if !top_of(client).same_attribute(&top_of(&out.attr)) {
                    continue;
                }
                out = rename_attr_path(&out, client, app)?;
            }
            Rename::Element {
                attr,
                sub,
                client,
                app,
            } => {
                if !attr.same_attribute(&top_of(&out.attr)) {
                    continue;
                }
                if out
                    .target_sub()
                    .is_some_and(|s| s.eq_ignore_ascii_case(sub))
                {
                    // Writing the tag itself: the app's tag depends on the value.
                    return None;
                }
                if let Some(f) = &mut out.filter {
                    retag_filter(f, sub, client, app)?;
                }
            }
        }
    }
    Some(out)
}

/// `path` (whose attribute is `client`'s) renamed to `app`.
fn rename_attr_path(path: &Path, client: &AttrPath, app: &AttrPath) -> Option<Path> {
    let mut out = path.clone();
    match &client.sub {
        // The whole attribute moves: its filter and sub-attribute are relative to it.
        None if app.sub.is_none() => {
            out.attr.uri = app.uri.clone();
            out.attr.attr = app.attr.clone();
            Some(out)
        }
        None if path.filter.is_none() && path.target_sub().is_none() => {
            out.attr = app.clone();
            Some(out)
        }
        // Only one sub-attribute moves: the path must name exactly it.
        Some(cs)
            if path.filter.is_none()
                && path
                    .target_sub()
                    .is_some_and(|s| s.eq_ignore_ascii_case(cs)) =>
        {
            out.attr = app.clone();
            out.sub = None;
            Some(out)
        }
        _ => None,
    }
}

/// Rewrites the tag comparisons of a value filter (`type eq "work"` → `type eq "other"`).
/// `None` when a comparison cannot be translated: another operator on the tag, or the
/// app's own tag (which the client never sees).
fn retag_filter(f: &mut Filter, sub: &str, client: &str, app: &str) -> Option<()> {
    let mut bad = false;
    f.map_values(&mut |p, ctx, cop, v| {
        // A value path's own filter is parsed alone, so its terms come as `Resource`.
        let tag = p.uri.is_none()
            && p.sub.is_none()
            && p.attr.eq_ignore_ascii_case(sub)
            && matches!(ctx, PathContext::Resource | PathContext::Element { .. });
        if !tag {
            return None;
        }
        match (cop, v) {
            (CompareOp::Eq, CompValue::String(s)) if s.eq_ignore_ascii_case(client) => {
                Some(CompValue::String(app.to_string()))
            }
            _ => {
                bad = true;
                None
            }
        }
    });
    (!bad).then_some(())
}

/// Renames inside an operation's value: the elements of a retagged attribute.
fn translate_value(path: &Path, v: &mut Json, rules: &ResourceRules) {
    if path.target_sub().is_some() {
        return;
    }
    for r in &rules.renames {
        if let Rename::Element {
            attr,
            sub,
            client,
            app,
        } = r
        {
            if !attr.same_attribute(&top_of(&path.attr)) {
                continue;
            }
            match v {
                Json::Array(items) => items
                    .iter_mut()
                    .for_each(|i| retag_element(i, sub, client, app)),
                Json::Object(_) => retag_element(v, sub, client, app),
                _ => {}
            }
        }
    }
}

fn is_enterprise_urn(u: &str) -> bool {
    u.eq_ignore_ascii_case(crate::scim::schema::ENTERPRISE_USER)
}

fn is_manager(p: &AttrPath) -> bool {
    p.uri.as_deref().is_some_and(is_enterprise_urn) && p.attr.eq_ignore_ascii_case("manager")
}

/// Entra sends the manager as a bare id (spec §4.3); RFC 7643 §4.3 makes it complex.
fn wrap_manager(v: &mut Json) {
    if let Json::String(id) = v {
        *v = serde_json::json!({ "value": id });
    }
}

fn touches(rules: &ResourceRules, top: &str) -> bool {
    touches_sentinel(rules, top)
        || rules.transform_sources.iter().any(|s| s == top)
        || rules.transform_targets.iter().any(|s| s == top)
        || rules.renames.iter().any(|r| match r {
            Rename::Attr { client, .. } => top_name(&client.to_string()) == top,
            Rename::Element { attr, .. } => top_name(&attr.to_string()) == top,
        })
}

/// Client attributes of a POST/PUT body that a transform overwrites (the app stores the
/// computed value, not the client's), named as the client wrote them (`nickName`,
/// `name.givenName`, `urn:…:enterprise:2.0:User:department`), for the log. An attribute
/// the transforms also read is not listed: the client's value feeds the computed one.
pub fn computed_writes(body: &Json, rules: &ResourceRules) -> Vec<String> {
    let Json::Object(m) = body else {
        return Vec::new();
    };
    names_overwritten(client_leaves(m), rules)
}

/// [`computed_writes`] for a PATCH: the attributes its operations add, replace or remove
/// that a transform recomputes. Names only, without value filters (their values stay out
/// of the log).
pub fn computed_patch_writes(patch: &PatchOp, rules: &ResourceRules) -> Vec<String> {
    let mut leaves = Vec::new();
    for op in &patch.operations {
        match (&op.path, &op.value) {
            (Some(p), _) => leaves.push(AttrPath {
                sub: p.target_sub().map(str::to_string),
                ..without_core_urn(p).attr
            }),
            (None, Some(Json::Object(m))) => leaves.extend(client_leaves(m)),
            _ => {}
        }
    }
    names_overwritten(leaves, rules)
}

fn names_overwritten(leaves: Vec<AttrPath>, rules: &ResourceRules) -> Vec<String> {
    let Some(t) = &rules.transforms else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for client in leaves {
        if rules
            .transform_sources
            .contains(&top_name(&top_of(&client).to_string()))
        {
            continue;
        }
        let app = app_attr_path(&client, rules);
        let hit = t.attributes.iter().any(|a| {
            let target = without_core_urn(&a.target);
            top_of(&target.attr).same_attribute(&top_of(&app))
                && match (target.target_sub(), &app.sub) {
                    (Some(ts), Some(s)) => ts.eq_ignore_ascii_case(s),
                    _ => true,
                }
        });
        let name = client.to_string();
        if hit && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The attributes a resource-shaped object writes: simple and multi-valued ones whole,
/// complex ones per sub-attribute, extension objects per attribute. Core URN dropped.
fn client_leaves(m: &Map<String, Json>) -> Vec<AttrPath> {
    let mut out = Vec::new();
    for (k, v) in m {
        if ["schemas", "id", "meta"]
            .iter()
            .any(|s| k.eq_ignore_ascii_case(s))
        {
            continue;
        }
        let is_ext = k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
            && v.is_object()
            && !crate::proxy::config::is_core_urn(k);
        if let (true, Json::Object(inner)) = (is_ext, v) {
            for (k2, v2) in inner {
                push_leaves(&mut out, AttrPath::new(Some(k), k2, None), v2);
            }
            continue;
        }
        if let Ok(p) = Path::parse_lenient(k) {
            let p = without_core_urn(&p);
            let attr = AttrPath {
                sub: p.target_sub().map(str::to_string),
                ..p.attr
            };
            push_leaves(&mut out, attr, v);
        }
    }
    out
}

fn push_leaves(out: &mut Vec<AttrPath>, attr: AttrPath, v: &Json) {
    match v {
        Json::Object(inner) if attr.sub.is_none() => {
            for sk in inner.keys() {
                out.push(AttrPath {
                    sub: Some(sk.clone()),
                    ..attr.clone()
                });
            }
        }
        _ => out.push(attr),
    }
}

/// Where the renames put a client attribute in the app's resource.
fn app_attr_path(client: &AttrPath, rules: &ResourceRules) -> AttrPath {
    let mut p = client.clone();
    for r in &rules.renames {
        let Rename::Attr { client: c, app } = r else {
            continue;
        };
        if c.sub.is_none() && top_of(c).same_attribute(&top_of(&p)) {
            p = AttrPath {
                uri: app.uri.clone(),
                attr: app.attr.clone(),
                sub: app.sub.clone().or(p.sub),
                span: p.span,
            };
        } else if c.sub.is_some() && c.same_attribute(&p) {
            p = app.clone();
        }
    }
    p
}

/// Names of the attributes an app-side PATCH or resource changes (for the log).
pub fn changed_attributes(app_body: &Json) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(Json::Array(ops)) = app_body.get("Operations") {
        for o in ops {
            match (o.get("path").and_then(Json::as_str), o.get("value")) {
                (Some(p), _) => push(p.to_string()),
                (None, Some(Json::Object(m))) => m.keys().for_each(|k| push(k.clone())),
                _ => {}
            }
        }
    } else if let Some(m) = app_body.as_object() {
        for k in m.keys() {
            if !matches!(k.as_str(), "schemas" | "id" | "meta") {
                push(k.clone());
            }
        }
    }
    out
}

/// Replaces the upstream base URL by the proxy's in every string value starting with it
/// (`meta.location`, `$ref`), so the client never sees the app's address.
pub fn rewrite_urls(v: &mut Json, from: &str, to: &str) {
    match v {
        Json::String(s) => {
            if let Some(rest) = s.strip_prefix(from) {
                if rest.is_empty() || rest.starts_with('/') {
                    *s = format!("{to}{rest}");
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(|x| rewrite_urls(x, from, to)),
        Json::Object(m) => m.values_mut().for_each(|x| rewrite_urls(x, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod patch_table;

#[cfg(test)]
mod sentinel_tests;

#[cfg(test)]
mod computed_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::config::Config;
    use serde_json::json;

    fn rules(r: Json) -> ResourceRules {
        let j = json!({"upstream": {"url": "http://x"}, "inbound": {"tokens": ["T"]}, "resources": {"User": r}});
        Config::from_json(&j, &|_| Some("t".into())).unwrap().users
    }

    fn webexish() -> ResourceRules {
        rules(json!({
            "renames": {"userName": "login", "name.givenName": "firstName",
                        "phoneNumbers[type eq \"work\"]": "phoneNumbers[type eq \"office\"]"},
            "transforms": {"displayName": "Join(\" \", [name.givenName], [name.familyName])"}}))
    }

    #[test]
    fn resource_round_trip() {
        let r = webexish();
        let client = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "2"}]});
        let o = EvalOptions::default();
        let app = map_resource(&client, &r, Dir::ToApp, &o).unwrap();
        assert_eq!(app["login"], "ada");
        assert_eq!(app["firstName"], "Ada");
        assert_eq!(app["name"], json!({"familyName": "Lovelace"}));
        assert_eq!(app["phoneNumbers"][0]["type"], "office");
        assert_eq!(app["displayName"], "Ada Lovelace");
        assert!(app.get("userName").is_none());
        let back = map_resource(&app, &r, Dir::ToClient, &o).unwrap();
        assert_eq!(back["userName"], "ada");
        assert_eq!(back["name"]["givenName"], "Ada");
        assert_eq!(back["phoneNumbers"][0]["type"], "work");
    }

    #[test]
    fn filters_translate_or_refuse() {
        let r = webexish();
        let c = Compat::entra();
        assert_eq!(
            translate_filter(
                r#"userName eq "a" and phoneNumbers[type eq "work"].value eq "1""#,
                &r,
                &c
            )
            .unwrap(),
            r#"login eq "a" and phoneNumbers[type eq "office"].value eq "1""#
        );
        assert_eq!(
            translate_filter(r#"name.givenName sw "A""#, &r, &c).unwrap(),
            r#"firstName sw "A""#
        );
        assert_eq!(
            translate_filter("externalId eq jyoung", &r, &c).unwrap(),
            r#"externalId eq "jyoung""#
        );
        for bad in [
            r#"displayName eq "x""#,
            r#"phoneNumbers[type co "wo"]"#,
            r#"name[givenName eq "A"]"#,
            "userName eq",
        ] {
            let e = translate_filter(bad, &r, &c).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{bad}");
        }
        let id = ResourceRules::default();
        assert_eq!(
            translate_filter(r#"userName eq "x""#, &id, &c).unwrap(),
            r#"userName eq "x""#
        );
    }

    #[test]
    fn entra_patch_normalised_for_strict_app() {
        let id = ResourceRules::default();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
            {"op": "replace", "value": {"displayName": "B", "name.givenName": "K",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7"}}]});
        let (_, plan) = plan_patch(&body, &id, &Compat::entra(), &Compat::strict()).unwrap();
        let PatchPlan::Direct(out) = plan else {
            panic!("direct expected")
        };
        assert_eq!(
            out["Operations"],
            json!([
            {"op": "replace", "path": "active", "value": false},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members[value eq \"u2\"]"},
            {"op": "replace", "path": "name.givenName", "value": "K"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "7"},
            {"op": "replace", "value": {"displayName": "B"}}])
        );
        assert_eq!(changed_attributes(&out)[0], "active");
    }

    #[test]
    fn patch_renames_or_read_modify_write() {
        let r = webexish();
        let e = Compat::entra();
        let s = Compat::strict();
        let p = |ops: Json| {
            plan_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}), &r, &e, &s).unwrap().1
        };
        assert_eq!(
            p(json!([{"op": "Replace", "path": "userName", "value": "b"}])),
            PatchPlan::Direct(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "login", "value": "b"}]})
            )
        );
        assert_eq!(
            p(
                json!([{"op": "Add", "path": "phoneNumbers", "value": [{"type": "work", "value": "3"}]}])
            ),
            PatchPlan::Direct(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "phoneNumbers", "value": [{"type": "office", "value": "3"}]}]})
            )
        );
        assert_eq!(
            p(json!([{"op": "Replace", "path": "name.familyName", "value": "X"}])),
            PatchPlan::ReadModifyWrite
        );
        assert_eq!(
            p(json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@y"}])),
            PatchPlan::ReadModifyWrite
        );
        assert_eq!(
            p(json!([{"op": "Replace", "value": {"userName": "x"}}])),
            PatchPlan::ReadModifyWrite
        );
        assert!(plan_patch(&json!({"Operations": 3}), &r, &e, &s).is_err());
    }

    #[test]
    fn entra_group_shape_cleaned() {
        let g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "g", "members": [{"$ref": null, "value": "u"}], "title": null});
        let out = map_resource(
            &g,
            &ResourceRules::default(),
            Dir::ToApp,
            &EvalOptions::default(),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "g", "members": [{"value": "u"}]})
        );
    }

    #[test]
    fn urls_rewritten() {
        let mut v = json!({"meta": {"location": "http://app/v2/Users/1"}, "x": "http://app/v2x", "members": [{"$ref": "http://app/v2/Users/2"}]});
        rewrite_urls(&mut v, "http://app/v2", "https://p/scim/v2");
        assert_eq!(v["meta"]["location"], "https://p/scim/v2/Users/1");
        assert_eq!(v["x"], "http://app/v2x");
        assert_eq!(v["members"][0]["$ref"], "https://p/scim/v2/Users/2");
    }

    #[test]
    fn attribute_lists() {
        assert_eq!(
            translate_attribute_list("userName, emails", &webexish()),
            "login,emails"
        );
    }
}
