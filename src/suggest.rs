//! Did-you-mean suggestions, shared by the expression checker, the Graph tree converter and
//! the mapping lint so that every "did you mean" in the tool ranks names the same way.
//!
//! A candidate is accepted, best first, when it equals the name ignoring case, when the
//! name is a prefix of it (a truncated name: `IsSoftDel`), when the name abbreviates it
//! (`usrPrncplNm`, `telNum`), or when it is within the edit-distance tolerance (a typo).
//! Names translated into the reader's language are looked up in [`glossary`].

pub mod glossary;

/// Names longer than this get no suggestion: nobody abbreviates or mistypes a name that
/// long, and it bounds the quadratic work per candidate.
const MAX_NAME: usize = 128;
/// Candidates longer than this are skipped, for the same reason.
const MAX_CANDIDATE: usize = 256;
/// A prefix counts only from this many characters (`mail` is a prefix of `mailNickname`,
/// `tel` of too much).
const MIN_PREFIX: usize = 4;
/// An abbreviation needs at least this many characters.
const MIN_ABBREVIATION: usize = 3;

/// How far a name may be from a candidate and still count as a typo of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// One edit for names of up to four characters, otherwise a third of the length (at
    /// least two). Function and enum names are short and many are one edit apart (`Now`,
    /// `Not`), so a looser limit would suggest the wrong one.
    Tight,
    /// A third of the name's length, at least two edits. Attribute names and paths pasted
    /// from vendor docs are longer and often carry two slips (`phoneNumberss`).
    Loose,
}

impl Tolerance {
    fn limit(self, len: usize) -> usize {
        match self {
            Tolerance::Tight if len <= 4 => 1,
            Tolerance::Tight | Tolerance::Loose => (len / 3).max(2),
        }
    }
}

/// How a candidate matched; the derived order is the preference (lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// Equal ignoring case.
    Equal,
    /// The name is a prefix of the candidate; fewer remaining characters is better.
    Prefix { extra: usize },
    /// The name abbreviates the candidate; more word initials matched is better, then the
    /// shorter candidate.
    Abbreviation { missed: usize, len: usize },
    /// Within the edit-distance tolerance.
    Distance(usize),
}

/// A name split into characters, lower-cased, with the positions that start a word.
struct Word {
    chars: Vec<char>,
    starts: Vec<bool>,
}

impl Word {
    fn new(s: &str) -> Word {
        let original: Vec<char> = s.chars().collect();
        let mut chars = Vec::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        let mut prev: Option<char> = None;
        for &c in &original {
            let start = match prev {
                None => true,
                Some(p) => {
                    is_separator(p)
                        || (c.is_uppercase() && !p.is_uppercase())
                        || (c.is_numeric() && !p.is_numeric())
                }
            };
            chars.extend(c.to_lowercase());
            starts.extend(c.to_lowercase().enumerate().map(|(k, _)| start && k == 0));
            prev = Some(c);
        }
        Word { chars, starts }
    }

    fn len(&self) -> usize {
        self.chars.len()
    }

    fn initials(&self) -> usize {
        self.starts
            .iter()
            .zip(&self.chars)
            .filter(|(s, c)| **s && !is_separator(**c))
            .count()
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, '_' | '-' | '.' | ' ' | ':')
}

/// The candidate closest to `name`, compared case-insensitively: equal, then prefix, then
/// abbreviation, then within the tolerance; the first of equally good candidates wins.
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    tolerance: Tolerance,
) -> Option<&'a str> {
    let word = Word::new(name);
    if word.len() == 0 || word.len() > MAX_NAME {
        return None;
    }
    let limit = tolerance.limit(word.len());
    let mut ranked: Vec<(Rank, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| rank(&word, c, limit).map(|r| (r, c)))
        .collect();
    let prefixes = ranked
        .iter()
        .filter(|(r, _)| matches!(r, Rank::Prefix { .. }))
        .count();
    // A prefix shared by several candidates (`onPrem`) names none of them unless the
    // name is most of the best one.
    if prefixes > 1 {
        ranked.retain(|(r, _)| !matches!(r, Rank::Prefix { extra } if *extra > word.len()));
    }
    let mut best: Option<(Rank, &'a str)> = None;
    for (r, c) in ranked {
        if best.map_or(true, |(b, _)| r < b) {
            best = Some((r, c));
        }
    }
    best.map(|(_, c)| c)
}

fn rank(name: &Word, candidate: &str, limit: usize) -> Option<Rank> {
    let cand = Word::new(candidate);
    if cand.len() > MAX_CANDIDATE {
        return None;
    }
    if name.chars == cand.chars {
        return Some(Rank::Equal);
    }
    if name.len() >= MIN_PREFIX && cand.chars.starts_with(&name.chars) {
        return Some(Rank::Prefix {
            extra: cand.len() - name.len(),
        });
    }
    if let Some(missed) = abbreviation(name, &cand) {
        return Some(Rank::Abbreviation {
            missed,
            len: cand.len(),
        });
    }
    let d = distance_chars(&name.chars, &cand.chars);
    (d <= limit).then_some(Rank::Distance(d))
}

/// Whether `name` abbreviates `cand`: its characters appear in order in `cand`, starting
/// at its first, and each word of `name` starts where a word of `cand` does (`telNum` →
/// `tel|ephone|Num|ber`). Returns how many of `cand`'s word initials the best alignment
/// leaves unmatched. Accepted when the name is at least a third of the candidate, or
/// matches every initial (`upn` → `userPrincipalName`); a candidate of several words
/// needs two of its initials matched, so one letter in common at the start is not enough.
fn abbreviation(name: &Word, cand: &Word) -> Option<usize> {
    let (n, m) = (name.len(), cand.len());
    if n < MIN_ABBREVIATION || n >= m || name.chars.first() != cand.chars.first() {
        return None;
    }
    let hits = initials_matched(name, cand)?;
    let initials = cand.initials();
    let enough_text = n * 3 >= m;
    if hits < initials.min(2) || !(enough_text || hits == initials) {
        return None;
    }
    Some(initials - hits)
}

/// The most word initials of `cand` an in-order alignment of `name` into it can match,
/// with `name`'s first character on `cand`'s and each word start of `name` on a word start
/// of `cand`; `None` if there is no such alignment. Dynamic programming over suffixes:
/// `best[i][j]` is the score for `name[i..]` placed within `cand[j..]`.
fn initials_matched(name: &Word, cand: &Word) -> Option<usize> {
    let (n, m) = (name.len(), cand.len());
    let w = m + 1;
    let mut best: Vec<Option<usize>> = vec![None; (n + 1) * w];
    for j in 0..=m {
        if let Some(x) = best.get_mut(n * w + j) {
            *x = Some(0);
        }
    }
    for i in (1..n).rev() {
        for j in (1..m).rev() {
            let skip = best.get(i * w + j + 1).copied().flatten();
            let here = match (name.chars.get(i), cand.chars.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    let initial = cand.starts.get(j).copied().unwrap_or(false);
                    let word_start = name.starts.get(i).copied().unwrap_or(false);
                    if word_start && !initial {
                        None
                    } else {
                        best.get((i + 1) * w + j + 1)
                            .copied()
                            .flatten()
                            .map(|s| s + usize::from(initial))
                    }
                }
                _ => None,
            };
            if let Some(x) = best.get_mut(i * w + j) {
                *x = skip.max(here);
            }
        }
    }
    best.get(w + 1).copied().flatten().map(|s| s + 1)
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so `Jion`
/// is one edit from `Join`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    distance_chars(&a, &b)
}

fn distance_chars(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    let get = |d: &[usize], i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let (i1, j1) = (i + 1, j + 1);
            let cost = usize::from(ca != cb);
            let mut v = (get(&d, i, j1) + 1)
                .min(get(&d, i1, j) + 1)
                .min(get(&d, i, j) + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                v = v.min(get(&d, i - 1, j - 1) + 1);
            }
            if let Some(x) = d.get_mut(at(i1, j1)) {
                *x = v;
            }
        }
    }
    get(&d, a.len(), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::sources::ENTRA_USER;

    #[test]
    fn distances() {
        assert_eq!(distance("jion", "join"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn tolerances() {
        let names = ["Replace", "Join"];
        assert_eq!(closest("Repalce", names, Tolerance::Tight), Some("Replace"));
        assert_eq!(closest("Foo", ["Now"], Tolerance::Tight), None);
        assert_eq!(closest("nme", ["name"], Tolerance::Tight), Some("name"));
        assert_eq!(closest("nm", ["name"], Tolerance::Tight), None);
        assert_eq!(closest("nm", ["name"], Tolerance::Loose), Some("name"));
        assert_eq!(
            closest(
                "phoneNumberss",
                ["emails", "phoneNumbers"],
                Tolerance::Loose
            ),
            Some("phoneNumbers")
        );
    }

    /// Names an admin pastes, against the Entra user attributes: typos, truncations and
    /// abbreviations find the attribute; short or unrelated names find nothing.
    #[test]
    fn entra_user_attribute_table() {
        let table: &[(&str, Option<&str>)] = &[
            // Case only.
            ("JobTitle", Some("jobTitle")),
            ("issoftdeleted", Some("IsSoftDeleted")),
            // Typos (edit distance).
            ("givenNme", Some("givenName")),
            ("mial", Some("mail")),
            ("jobTitel", Some("jobTitle")),
            ("surnmae", Some("surname")),
            // Truncated (prefix of at least four characters).
            ("IsSoftDel", Some("IsSoftDeleted")),
            ("userPrinc", Some("userPrincipalName")),
            ("telephone", Some("telephoneNumber")),
            ("physicalDelivery", Some("physicalDeliveryOfficeName")),
            ("mailNick", Some("mailNickname")),
            ("prefLang", Some("preferredLanguage")),
            // Abbreviations.
            ("usrPrncplNm", Some("userPrincipalName")),
            ("telNum", Some("telephoneNumber")),
            ("upn", Some("userPrincipalName")),
            ("dept", Some("department")),
            ("empId", Some("employeeId")),
            ("dispName", Some("displayName")),
            ("stAddr", Some("streetAddress")),
            ("extAttr5", Some("extensionAttribute5")),
            ("mgr", Some("manager")),
            ("acctEnabled", Some("accountEnabled")),
            // Not close to anything.
            ("id", None),
            ("nm", None),
            ("foo", None),
            ("xyz", None),
            ("abc", None),
            ("mgmt", None),
            ("pwd", None),
            ("onPrem", None),
            ("badgeNumber", None),
            ("favouriteColour", None),
            ("", None),
        ];
        for (name, want) in table {
            let got = closest(name, ENTRA_USER.iter().copied(), Tolerance::Loose);
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn function_names_with_the_tight_tolerance() {
        let functions = [
            "FormatDateTime",
            "SelectUniqueValue",
            "IsNull",
            "IsNullOrEmpty",
            "Now",
            "Not",
            "Join",
        ];
        let table: &[(&str, Option<&str>)] = &[
            ("FmtDateTime", Some("FormatDateTime")),
            ("SelectUnique", Some("SelectUniqueValue")),
            ("IsNul", Some("IsNull")),
            ("Nwo", Some("Now")),
            ("NOT", Some("Not")),
            ("Foo", None),
            ("In", None),
            ("Sum", None),
        ];
        for (name, want) in table {
            assert_eq!(closest(name, functions, Tolerance::Tight), *want, "{name}");
        }
    }

    #[test]
    fn a_prefix_shared_by_several_needs_most_of_the_name() {
        let c = ["onPremisesDomainName", "onPremisesSamAccountName"];
        assert_eq!(
            closest("onPremisesDom", c, Tolerance::Loose),
            Some("onPremisesDomainName")
        );
        assert_eq!(closest("onPrem", c, Tolerance::Loose), None);
        // Unique: a short prefix is enough.
        assert_eq!(
            closest("onPrem", ["onPremisesDomainName"], Tolerance::Loose),
            Some("onPremisesDomainName")
        );
    }

    #[test]
    fn deterministic_and_bounded() {
        let a = closest(
            "extensionAttr",
            ENTRA_USER.iter().copied(),
            Tolerance::Loose,
        );
        for _ in 0..3 {
            assert_eq!(
                closest(
                    "extensionAttr",
                    ENTRA_USER.iter().copied(),
                    Tolerance::Loose
                ),
                a
            );
        }
        let long = "a".repeat(MAX_NAME + 1);
        assert_eq!(closest(&long, [long.as_str()], Tolerance::Loose), None);
        let huge = format!("mail{}", "x".repeat(MAX_CANDIDATE));
        assert_eq!(closest("mail", [huge.as_str()], Tolerance::Loose), None);
    }
}
