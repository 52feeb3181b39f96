//! Target attribute paths as Entra writes them (`userName`, `name.givenName`,
//! `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager`,
//! `urn:…:genesys:purecloud:2.0:User:externalIds[authority eq "microsoftteams"].value`),
//! and writing/reading them on a JSON resource.
//!
//! RFC 7644 §3.10 attribute notation with one value-path filter of the form
//! `attr eq "value"`, the only form Entra uses in targets (SCIMTUT). A value-path target
//! creates the matching element when it is missing and updates it otherwise (DESIGN.md).

use serde_json::{Map, Value as Json};

/// A parsed target path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPath {
    /// Schema URN prefix (extension attributes), without the trailing `:`.
    pub urn: Option<String>,
    /// Top-level attribute.
    pub attr: String,
    /// Value filter `[attr eq "value"]`.
    pub filter: Option<(String, String)>,
    /// Sub-attribute after `.`.
    pub sub: Option<String>,
}

/// Why a target path does not parse; `at` is a byte offset into the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, PathError> {
    Err(PathError {
        at,
        message: message.into(),
    })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$'
}

impl TargetPath {
    /// Parses a target path.
    ///
    /// # Errors
    /// Unbalanced brackets or quotes, an unsupported filter, stray characters.
    pub fn parse(text: &str) -> Result<TargetPath, PathError> {
        let (urn, rest, offset) = split_urn(text);
        let name_end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let attr = rest.get(..name_end).unwrap_or_default();
        if attr.is_empty() {
            return err(offset, "expected an attribute name");
        }
        let mut pos = name_end;
        let mut filter = None;
        let mut sub = None;
        if rest.get(pos..).is_some_and(|r| r.starts_with('[')) {
            let close = find_close(rest, pos).ok_or_else(|| PathError {
                at: offset + pos,
                message: "unbalanced `[`: the value filter is not closed".into(),
            })?;
            let inner = rest.get(pos + 1..close).unwrap_or_default();
            filter = Some(parse_filter(inner, offset + pos + 1)?);
            pos = close + 1;
        }
        if let Some(r) = rest.get(pos..) {
            if let Some(s) = r.strip_prefix('.') {
                let end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
                let name = s.get(..end).unwrap_or_default();
                if name.is_empty() {
                    return err(offset + pos + 1, "expected a sub-attribute name after `.`");
                }
                sub = Some(name.to_string());
                pos += 1 + end;
            }
        }
        if let Some(r) = rest.get(pos..) {
            if let Some(c) = r.chars().next() {
                let msg = if c == ']' {
                    "unbalanced `]`".to_string()
                } else {
                    format!("unexpected `{c}`")
                };
                return err(offset + pos, msg);
            }
        }
        Ok(TargetPath {
            urn,
            attr: attr.to_string(),
            filter,
            sub,
        })
    }

    /// The path as Entra prints it in PATCH operations.
    pub fn to_path_string(&self) -> String {
        let mut out = String::new();
        if let Some(u) = &self.urn {
            out.push_str(u);
            out.push(':');
        }
        out.push_str(&self.attr);
        if let Some((a, v)) = &self.filter {
            out.push_str(&format!("[{a} eq {}]", json_string(v)));
        }
        if let Some(s) = &self.sub {
            out.push('.');
            out.push_str(s);
        }
        out
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Splits `urn:…:Resource:attr…` at the last `:` before the first `[` (the URN itself
/// contains dots, `2.0`, so it cannot be split at a dot).
fn split_urn(text: &str) -> (Option<String>, &str, usize) {
    if !text
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
    {
        return (None, text, 0);
    }
    let head_end = text.find('[').unwrap_or(text.len());
    let head = text.get(..head_end).unwrap_or_default();
    match head.rfind(':') {
        Some(i) => (
            text.get(..i).map(str::to_string),
            text.get(i + 1..).unwrap_or_default(),
            i + 1,
        ),
        None => (None, text, 0),
    }
}

/// The `]` closing the `[` at `open`, skipping double-quoted strings.
fn find_close(s: &str, open: usize) -> Option<usize> {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i <= open) {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ']' {
            return Some(i);
        } else if c == '[' {
            return None;
        }
    }
    None
}

fn parse_filter(inner: &str, offset: usize) -> Result<(String, String), PathError> {
    let t = inner.trim_start();
    let lead = inner.len() - t.len();
    let name_end = t.find(|c: char| !is_name_char(c)).unwrap_or(t.len());
    let name = t.get(..name_end).unwrap_or_default();
    if name.is_empty() {
        return err(
            offset + lead,
            "expected an attribute name in the value filter",
        );
    }
    let after = t.get(name_end..).unwrap_or_default();
    let op_rest = after.trim_start();
    let op_at = offset + lead + name_end + (after.len() - op_rest.len());
    let op_end = op_rest.find(char::is_whitespace).unwrap_or(op_rest.len());
    let op = op_rest.get(..op_end).unwrap_or_default();
    if !op.eq_ignore_ascii_case("eq") {
        return err(
            op_at,
            format!("target value filters must be `{name} eq \"…\"`, found `{op}`"),
        );
    }
    let v = op_rest.get(op_end..).unwrap_or_default();
    let value = v.trim();
    let v_at = op_at + op_end + (v.len() - v.trim_start().len());
    if let Some(body) = value.strip_prefix('"') {
        let Some(body) = body.strip_suffix('"') else {
            return err(v_at, "unterminated string in the value filter");
        };
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        return Ok((name.to_string(), out));
    }
    if value.is_empty() {
        return err(v_at, "expected a value after `eq`");
    }
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        // RFC 7644 §3.4.2.2 allows unquoted true/false/null/numbers only.
        if matches!(value, "true" | "false" | "null") || value.parse::<f64>().is_ok() {
            return Ok((name.to_string(), value.to_string()));
        }
    }
    err(
        v_at,
        format!("the value `{value}` must be a double-quoted string"),
    )
}

fn key_of<'a>(obj: &'a Map<String, Json>, name: &str) -> Option<&'a String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name))
}

fn get_ci<'a>(obj: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    key_of(obj, name).and_then(|k| obj.get(k))
}

fn entry_ci<'a>(obj: &'a mut Map<String, Json>, name: &str, init: Json) -> &'a mut Json {
    let key = key_of(obj, name)
        .cloned()
        .unwrap_or_else(|| name.to_string());
    obj.entry(key).or_insert(init)
}

fn element_matches(e: &Json, attr: &str, value: &str) -> bool {
    e.as_object()
        .and_then(|o| get_ci(o, attr))
        .is_some_and(|v| match v {
            Json::String(s) => s.eq_ignore_ascii_case(value),
            other => *other == value,
        })
}

/// Writes `value` at `path` in `resource` (an object), creating intermediate objects,
/// the extension container and the value-path element as needed. Returns `false` when
/// the resource's shape is in the way (e.g. a string where an object is needed).
pub fn write(resource: &mut Map<String, Json>, path: &TargetPath, value: Json) -> bool {
    let container = match &path.urn {
        Some(u) => match entry_ci(resource, u, Json::Object(Map::new())) {
            Json::Object(o) => o,
            _ => return false,
        },
        None => resource,
    };
    match (&path.filter, &path.sub) {
        (None, None) => {
            let key = key_of(container, &path.attr)
                .cloned()
                .unwrap_or_else(|| path.attr.clone());
            container.insert(key, value);
            true
        }
        (None, Some(sub)) => match entry_ci(container, &path.attr, Json::Object(Map::new())) {
            Json::Object(o) => {
                let key = key_of(o, sub).cloned().unwrap_or_else(|| sub.clone());
                o.insert(key, value);
                true
            }
            _ => false,
        },
        (Some((fa, fv)), sub) => {
            let Json::Array(items) = entry_ci(container, &path.attr, Json::Array(Vec::new()))
            else {
                return false;
            };
            let idx = match items.iter().position(|e| element_matches(e, fa, fv)) {
                Some(i) => i,
                None => {
                    let mut el = Map::new();
                    el.insert(fa.clone(), Json::String(fv.clone()));
                    items.push(Json::Object(el));
                    items.len() - 1
                }
            };
            let Some(Json::Object(el)) = items.get_mut(idx) else {
                return false;
            };
            let sub = sub.clone().unwrap_or_else(|| "value".to_string());
            let key = key_of(el, &sub).cloned().unwrap_or(sub);
            el.insert(key, value);
            true
        }
    }
}

/// Reads the value at `path` (attribute and sub-attribute names case-insensitive).
pub fn read<'a>(resource: &'a Json, path: &TargetPath) -> Option<&'a Json> {
    let obj = resource.as_object()?;
    let container = match &path.urn {
        Some(u) => get_ci(obj, u)?.as_object()?,
        None => obj,
    };
    let top = get_ci(container, &path.attr)?;
    match (&path.filter, &path.sub) {
        (None, None) => Some(top),
        (None, Some(sub)) => get_ci(top.as_object()?, sub),
        (Some((fa, fv)), sub) => {
            let el = top
                .as_array()?
                .iter()
                .find(|e| element_matches(e, fa, fv))?;
            get_ci(el.as_object()?, sub.as_deref().unwrap_or("value"))
        }
    }
}
