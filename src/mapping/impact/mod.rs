//! `scimmap impact --from A --to B --users FILE`: what changing a mapping would do to a
//! whole population before it ships. Each user is simulated under both mappings (offline
//! provision on demand, [`crate::mapping::simulate`]) and the outcomes compared
//! ([`compare`]): users whose matching value changes (Entra would create a second user —
//! the dangerous case), new errors, users entering or leaving scope, changed attributes.
//!
//! Both mappings are compiled once; users are added one at a time and only counts and a
//! few examples are kept, so memory does not grow with the population. The library does
//! no I/O: [`input::users`] reads any [`std::io::BufRead`] the caller opens.
//!
//! ```
//! use scimmap::mapping::impact::{Impact, ImpactOptions};
//! use scimmap::mapping::presets;
//! let from = presets::load("webex").unwrap();
//! let mut schema = from.schema.to_json();
//! // The edit: userName from mail instead of userPrincipalName.
//! let user_name = schema.pointer_mut(
//!     "/synchronizationRules/0/objectMappings/0/attributeMappings/0/source/expression").unwrap();
//! *user_name = "[mail]".into();
//! let to = scimmap::mapping::Mapping::from_json(&schema).unwrap();
//! let opts = ImpactOptions { object: Some("User".into()), ..ImpactOptions::default() };
//! let mut impact = Impact::new(&from, &to, &opts).unwrap();
//! impact.add(&serde_json::json!({
//!     "userPrincipalName": "ada@contoso.com", "mail": "ada.lovelace@contoso.com"}));
//! let summary = impact.finish();
//! assert_eq!(summary.findings[0].kind.name(), "matchingChanged");
//! assert_eq!(summary.findings[0].count, 1);
//! assert!(summary.dangerous());
//! ```

#[cfg(feature = "cli")]
pub mod cli;
mod compare;
pub mod input;
pub mod report;

pub use input::{users, Format, InputError, Users};
pub use report::{render_text, AttributeChange, Example, Finding, Kind, Severity, Summary};

use crate::entra::EvalOptions;
use crate::mapping::Mapping;
use chrono::{DateTime, Utc};
use compare::{Change, Context, Pair, Shortcut, Side};
use serde_json::Value as Json;
use std::io::BufRead;
use std::sync::Arc;

/// The seed of `Guid()` and `RandomString()` under both mappings, so that an unchanged
/// random mapping does not count as a change.
const SEED: u64 = 0x5c1a_a11e;

/// The options of an impact run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactOptions {
    /// The object type to compare (`User`, `Group`); `None`: the first object mapping of
    /// the old mapping.
    pub object: Option<String>,
    /// How the summary names the old mapping (`preset:webex`, a file name).
    pub from_name: String,
    /// How the summary names the new mapping.
    pub to_name: String,
    /// Examples kept per finding and per attribute.
    pub examples: usize,
    /// The tenant URL carries `aadOptscim062020` (the PATCH dialect).
    pub aad_opt_scim062020: bool,
    /// The clock of `Now()`, the same for every user and both mappings. Required where
    /// there is no system clock (WebAssembly); natively it defaults to the time
    /// [`Impact::new`] runs.
    pub now: Option<DateTime<Utc>>,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        ImpactOptions {
            object: None,
            from_name: "from".into(),
            to_name: "to".into(),
            examples: 3,
            aad_opt_scim062020: false,
            now: None,
        }
    }
}

/// Counts and examples of one kind.
#[derive(Default)]
struct Tally {
    count: usize,
    examples: Vec<Example>,
}

/// Counts and examples of one target attribute.
#[derive(Default)]
struct AttributeTally {
    users: usize,
    changed: usize,
    added: usize,
    dropped: usize,
    examples: Vec<Example>,
}

/// What every part of a run shares: the compiled mappings and the options.
struct Shared {
    from: Side,
    to: Side,
    pairs: Vec<Pair>,
    object: String,
    opts: ImpactOptions,
    now: DateTime<Utc>,
    shortcut: Option<Shortcut>,
}

/// An impact run in progress: add users, then [`Impact::finish`].
pub struct Impact {
    shared: Arc<Shared>,
    /// Users before this part of the run (record numbers of the examples).
    offset: usize,
    users: usize,
    unchanged: usize,
    kinds: [Tally; 7],
    attributes: Vec<AttributeTally>,
    patched: usize,
}

fn side(m: &Mapping, object: Option<&str>, name: &str) -> Result<Side, String> {
    let mapping = m.compile(object).map_err(|e| format!("{name}: {e}"))?;
    let cannot_create = !m.capability(&mapping.target_object, "create");
    let cannot_delete = !m.capability(&mapping.target_object, "delete");
    Ok(Side::new(mapping, cannot_create, cannot_delete))
}

/// Keeps the first `wanted` examples of two parts of a run, the earlier part's first.
#[cfg(not(target_arch = "wasm32"))]
fn merge_examples(into: &mut Vec<Example>, later: Vec<Example>, wanted: usize) {
    let room = wanted.saturating_sub(into.len());
    into.extend(later.into_iter().take(room));
}

impl Impact {
    /// Compiles both mappings for the object type (with none named: the old mapping's
    /// first object mapping, and the new mapping's mapping of the same source object).
    ///
    /// # Errors
    /// A mapping has no object mapping for the type or does not compile (the message
    /// starts with the mapping's name), or there is no clock.
    pub fn new(from: &Mapping, to: &Mapping, opts: &ImpactOptions) -> Result<Impact, String> {
        let a = side(from, opts.object.as_deref(), &opts.from_name)?;
        let object = opts
            .object
            .clone()
            .unwrap_or_else(|| a.mapping.source_object.clone());
        let b = side(to, Some(&object), &opts.to_name)?;
        let now = opts
            .now
            .or_else(crate::entra::eval::system_now)
            .ok_or("there is no system clock here: give the time Now() returns (now)")?;
        let pairs = compare::pairs(&a.mapping, &b.mapping);
        let shared = Shared {
            shortcut: Shortcut::new(&a, &b),
            object: a.mapping.source_object.clone(),
            from: a,
            to: b,
            pairs,
            opts: opts.clone(),
            now,
        };
        Ok(Impact::part(Arc::new(shared), 0))
    }

    /// An empty part of the run whose first user is record `offset + 1`.
    fn part(shared: Arc<Shared>, offset: usize) -> Impact {
        let attributes = shared
            .pairs
            .iter()
            .map(|_| AttributeTally::default())
            .collect();
        Impact {
            shared,
            offset,
            users: 0,
            unchanged: 0,
            kinds: Default::default(),
            attributes,
            patched: 0,
        }
    }

    /// Adds a later part of the same run (its users follow this part's).
    #[cfg(not(target_arch = "wasm32"))]
    fn merge(&mut self, later: Impact) {
        let wanted = self.shared.opts.examples;
        self.users += later.users;
        self.unchanged += later.unchanged;
        self.patched += later.patched;
        for (t, l) in self.kinds.iter_mut().zip(later.kinds) {
            t.count += l.count;
            merge_examples(&mut t.examples, l.examples, wanted);
        }
        for (t, l) in self.attributes.iter_mut().zip(later.attributes) {
            t.users += l.users;
            t.changed += l.changed;
            t.added += l.added;
            t.dropped += l.dropped;
            merge_examples(&mut t.examples, l.examples, wanted);
        }
    }

    /// Users added so far.
    pub fn users(&self) -> usize {
        self.users
    }

    /// Simulates one user (an Entra object; see [`input::normalise`] for the names it is
    /// read under) under both mappings and counts what changes.
    pub fn add(&mut self, user: &Json) {
        let user = input::entra_object(user);
        self.add_entra(&user);
    }

    /// [`Impact::add`] for a user already under the provisioning names (as the readers
    /// give them).
    fn add_entra(&mut self, user: &Json) {
        self.users += 1;
        let record = self.offset + self.users;
        let shared = Arc::clone(&self.shared);
        let eval = EvalOptions {
            now: Some(shared.now),
            seed: Some(SEED),
            ..EvalOptions::default()
        };
        let aad = shared.opts.aad_opt_scim062020;
        let before = shared.from.simulate(user, aad, &eval);
        if let Some(s) = &shared.shortcut {
            if s.unchanged(&shared.to, user, &before, &eval) {
                self.unchanged += 1;
                return;
            }
        }
        let after = shared.to.simulate(user, aad, &eval);
        let cx = Context {
            to: &shared.to,
            pairs: &shared.pairs,
            aad,
            eval: &eval,
        };
        let verdict = compare::compare(&cx, user, &before, &after);
        let wanted = shared.opts.examples;
        let group = shared.object.eq_ignore_ascii_case("Group");
        let mut label = None;
        let mut name = || {
            label
                .get_or_insert_with(|| report::label(user, record, group))
                .clone()
        };
        for d in &verdict.attributes {
            let Some(t) = self.attributes.get_mut(d.pair) else {
                continue;
            };
            t.users += 1;
            match d.change {
                Change::Changed => t.changed += 1,
                Change::Added => t.added += 1,
                Change::Dropped => t.dropped += 1,
            }
            if t.examples.len() < wanted {
                t.examples.push(Example {
                    user: name(),
                    detail: d.change.name().into(),
                    before: d.before.map(report::clip),
                    after: d.after.map(report::clip),
                });
            }
        }
        let Some(kind) = verdict.kind else {
            self.unchanged += 1;
            return;
        };
        if verdict.patched {
            self.patched += 1;
        }
        let position = Kind::ALL.iter().position(|k| *k == kind);
        if let Some(t) = position.and_then(|i| self.kinds.get_mut(i)) {
            t.count += 1;
            if t.examples.len() < wanted {
                t.examples.push(report::example(
                    kind,
                    &verdict.detail,
                    &verdict.attributes,
                    &shared.pairs,
                    name(),
                ));
            }
        }
    }

    /// The summary.
    pub fn finish(self) -> Summary {
        let mut findings: Vec<Finding> = Kind::ALL
            .iter()
            .zip(self.kinds)
            .map(|(kind, t)| Finding {
                kind: *kind,
                severity: kind.severity(),
                meaning: kind.meaning(),
                count: t.count,
                examples: t.examples,
            })
            .collect();
        findings.sort_by_key(|f| (f.severity, std::cmp::Reverse(f.count)));
        let shared = self.shared;
        let notes = notes(&shared.opts, &findings, &self.attributes, self.patched);
        let mut attributes: Vec<AttributeChange> = shared
            .pairs
            .iter()
            .zip(self.attributes)
            .filter(|(_, t)| t.users > 0)
            .map(|(p, t)| AttributeChange {
                target: p.target.clone(),
                users: t.users,
                changed: t.changed,
                added: t.added,
                dropped: t.dropped,
                examples: t.examples,
            })
            .collect();
        attributes.sort_by_key(|a| std::cmp::Reverse(a.users));
        Summary {
            from: shared.opts.from_name.clone(),
            to: shared.opts.to_name.clone(),
            object: shared.object.clone(),
            users: self.users,
            unchanged: self.unchanged,
            changed: self.users - self.unchanged,
            findings,
            attributes,
            notes,
        }
    }
}

/// How to read the numbers.
fn notes(
    opts: &ImpactOptions,
    findings: &[Finding],
    attributes: &[AttributeTally],
    patched: usize,
) -> Vec<String> {
    let (from, to) = (&opts.from_name, &opts.to_name);
    let mut notes = vec![format!(
        "the app is taken to hold, for every user {from} provisions, what {from}'s requests \
         create; each user is then simulated as Entra's next cycle under {to} (the same \
         clock and random seed under both)"
    )];
    let count = |k: Kind| findings.iter().find(|f| f.kind == k).map_or(0, |f| f.count);
    let changed = count(Kind::AttributesChanged);
    if changed > patched {
        notes.push(format!(
            "{patched} of the {changed} users with changed attributes would be PATCHed; for \
             the others the difference is in what Entra sends on create only (default values, \
             create-only mappings) or in values {to} no longer sends"
        ));
    }
    if attributes.iter().any(|t| t.dropped > 0) {
        notes.push(format!(
            "Entra sends no removal: where {to} no longer produces a value (dropped), the app \
             keeps the value {from} wrote"
        ));
    }
    notes
}

/// Reads every user of `reader` ([`input::users`]) into `impact`, calling `progress` with
/// the number of users read every 1024 users and at the end. Returns the number read.
///
/// # Errors
/// The first record that cannot be read; the users before it have been added.
pub fn run_reader<R: BufRead>(
    impact: &mut Impact,
    reader: R,
    format: Option<Format>,
    mut progress: Option<&mut dyn FnMut(usize)>,
) -> Result<usize, InputError> {
    let mut n = 0;
    for user in input::users(reader, format) {
        impact.add_entra(&user?);
        n += 1;
        if n % 1024 == 0 {
            if let Some(p) = progress.as_deref_mut() {
                p(n);
            }
        }
    }
    if let Some(p) = progress {
        p(n);
    }
    Ok(n)
}

/// Users per job of [`run_reader_parallel`].
#[cfg(not(target_arch = "wasm32"))]
const BATCH: usize = 512;

/// [`run_reader`] with the simulations on `threads` threads while this one reads (native
/// only: WebAssembly has no threads). The result is the same as [`run_reader`]'s,
/// examples included: the parts are merged in input order. At most about `2 × threads`
/// batches of 512 users are in flight, so memory stays flat.
///
/// # Errors
/// As [`run_reader`].
#[cfg(not(target_arch = "wasm32"))]
pub fn run_reader_parallel<R: BufRead>(
    impact: &mut Impact,
    reader: R,
    format: Option<Format>,
    threads: usize,
    mut progress: Option<&mut dyn FnMut(usize)>,
) -> Result<usize, InputError> {
    use std::sync::mpsc::{channel, sync_channel};
    use std::sync::Mutex;
    if threads < 2 {
        return run_reader(impact, reader, format, progress);
    }
    let start = impact.offset + impact.users;
    std::thread::scope(|scope| {
        let (jobs, queue) = sync_channel::<(usize, Vec<Json>)>(threads * 2);
        let queue = Arc::new(Mutex::new(queue));
        let (done, results) = channel::<(usize, Impact)>();
        for _ in 0..threads {
            let queue = Arc::clone(&queue);
            let done = done.clone();
            let shared = Arc::clone(&impact.shared);
            scope.spawn(move || loop {
                let job = match queue.lock() {
                    Ok(q) => q.recv(),
                    Err(_) => return,
                };
                let Ok((index, users)) = job else { return };
                let mut part = Impact::part(Arc::clone(&shared), start + index * BATCH);
                for u in &users {
                    part.add_entra(u);
                }
                if done.send((index, part)).is_err() {
                    return;
                }
            });
        }
        drop(done);
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0;
        let mut merge = |impact: &mut Impact, part: Option<(usize, Impact)>| {
            if let Some((i, p)) = part {
                pending.insert(i, p);
            }
            while let Some(p) = pending.remove(&next) {
                impact.merge(p);
                next += 1;
            }
        };
        let mut sent = 0;
        let mut read = 0;
        let mut batch = Vec::with_capacity(BATCH);
        let mut failure = None;
        for user in input::users(reader, format) {
            match user {
                Ok(u) => batch.push(u),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            read += 1;
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if jobs.send((sent, full)).is_err() {
                    break;
                }
                sent += 1;
                while let Ok(part) = results.try_recv() {
                    merge(impact, Some(part));
                }
            }
            if read % 1024 == 0 {
                if let Some(p) = progress.as_deref_mut() {
                    p(read);
                }
            }
        }
        if !batch.is_empty() {
            let _ = jobs.send((sent, batch));
        }
        drop(jobs);
        for part in results.iter() {
            merge(impact, Some(part));
        }
        merge(impact, None);
        if let Some(p) = progress {
            p(read);
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(read),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn population() -> Vec<Json> {
        let mut users: Vec<Json> = include_str!("../../../tests/impact/users.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for i in 0..300 {
            let mut u = json!({
                "userPrincipalName": format!("u{i}@contoso.com"),
                "objectId": format!("id-{i}"),
                "givenName": "Ada",
                "surname": "Lovelace",
                "displayName": if i % 6 == 0 { "Ada B. Lovelace" } else { "Ada Lovelace" },
                "department": if i % 5 == 0 { "Contractors" } else { "Research" },
                "accountEnabled": i % 7 != 0,
            });
            if i % 3 != 0 {
                u["mail"] = json!(format!("u{i}@contoso.com"));
            } else if i % 2 == 0 {
                u["mail"] = json!(format!("mail{i}@contoso.com"));
            }
            if i % 4 != 0 {
                u["jobTitle"] = json!(if i % 8 == 1 { "20240102" } else { "Analyst" });
            }
            users.push(u);
        }
        users
    }

    fn edited(edit: impl FnOnce(&mut Json)) -> Mapping {
        let mut schema = crate::mapping::presets::load("webex")
            .unwrap()
            .schema
            .to_json();
        edit(&mut schema["synchronizationRules"][0]["objectMappings"][0]);
        Mapping::from_json(&schema).unwrap()
    }

    fn source(m: &mut Json, target: &str, expression: &str) {
        for a in m["attributeMappings"].as_array_mut().unwrap() {
            if a["targetAttributeName"] == target {
                a["source"] = json!({"expression": expression, "type": "Function"});
            }
        }
    }

    fn summary(from: &Mapping, to: &Mapping, shortcut: bool) -> Summary {
        let opts = ImpactOptions {
            object: Some("User".into()),
            now: Some("2024-01-02T03:04:05Z".parse().unwrap()),
            examples: 50,
            ..ImpactOptions::default()
        };
        let mut impact = Impact::new(from, to, &opts).unwrap();
        assert!(impact.shared.shortcut.is_some());
        if !shortcut {
            let shared = Arc::get_mut(&mut impact.shared).unwrap();
            shared.shortcut = None;
        }
        for u in population() {
            impact.add(&u);
        }
        impact.finish()
    }

    /// The shortcut changes the work done, never the summary.
    #[test]
    fn the_shortcut_gives_the_full_comparison_s_summary() {
        let webex = crate::mapping::presets::load("webex").unwrap();
        let edits = [
            edited(|_| {}),
            edited(|m| source(m, "userName", "[mail]")),
            edited(|m| source(m, "userName", "ToLower([userPrincipalName])")),
            edited(|m| source(m, "displayName", r#"Join(" ", [givenName], [surname])"#)),
            edited(|m| source(m, "title", "IgnoreFlowIfNullOrEmpty([jobTitle])")),
            edited(|m| {
                source(
                    m,
                    "title",
                    r#"FormatDateTime([jobTitle], , "yyyyMMdd", "yyyy-MM-dd")"#,
                )
            }),
            edited(|m| {
                m["attributeMappings"][6]["defaultValue"] = json!("(none)");
            }),
            edited(|m| {
                m["scope"] = json!({"groups": [{"clauses": [{"operatorName": "NOT EQUALS",
                    "sourceOperandName": "department",
                    "targetOperand": {"values": ["Contractors"]}}]}]});
            }),
        ];
        for (i, to) in edits.iter().enumerate() {
            for (from, to) in [(&webex, to), (to, &webex)] {
                let with = summary(from, to, true);
                assert_eq!(with, summary(from, to, false), "edit {i}");
            }
        }
        let date = summary(&webex, &edits[5], true);
        assert!(date
            .findings
            .iter()
            .any(|f| f.kind == Kind::NewError && f.count > 0));
    }
}
