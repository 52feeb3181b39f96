//! `scimmap check` for mappings: the mistakes admins make when they paste mappings from
//! vendor docs (some machine-translated), caught before Entra rejects them.
//!
//! Errors: target paths that do not parse (unbalanced brackets, typographic quotes),
//! unknown target attributes (SCIM core/enterprise schemas, or the schema's own target
//! directory), duplicate targets, expressions that do not parse, `SelectUniqueValue`
//! nested or on a matching attribute (FUNCS), a create-only flow on a matching attribute,
//! malformed scoping clauses. Warnings: unknown source attributes (they may be tenant
//! extensions), typographic quotes inside string literals, no matching attribute.
//! Every finding carries a suggestion where one exists.

use crate::diagnostic::Diagnostic;
use crate::entra::{Expr, ExprKind, Expression};
use crate::mapping::model::{FlowType, ObjectMapping, SynchronizationSchema};
use crate::mapping::scope::{compile_regex, Operator};
use crate::mapping::source::expression_text;
use crate::mapping::sources;
use crate::mapping::target::{find_attribute, parse_target, target_attributes};
use crate::scim::schema::ENTERPRISE_USER as ENTERPRISE_URN;
use crate::scim::Path;
use crate::span::Span;
use crate::suggest::{closest, Tolerance};
use serde::Serialize;
use serde_json::Value as Json;

/// Which text of a mapping a finding's span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// `targetAttributeName`.
    Target,
    /// The source expression.
    Source,
    /// A scoping clause.
    Scope,
}

/// One problem, located in one text of one attribute mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Object mapping (`User`, `Group`).
    pub object: String,
    /// The target attribute of the mapping concerned (or the clause, for scope).
    pub target: String,
    /// Which text `text` is.
    pub field: Field,
    /// The text the diagnostic's span points into.
    pub text: String,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// Plain-text rendering: a location line, then the diagnostic with its caret.
    pub fn render(&self) -> String {
        let what = match self.field {
            Field::Target => "target",
            Field::Source => "source of",
            Field::Scope => "scoping clause",
        };
        format!(
            "{} › {what} `{}`\n{}",
            self.object,
            self.target,
            self.diagnostic.render(&self.text)
        )
    }
}

const TYPOGRAPHIC: &[char] = &['\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}'];

/// Replaces typographic (and single) quotes in value filters with `"`, closing a string
/// left open before `]` (`[authority eq ‘zoomphone]` → `[authority eq "zoomphone"]`).
pub fn fix_quotes(text: &str) -> String {
    let mut out = String::new();
    let mut in_filter = false;
    let mut quotes = 0usize;
    for c in text.chars() {
        let c = if TYPOGRAPHIC.contains(&c) || (in_filter && c == '\'') {
            '"'
        } else {
            c
        };
        match c {
            '[' => {
                in_filter = true;
                quotes = 0;
            }
            ']' if in_filter => {
                if quotes % 2 == 1 {
                    out.push('"');
                }
                in_filter = false;
            }
            '"' if in_filter => quotes += 1,
            _ => {}
        }
        out.push(c);
    }
    out
}

fn char_span(text: &str, pred: impl Fn(char) -> bool) -> Option<Span> {
    text.char_indices()
        .find(|(_, c)| pred(*c))
        .map(|(i, c)| Span::new(i, i + c.len_utf8()))
}

fn name_span(text: &str, name: &str, from: usize) -> Span {
    let start = text
        .get(from..)
        .and_then(|t| t.find(name))
        .map_or(from, |i| i + from);
    Span::new(start, start + name.len())
}

/// Attribute names a schema's `directories` declare for a directory (Graph
/// `directoryDefinition.objects[].attributes[].name`).
fn directory_attributes(schema: &SynchronizationSchema, directory: Option<&str>) -> Vec<String> {
    let Some(dir) = directory else {
        return Vec::new();
    };
    schema
        .directories
        .iter()
        .flatten()
        .filter(|d| {
            d.get("name")
                .and_then(Json::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(dir))
        })
        .flat_map(|d| {
            d.get("objects")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|o| {
            o.get("attributes")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a.get("name").and_then(Json::as_str).map(str::to_string))
        .collect()
}

/// Lints every object mapping of a schema.
pub fn lint(schema: &SynchronizationSchema) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in &schema.synchronization_rules {
        let targets = directory_attributes(schema, rule.target_directory_name.as_deref());
        let sources = directory_attributes(schema, rule.source_directory_name.as_deref());
        for om in &rule.object_mappings {
            lint_object(om, &targets, &sources, rule.is_scim_target(), &mut out);
        }
    }
    out.sort_by_key(|f| !f.diagnostic.is_error());
    out
}

fn lint_object(
    om: &ObjectMapping,
    targets: &[String],
    sources: &[String],
    scim: bool,
    out: &mut Vec<Finding>,
) {
    let object = if om.target_object_name.is_empty() {
        om.source_object_name.clone()
    } else {
        om.target_object_name.clone()
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut has_matching = false;
    for am in &om.attribute_mappings {
        let target = am.target_attribute_name.clone();
        let mut push = |field: Field, text: &str, d: Diagnostic| {
            out.push(Finding {
                object: object.clone(),
                target: target.clone(),
                field,
                text: text.to_string(),
                diagnostic: d,
            })
        };
        let matching = am.matching().is_some();
        has_matching |= matching;
        // Target path.
        let mut path_text = target.clone();
        if let Some(span) = char_span(&target, |c| TYPOGRAPHIC.contains(&c)) {
            let fixed = fix_quotes(&target);
            push(
                Field::Target,
                &target,
                Diagnostic::error(
                    "typographic-quote",
                    span,
                    "typographic quote in a target path; SCIM filters need ASCII double quotes",
                )
                .with_help(format!("write `{fixed}`")),
            );
            path_text = fixed;
        }
        let declared = targets.iter().any(|t| t.eq_ignore_ascii_case(&path_text));
        match parse_target(&path_text) {
            Err(mut d) => {
                if d.help.is_none() && (d.message.contains('[') || d.message.contains(']')) {
                    d = d.with_help(
                        "a value-path target looks like `phoneNumbers[type eq \"work\"].value`",
                    );
                }
                push(Field::Target, &path_text, d);
            }
            Ok(p) => {
                if scim && !declared {
                    if let Some(d) = unknown_target(&object, &p, &path_text, targets) {
                        push(Field::Target, &path_text, d);
                    }
                }
                let key = p.to_string().to_lowercase();
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    push(
                        Field::Target,
                        &path_text,
                        Diagnostic::error(
                            "duplicate-target",
                            Span::new(0, path_text.len()),
                            format!("`{path_text}` is mapped more than once (first as `{first}`)"),
                        )
                        .with_help("keep one mapping per target attribute"),
                    );
                } else {
                    seen.push((key, path_text.clone()));
                }
            }
        }
        if matching && am.flow() == FlowType::ObjectAddOnly {
            push(
                Field::Target,
                &target,
                Diagnostic::error(
                    "create-only-matching",
                    Span::new(0, target.len()),
                    "a matching attribute is set to flow only during creation",
                )
                .with_help("set \"Apply this mapping\" to Always (flowType `Always`) for matching attributes"),
            );
        }
        // Source expression.
        let Some(src) = am.source() else { continue };
        let text = expression_text(src);
        match Expression::parse(&text) {
            Err(e) => {
                let typo = char_span(&text, |c| TYPOGRAPHIC.contains(&c));
                for d in e.diagnostics {
                    let d = match typo {
                        Some(_) if d.help.is_none() => d.with_help(format!(
                            "replace typographic quotes with ASCII ones: `{}`",
                            text.replace(TYPOGRAPHIC, "\"")
                        )),
                        _ => d,
                    };
                    push(Field::Source, &text, d);
                }
            }
            Ok(expr) => {
                if let Some(span) = char_span(&text, |c| TYPOGRAPHIC.contains(&c)) {
                    push(
                        Field::Source,
                        &text,
                        Diagnostic::warning(
                            "typographic-quote",
                            span,
                            "typographic quote inside the expression",
                        )
                        .with_help("if it was meant to delimit a string, use ASCII `\"`"),
                    );
                }
                // The lint's own unknown-source-attribute says what the checker's
                // translated-attribute would, against this object's attributes.
                for d in expr
                    .warnings()
                    .iter()
                    .filter(|d| d.code != "translated-attribute")
                {
                    push(Field::Source, &text, d.clone());
                }
                lint_expression(&expr, &object, matching, am.flow(), sources, &mut |d| {
                    push(Field::Source, &text, d)
                });
            }
        }
    }
    if !has_matching && !om.attribute_mappings.is_empty() {
        out.push(Finding {
            object: object.clone(),
            target: String::new(),
            field: Field::Target,
            text: String::new(),
            diagnostic: Diagnostic::warning(
                "no-matching-attribute",
                Span::default(),
                "no attribute is used for matching; Entra cannot find existing objects",
            )
            .with_help(
                "set matchingPriority 1 on the attribute the app can filter on (e.g. userName)",
            ),
        });
    }
    lint_scope(om, &object, out);
}

fn unknown_target(object: &str, p: &Path, text: &str, declared: &[String]) -> Option<Diagnostic> {
    let schemas = crate::scim::Schemas::shared_core();
    let Some(attrs) = target_attributes(schemas, object, p.attr.uri.as_deref()) else {
        let urn = p.attr.uri.as_deref().unwrap_or_default();
        if crate::suggest::distance(&urn.to_lowercase(), &ENTERPRISE_URN.to_lowercase()) <= 3
            && !urn.eq_ignore_ascii_case(ENTERPRISE_URN)
        {
            return Some(
                Diagnostic::error(
                    "unknown-schema",
                    Span::new(0, urn.len()),
                    format!("unknown schema URN `{urn}`"),
                )
                .with_help(format!("did you mean `{ENTERPRISE_URN}`?")),
            );
        }
        // A custom extension: its attributes are whatever the app declares.
        return None;
    };
    let attr_from = p.attr.uri.as_ref().map_or(0, |u| u.len() + 1);
    let name = &p.attr.attr;
    let Some(attr) = find_attribute(&attrs, name) else {
        let mut names: Vec<String> = attrs.iter().map(|a| a.name.clone()).collect();
        names.extend(declared.iter().cloned());
        let mut d = Diagnostic::error(
            "unknown-target-attribute",
            name_span(text, name, attr_from),
            format!("unknown target attribute `{name}` in the {object} schema"),
        );
        let enterprise = schemas
            .schema(ENTERPRISE_URN)
            .map(|s| s.attributes.as_slice())
            .unwrap_or_default();
        let user = !object.eq_ignore_ascii_case("Group");
        if let Some(help) = translated_target(name, None, &names, user) {
            d = d.with_help(help);
        } else if let Some(s) = suggest(name, names.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if p.attr.uri.is_none() && !object.eq_ignore_ascii_case("Group") {
            if let Some(s) = suggest(name, enterprise.iter().map(|a| a.name.as_str())) {
                d = d.with_help(format!("did you mean `{ENTERPRISE_URN}:{s}`?"));
            }
        }
        return Some(d);
    };
    let sub = p.target_sub()?;
    if attr.sub_attributes.is_empty() || attr.sub(sub).is_some() {
        return None;
    }
    let from = text.rfind('.').map_or(0, |i| i + 1);
    let mut d = Diagnostic::error(
        "unknown-target-attribute",
        name_span(text, sub, from),
        format!("`{}` has no sub-attribute `{sub}`", attr.name),
    );
    let top: Vec<String> = attrs.iter().map(|a| a.name.clone()).collect();
    let user = !object.eq_ignore_ascii_case("Group");
    if let Some(help) = translated_target(sub, Some(&attr.name), &top, user) {
        d = d.with_help(help);
    } else if let Some(s) = suggest(sub, attr.sub_attributes.iter().map(|a| a.name.as_str())) {
        d = d.with_help(format!("did you mean `{s}`?"));
    }
    Some(d)
}

/// Help for a source attribute that the glossary knows as a translation (`[Vorname]` →
/// `[givenName]`), when the attribute it names is one this object has.
fn translated_source(name: &str, known: &[&str], declared: &[String]) -> Option<String> {
    let m = crate::suggest::glossary::lookup(name)?;
    let entra = m.concept.entra.as_deref()?;
    let exists = known.contains(&entra) || declared.iter().any(|d| d == entra);
    exists.then(|| format!("did you mean `[{entra}]`? ({})", m.explain(name)))
}

/// Help for a target attribute (or, with `parent`, a sub-attribute of it) that the glossary
/// knows as a translation: `adresse` → `addresses`, `name.nomDeFamille` → `familyName`. The
/// SCIM path it names must start with one of the object's attributes (`top`), or be an
/// enterprise-extension attribute of a user.
fn translated_target(
    name: &str,
    parent: Option<&str>,
    top: &[String],
    user: bool,
) -> Option<String> {
    let m = crate::suggest::glossary::lookup(name)?;
    let scim = m.concept.scim.as_deref()?;
    let head = scim.split(['.', '[']).next().unwrap_or_default();
    let exists = top.iter().any(|t| t.eq_ignore_ascii_case(head))
        || (user && scim.starts_with(ENTERPRISE_URN));
    if !exists {
        return None;
    }
    let shown = parent
        .and_then(|p| {
            scim.get(..p.len())
                .filter(|h| h.eq_ignore_ascii_case(p))
                .and_then(|_| scim.get(p.len()..))
                .and_then(|rest| rest.strip_prefix('.'))
        })
        .unwrap_or(scim);
    Some(format!("did you mean `{shown}`? ({})", m.explain(name)))
}

fn lint_expression(
    expr: &Expression,
    object: &str,
    matching: bool,
    flow: FlowType,
    declared: &[String],
    push: &mut dyn FnMut(Diagnostic),
) {
    let known: &[&str] = if object.eq_ignore_ascii_case("Group") {
        sources::ENTRA_GROUP
    } else {
        sources::ENTRA_USER
    };
    let root = expr.ast();
    root.walk(&mut |e: &Expr| match &e.kind {
        ExprKind::Attribute(name) => {
            let ok = known.contains(&name.as_str())
                || declared.iter().any(|d| d == name)
                || name.starts_with("extension_");
            if !ok {
                let mut d = Diagnostic::warning(
                    "unknown-source-attribute",
                    e.span,
                    format!("`{name}` is not an Entra {object} attribute"),
                );
                let candidates = known.iter().copied().chain(declared.iter().map(String::as_str));
                if let Some(help) = translated_source(name, known, declared) {
                    d = d.with_help(help);
                } else if let Some(s) = suggest(name, candidates) {
                    let case = if s.eq_ignore_ascii_case(name) {
                        " (attribute names are case-sensitive)"
                    } else {
                        ""
                    };
                    d = d.with_help(format!("did you mean `[{s}]`?{case}"));
                } else {
                    d = d.with_help("directory extensions are named `extension_<appId>_<name>`");
                }
                push(d);
            }
        }
        ExprKind::Call(c) if c.name == "SelectUniqueValue" => {
            if !std::ptr::eq(e, root) {
                push(
                    Diagnostic::error(
                        "nested-select-unique-value",
                        c.name_span,
                        "SelectUniqueValue must be the outermost function; it cannot be nested",
                    )
                    .with_help("move SelectUniqueValue to the top and nest the other functions inside its rules"),
                );
            }
            if matching {
                push(Diagnostic::error(
                    "select-unique-value-matching",
                    c.name_span,
                    "SelectUniqueValue cannot be used on a matching attribute",
                ));
            }
            if flow != FlowType::ObjectAddOnly {
                push(
                    Diagnostic::warning(
                        "select-unique-value-flow",
                        c.name_span,
                        "SelectUniqueValue runs only during object creation",
                    )
                    .with_help("set \"Apply this mapping\" to Only during creation"),
                );
            }
        }
        _ => {}
    });
}

fn lint_scope(om: &ObjectMapping, object: &str, out: &mut Vec<Finding>) {
    let Some(filter) = om.scope() else { return };
    for g in filter.groups.iter().flatten() {
        for c in &g.clauses {
            let text = format!("{} {}", c.source_operand_name, c.operator_name);
            let mut push = |d: Diagnostic| {
                out.push(Finding {
                    object: object.to_string(),
                    target: text.clone(),
                    field: Field::Scope,
                    text: text.clone(),
                    diagnostic: d,
                })
            };
            let op_span = Span::new(c.source_operand_name.len() + 1, text.len());
            let values = c.values();
            match Operator::parse(&c.operator_name) {
                None => {
                    let names = crate::mapping::scope::OPERATORS.iter().map(|(n, _)| *n);
                    let mut d = Diagnostic::error(
                        "unknown-operator",
                        op_span,
                        format!("unknown scoping operator `{}`", c.operator_name),
                    );
                    if let Some(s) = suggest(&c.operator_name, names) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    push(d);
                }
                Some(Operator::IsMemberOf | Operator::IsNotMemberOf) => push(Diagnostic::warning(
                    "unsupported-operator",
                    op_span,
                    "\"The IsMemberOf filter is not supported currently\" (Entra); the clause never holds",
                )),
                Some(op @ (Operator::RegexMatch | Operator::NotRegexMatch)) => {
                    for v in values {
                        if let Err(e) = compile_regex(v) {
                            push(Diagnostic::error(
                                "invalid-regex",
                                op_span,
                                format!("{} value `{v}` is not a valid regular expression: {e}", op.name()),
                            ));
                        }
                    }
                }
                Some(
                    op @ (Operator::GreaterThan
                    | Operator::GreaterThanOrEquals
                    | Operator::LessThan
                    | Operator::LessThanOrEquals),
                ) => {
                    for v in values.iter().filter(|v| crate::entra::value::parse_integer(v).is_none()) {
                        push(Diagnostic::error(
                            "non-integer-operand",
                            op_span,
                            format!("{} needs an integer value, not `{v}`", op.name()),
                        ));
                    }
                }
                Some(op) if !op.is_unary() && values.is_empty() => push(Diagnostic::error(
                    "missing-operand",
                    op_span,
                    format!("{} needs a value", op.name()),
                )),
                Some(_) => {}
            }
        }
    }
}

/// Did-you-mean for names pasted from vendor docs.
fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest(name, candidates, Tolerance::Loose)
}
