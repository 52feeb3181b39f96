//! Filtering resources given as JSON text (an array, or a ListResponse's `Resources`,
//! RFC 7644 §3.4.2) without building their trees: each resource is kept as the slice of
//! the input that holds it, the members a filter reads are kept as their texts, and a
//! value is built from one only when the evaluation reaches a part of the filter that reads
//! it. A matching resource is returned as its text, verbatim.
//!
//! The members read are all those whose name equals, ignoring ASCII case (RFC 7643 §2.1),
//! a top-level attribute the filter names or the URN of an extension it names (RFC 7643
//! §3.3), repeated and differently cased spellings included. [`Filter::matches`] reads
//! nothing else of a resource (schema definitions come from the [`Schemas`] argument, not
//! from the resource's `schemas` or `meta`), so it gives the same answer on the reduced
//! object as on the whole one. The filter is evaluated in parts joined by `and`, `or` and
//! `not`, in the matcher's order and with its short-circuits, each part by the matcher on
//! an object holding at least the members the part reads.
//!
//! Text that is not built is checked for JSON syntax only: the limits of building a value
//! (128 levels of nesting, numbers that fit an `f64`, `\u` escapes that are not lone
//! surrogates) apply to the members the evaluation reads, not to the others.

use crate::scim::ast::Filter;
use crate::scim::error::ScimError;
use crate::scim::schema::Schemas;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Filters deeper than this are evaluated whole rather than in parts, so that the
/// matcher's nesting limit applies to them exactly as on whole trees.
const MAX_PLAN_DEPTH: usize = 64;

/// Why resources given as text could not be filtered.
#[derive(Debug, thiserror::Error)]
pub enum ResourcesTextError {
    /// The text is not JSON, or a member the filter reads cannot be built as a value.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The JSON is neither an array nor an object with a `Resources` array.
    #[error("expected an array or a ListResponse")]
    NotAList,
    /// The filter cannot apply (`invalidFilter`, see [`Filter::matches`]).
    #[error(transparent)]
    Filter(#[from] ScimError),
}

/// The resources of a JSON array or ListResponse, each as its unparsed text.
#[derive(Debug)]
pub struct ResourceTexts<'a> {
    input: &'a str,
    items: Vec<&'a RawValue>,
}

impl<'a> ResourceTexts<'a> {
    /// Splits `input` into its resources: the elements of a top-level array, or of the
    /// `Resources` member of a top-level object (the last one when repeated). The whole
    /// text is checked for JSON syntax.
    ///
    /// # Errors
    /// [`ResourcesTextError::Json`] for text that is not JSON,
    /// [`ResourcesTextError::NotAList`] for JSON of another shape.
    pub fn parse(input: &'a str) -> Result<Self, ResourcesTextError> {
        let items: Option<Vec<&'a RawValue>> = serde_json::from_str::<ListShape<'a>>(input)
            .map_err(|e| ResourcesTextError::Json(e.to_string()))?
            .0;
        let items = items.ok_or(ResourcesTextError::NotAList)?;
        Ok(ResourceTexts { input, items })
    }

    /// How many resources there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each resource's text, in input order.
    pub fn texts(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.items.iter().map(|r| r.get())
    }

    /// The texts of the resources that match `filter`, in input order, each exactly as
    /// written in the input (whitespace and repeated members included).
    ///
    /// # Errors
    /// [`ResourcesTextError::Filter`] when the filter cannot apply,
    /// [`ResourcesTextError::Json`] when a member it reads cannot be built as a value.
    ///
    /// # Examples
    /// ```
    /// use scimmap::scim::{Filter, ResourceTexts, Schemas};
    /// let list = r#"{"Resources": [{"id": "1", "UserName": "ada"}, {"id": "2", "userName": "bob"}]}"#;
    /// let f = Filter::parse(r#"userName eq "ADA""#).unwrap();
    /// let texts = ResourceTexts::parse(list).unwrap();
    /// let matched = texts.select(&f, &Schemas::core()).unwrap();
    /// assert_eq!(matched, [r#"{"id": "1", "UserName": "ada"}"#]);
    /// ```
    pub fn select(
        &self,
        filter: &Filter,
        schemas: &Schemas,
    ) -> Result<Vec<&'a str>, ResourcesTextError> {
        let mut names = Vec::new();
        let plan = Plan::new(filter, schemas, &mut names);
        let mut out = Vec::new();
        for raw in &self.items {
            let mut resource = self.members(raw.get(), &names)?;
            if self.run(&plan, &mut resource, schemas)? {
                out.push(raw.get());
            }
        }
        Ok(out)
    }

    /// The members of `text` whose names are in `names`, unbuilt; none for a non-object,
    /// which matches as an object without members would (no attribute is found in it).
    fn members(&self, text: &'a str, names: &[String]) -> Result<Resource<'a>, ResourcesTextError> {
        let mut resource = Resource {
            members: Vec::new(),
            built: vec![false; names.len()],
            object: Value::Null,
        };
        if !text.starts_with('{') {
            return Ok(resource);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        resource.members = Members { names }
            .deserialize(&mut de)
            .map_err(|e| ResourcesTextError::Json(self.locate(text, &e)))?;
        resource.object = Value::Object(Map::with_capacity(resource.members.len()));
        Ok(resource)
    }

    /// Whether `resource` matches the filter `plan` was made from.
    fn run(
        &self,
        plan: &Plan<'_>,
        resource: &mut Resource<'a>,
        schemas: &Schemas,
    ) -> Result<bool, ResourcesTextError> {
        match plan {
            Plan::And(parts) => {
                for p in parts {
                    if !self.run(p, resource, schemas)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Plan::Or(parts) => {
                for p in parts {
                    if self.run(p, resource, schemas)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Plan::Not(inner) => Ok(!self.run(inner, resource, schemas)?),
            Plan::Part { filter, names } => {
                self.build(resource, names)?;
                Ok(filter.matches(&resource.object, schemas)?)
            }
        }
    }

    /// Builds the members of `resource` in the name classes `names` not built yet, each
    /// class in input order (a repeated name keeps its first place and its last value, as
    /// `serde_json` builds a whole object).
    fn build(
        &self,
        resource: &mut Resource<'a>,
        names: &[usize],
    ) -> Result<(), ResourcesTextError> {
        let Value::Object(object) = &mut resource.object else {
            return Ok(());
        };
        for &class in names {
            if resource.built.get(class).copied().unwrap_or(true) {
                continue;
            }
            for (c, key, raw) in &resource.members {
                if *c == class {
                    let value = serde_json::from_str(raw.get())
                        .map_err(|e| ResourcesTextError::Json(self.locate(raw.get(), &e)))?;
                    object.insert(key.to_string(), value);
                }
            }
            if let Some(b) = resource.built.get_mut(class) {
                *b = true;
            }
        }
        Ok(())
    }

    /// `e`, found in `part` (a slice of the input), with its line and column counted from
    /// the start of the input, as an error of parsing the whole input would give them.
    fn locate(&self, part: &str, e: &serde_json::Error) -> String {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let Some(bare) = message.strip_suffix(&suffix) else {
            return message;
        };
        let before = self
            .input
            .get(..(part.as_ptr() as usize).saturating_sub(self.input.as_ptr() as usize))
            .unwrap_or_default();
        let lines_before = before.matches('\n').count();
        let column_start = before
            .rfind('\n')
            .map_or(before.len(), |i| before.len() - i - 1);
        let line = lines_before + e.line();
        let column = if e.line() == 1 {
            column_start + e.column()
        } else {
            e.column()
        };
        format!("{bare} at line {line} column {column}")
    }
}

/// One resource's members that the filter reads: their name classes (indexes into the
/// plan's names), names and unbuilt texts, and the object built from them so far.
struct Resource<'a> {
    members: Vec<(usize, Cow<'a, str>, &'a RawValue)>,
    built: Vec<bool>,
    object: Value,
}

/// A filter split at the `and`, `or` and `not` that join parts reading members.
enum Plan<'f> {
    And(Vec<Plan<'f>>),
    Or(Vec<Plan<'f>>),
    Not(Box<Plan<'f>>),
    /// A part the matcher evaluates whole, with the name classes of the members it reads.
    Part {
        filter: &'f Filter,
        names: Vec<usize>,
    },
}

impl<'f> Plan<'f> {
    /// The plan of `filter`; `names` collects the member names read, one per class of
    /// names equal ignoring ASCII case.
    fn new(filter: &'f Filter, schemas: &Schemas, names: &mut Vec<String>) -> Plan<'f> {
        if filter.depth() > MAX_PLAN_DEPTH {
            return Plan::part(filter, schemas, names);
        }
        Plan::split(filter, schemas, names)
    }

    fn split(filter: &'f Filter, schemas: &Schemas, names: &mut Vec<String>) -> Plan<'f> {
        match filter {
            Filter::And { operands, .. } => Plan::And(
                operands
                    .iter()
                    .map(|o| Plan::split(o, schemas, names))
                    .collect(),
            ),
            Filter::Or { operands, .. } => Plan::Or(
                operands
                    .iter()
                    .map(|o| Plan::split(o, schemas, names))
                    .collect(),
            ),
            Filter::Not { inner, .. } => Plan::Not(Box::new(Plan::split(inner, schemas, names))),
            part => Plan::part(part, schemas, names),
        }
    }

    fn part(filter: &'f Filter, schemas: &Schemas, names: &mut Vec<String>) -> Plan<'f> {
        let mut classes = Vec::new();
        for name in read_members(filter, schemas) {
            let class = match names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            if !classes.contains(&class) {
                classes.push(class);
            }
        }
        Plan::Part {
            filter,
            names: classes,
        }
    }
}

/// The member names a resource must keep for `filter`: each top-level attribute it names
/// (the attribute of a value path included; names inside its brackets are relative to an
/// element), or the extension URN that holds it (RFC 7643 §3.3).
fn read_members(filter: &Filter, schemas: &Schemas) -> Vec<String> {
    filter
        .attribute_paths()
        .into_iter()
        .map(|(parent, path)| {
            let top = parent.unwrap_or(path);
            match top.uri {
                Some(uri) if !schemas.is_core(&uri) => uri,
                _ => top.attr,
            }
        })
        .collect()
}

/// The resources of a top-level array or ListResponse; `None` for any other JSON.
struct ListShape<'a>(Option<Vec<&'a RawValue>>);

impl<'de: 'a, 'a> de::Deserialize<'de> for ListShape<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor { top: true }).map(ListShape)
    }
}

/// An array's elements as raw texts; at the top level, also an object's `Resources` member
/// (matched exactly, as the ListResponse attribute name is written in RFC 7644 §3.4.2).
struct ListVisitor {
    top: bool,
}

impl<'de> DeserializeSeed<'de> for ListVisitor {
    type Value = Option<Vec<&'de RawValue>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Option<Vec<&'de RawValue>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Some(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut resources = None;
        while let Some(key) = map.next_key_seed(KeyIs("Resources"))? {
            if key && self.top {
                resources = map.next_value_seed(ListVisitor { top: false })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(resources)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A map key compared with one name, exactly; the key is not copied.
struct KeyIs(&'static str);

impl<'de> DeserializeSeed<'de> for KeyIs {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// An object's members whose names are in `names` (ignoring ASCII case), in input order,
/// each with the index of its name, unbuilt; the other members are skipped.
struct Members<'n> {
    names: &'n [String],
}

type Member<'de> = (usize, Cow<'de, str>, &'de RawValue);

impl<'de> DeserializeSeed<'de> for Members<'_> {
    type Value = Vec<Member<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Members<'_> {
    type Value = Vec<Member<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(self.names.len());
        while let Some(key) = map.next_key_seed(KeyIn(self.names))? {
            match key {
                Some((class, name)) => out.push((class, name, map.next_value::<&RawValue>()?)),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A map key: when it is one of the names (ignoring ASCII case), that name's index and the
/// key, borrowed from the input unless it has escapes.
struct KeyIn<'n>(&'n [String]);

impl<'de> DeserializeSeed<'de> for KeyIn<'_> {
    type Value = Option<(usize, Cow<'de, str>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIn<'_> {
    type Value = Option<(usize, Cow<'de, str>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.class(v).map(|c| (c, Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.class(v).map(|c| (c, Cow::Owned(v.to_string()))))
    }
}

impl KeyIn<'_> {
    fn class(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|n| n.eq_ignore_ascii_case(key))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn select(filter: &str, input: &str) -> Result<Vec<String>, ResourcesTextError> {
        let f = Filter::parse(filter).unwrap();
        let texts = ResourceTexts::parse(input)?;
        Ok(texts
            .select(&f, &Schemas::core())?
            .into_iter()
            .map(String::from)
            .collect())
    }

    #[test]
    fn keeps_matches_verbatim() {
        let input = "[ {\"id\": \"1\",\n \"active\" : true, \"x\": [1e400]} , {\"id\":\"2\",\"active\":false} ]";
        assert_eq!(
            select("active eq true", input).unwrap(),
            ["{\"id\": \"1\",\n \"active\" : true, \"x\": [1e400]}"]
        );
    }

    #[test]
    fn names_fold_case_and_exact_spelling_wins() {
        let input = r#"[{"USERNAME": "a", "userName": "b"}, {"UserName": "a", "USERNAME": "b"}]"#;
        assert_eq!(select(r#"userName eq "b""#, input).unwrap().len(), 1);
        assert_eq!(select(r#"USERNAME eq "b""#, input).unwrap().len(), 1);
        assert_eq!(select(r#"username eq "a""#, input).unwrap().len(), 2);
    }

    #[test]
    fn extension_members_are_read_under_their_urn() {
        let input = r#"[{"URN:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"department": "R&D"}}]"#;
        let f = r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d""#;
        assert_eq!(select(f, input).unwrap().len(), 1);
    }

    #[test]
    fn list_response_and_shapes() {
        let list = r#"{"totalResults": 2, "Resources": [{"a": 1}, {"a": 2}], "itemsPerPage": 2}"#;
        assert_eq!(select("a gt 1", list).unwrap(), [r#"{"a": 2}"#]);
        for bad in [r#"{"resources": []}"#, r#"{"Resources": {}}"#, "3", "\"x\""] {
            assert!(matches!(
                ResourceTexts::parse(bad),
                Err(ResourcesTextError::NotAList)
            ));
        }
        assert!(matches!(
            ResourceTexts::parse("[1,"),
            Err(ResourcesTextError::Json(_))
        ));
        // Non-objects hold no attributes: they match what an empty object matches.
        assert_eq!(select("a eq null", "[1, [], {}]").unwrap().len(), 3);
    }

    #[test]
    fn members_are_built_only_when_a_part_reads_them() {
        // `title` cannot be built (beyond f64); only resources whose userName matches reach it.
        let input = r#"[{"userName": "a", "title": 1e400}, {"userName": "b", "title": 1e400}]"#;
        assert_eq!(
            select(r#"userName eq "c" and title pr"#, input)
                .unwrap()
                .len(),
            0
        );
        assert!(select(r#"userName eq "b" and title pr"#, input).is_err());
        assert!(select(r#"not (userName ne "a") or title pr"#, input).is_err());
    }

    #[test]
    fn errors_in_members_read_are_located_in_the_input() {
        let input = "[{\"a\": 1},\n  {\"b\": 2, \"a\": 1e400}]";
        let e = select("a eq 1", input).unwrap_err().to_string();
        let whole = serde_json::from_str::<Value>(input)
            .unwrap_err()
            .to_string();
        assert_eq!(e, format!("invalid JSON: {whole}"));
    }
}
