//! Renaming attribute paths and transforming compared values inside a parsed filter, so
//! the proxy can translate `GET ?filter=` between the client's and the app's vocabularies.

use crate::scim::ast::{AttrPath, CompValue, CompareOp, Filter};

/// Where an attribute path occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathContext<'a> {
    /// At the resource level (a top-level comparison or a value path's attribute).
    Resource,
    /// Inside the value filter (or after the `]`) of the value path on `parent`; the path
    /// is relative to one element.
    Element {
        /// The multi-valued attribute being filtered.
        parent: &'a AttrPath,
    },
}

impl Filter {
    /// Renames attribute paths: `rename` gets every path with its context and returns the
    /// replacement, or `None` to keep it.
    ///
    /// ```
    /// use scimmap::scim::{AttrPath, Filter};
    /// let mut f = Filter::parse(r#"userName eq "a" and emails[type eq "work"]"#).unwrap();
    /// f.rename_paths(&mut |p, _| p.attr.eq_ignore_ascii_case("userName")
    ///     .then(|| AttrPath::new(None, "login", None)));
    /// assert_eq!(f.to_string(), r#"login eq "a" and emails[type eq "work"]"#);
    /// ```
    pub fn rename_paths(
        &mut self,
        rename: &mut dyn FnMut(&AttrPath, PathContext<'_>) -> Option<AttrPath>,
    ) {
        rewrite(self, None, rename, &mut |_, _, _, _| None);
    }

    /// Transforms compared values: `map` gets the path, its context, the operator and the
    /// value, and returns a replacement value, or `None` to keep it.
    pub fn map_values(
        &mut self,
        map: &mut dyn FnMut(&AttrPath, PathContext<'_>, CompareOp, &CompValue) -> Option<CompValue>,
    ) {
        rewrite(self, None, &mut |_, _| None, map);
    }

    /// Every attribute path referenced, with the value path parent for relative ones.
    pub fn attribute_paths(&self) -> Vec<(Option<AttrPath>, AttrPath)> {
        let mut out = Vec::new();
        let mut stack: Vec<(&Filter, Option<&AttrPath>)> = vec![(self, None)];
        while let Some((f, parent)) = stack.pop() {
            match f {
                Filter::Compare { path, .. } | Filter::Present { path, .. } => {
                    out.push((parent.cloned(), path.clone()));
                }
                Filter::And { operands, .. } | Filter::Or { operands, .. } => {
                    stack.extend(operands.iter().rev().map(|o| (o, parent)));
                }
                Filter::Not { inner, .. } => stack.push((inner, parent)),
                Filter::ValuePath {
                    path, filter, tail, ..
                } => {
                    out.push((parent.cloned(), path.clone()));
                    if let Some(t) = tail {
                        stack.push((t, Some(path)));
                    }
                    stack.push((filter, Some(path)));
                }
            }
        }
        out
    }
}

type Rename<'r> = dyn FnMut(&AttrPath, PathContext<'_>) -> Option<AttrPath> + 'r;
type MapValue<'r> =
    dyn FnMut(&AttrPath, PathContext<'_>, CompareOp, &CompValue) -> Option<CompValue> + 'r;

/// Depth is bounded by the parser's nesting limit (and the tree's own depth for hand-built
/// filters, which `Filter::depth` reports).
fn rewrite(
    f: &mut Filter,
    parent: Option<&AttrPath>,
    rename: &mut Rename<'_>,
    map: &mut MapValue<'_>,
) {
    let ctx = |p: Option<&AttrPath>| -> Option<AttrPath> { p.cloned() };
    match f {
        Filter::Compare {
            path, op, value, ..
        } => {
            let parent_owned = ctx(parent);
            let c = match &parent_owned {
                None => PathContext::Resource,
                Some(p) => PathContext::Element { parent: p },
            };
            if let Some(v) = map(path, c, *op, value) {
                *value = v;
            }
            if let Some(n) = rename(path, c) {
                *path = keep_span(n, path);
            }
        }
        Filter::Present { path, .. } => {
            let parent_owned = ctx(parent);
            let c = match &parent_owned {
                None => PathContext::Resource,
                Some(p) => PathContext::Element { parent: p },
            };
            if let Some(n) = rename(path, c) {
                *path = keep_span(n, path);
            }
        }
        Filter::And { operands, .. } | Filter::Or { operands, .. } => {
            for o in operands {
                rewrite(o, parent, rename, map);
            }
        }
        Filter::Not { inner, .. } => rewrite(inner, parent, rename, map),
        Filter::ValuePath {
            path, filter, tail, ..
        } => {
            // Children see the original parent name, so one rename table can map both
            // `emails` and `emails.type` consistently.
            let original = path.clone();
            rewrite(filter, Some(&original), rename, map);
            if let Some(t) = tail {
                rewrite(t, Some(&original), rename, map);
            }
            let c = match parent {
                None => PathContext::Resource,
                Some(p) => PathContext::Element { parent: p },
            };
            if let Some(n) = rename(&original, c) {
                *path = keep_span(n, path);
            }
        }
    }
}

fn keep_span(mut n: AttrPath, old: &AttrPath) -> AttrPath {
    n.span = old.span;
    n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn renames_value_path_type_and_maps_values() {
        let mut f = Filter::parse(r#"phoneNumbers[type eq "work"].value eq "+1 555""#).unwrap();
        f.map_values(&mut |p, c, _, v| match (c, v) {
            (PathContext::Element { parent }, CompValue::String(s))
                if parent.attr == "phoneNumbers" && p.attr == "type" && s == "work" =>
            {
                Some(CompValue::String("work2".into()))
            }
            _ => None,
        });
        f.rename_paths(&mut |p, c| {
            (c == PathContext::Resource && p.attr == "phoneNumbers")
                .then(|| AttrPath::new(None, "phones", None))
        });
        assert_eq!(
            f.to_string(),
            r#"phones[type eq "work2"].value eq "+1 555""#
        );
    }
}
