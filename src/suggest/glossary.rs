//! Attribute names translated into the reader's language (`Vorname`, `nomDeFamille`,
//! `correoElectrónico`): vendor documents are often machine-translated, and so are the
//! attribute names in their mapping tables. The glossary (`data/glossary/attributes.json`,
//! compiled in so that it works in wasm without file I/O) maps each translated term to the
//! Entra source attribute and the SCIM target path it stands for.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

const DATA: &str = include_str!("../../data/glossary/attributes.json");

/// Names longer than this are not looked up (no term is nearly this long).
const MAX_NAME: usize = 96;

/// One attribute, as the glossary describes it.
#[derive(Debug, Deserialize)]
pub struct Concept {
    /// What it is, in English (`"surname"`).
    pub concept: String,
    /// The Entra source attribute (`surname`), if Entra has one.
    pub entra: Option<String>,
    /// The SCIM target path (`name.familyName`), if SCIM has one.
    pub scim: Option<String>,
    #[serde(flatten)]
    terms: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct File {
    /// In file order (serde_json's `preserve_order`), the order explanations list them in.
    languages: serde_json::Map<String, serde_json::Value>,
    concepts: Vec<Concept>,
}

struct Glossary {
    /// Code and name, in file order.
    languages: Vec<(String, String)>,
    concepts: Vec<Concept>,
    /// Folded term → (concept index, language codes in file order).
    index: HashMap<String, (usize, Vec<String>)>,
}

/// A translated name found in the glossary.
#[derive(Debug, Clone)]
pub struct Match {
    /// The attribute it names.
    pub concept: &'static Concept,
    /// The languages it is a term of, as language names (`"Spanish"`).
    pub languages: Vec<&'static str>,
    /// Whether it is a term of some language other than English.
    pub translated: bool,
}

impl Match {
    /// `` `correoElectrónico` is Spanish for email address `` (or "another name for", for an
    /// English synonym).
    pub fn explain(&self, name: &str) -> String {
        let langs: Vec<&str> = self
            .languages
            .iter()
            .copied()
            .filter(|l| *l != "English")
            .collect();
        let what = &self.concept.concept;
        match langs.split_last() {
            None => format!("`{name}` is another name for {what}"),
            Some((last, [])) => format!("`{name}` is {last} for {what}"),
            Some((last, rest)) => format!("`{name}` is {} and {last} for {what}", rest.join(", ")),
        }
    }
}

fn glossary() -> Option<&'static Glossary> {
    static GLOSSARY: OnceLock<Option<Glossary>> = OnceLock::new();
    GLOSSARY.get_or_init(load).as_ref()
}

/// Parses the compiled-in data; `None` only if the data file is broken, which the unit
/// tests rule out, so a broken build suggests nothing rather than panicking.
fn load() -> Option<Glossary> {
    let file: File = serde_json::from_str(DATA).ok()?;
    let mut index: HashMap<String, (usize, Vec<String>)> = HashMap::new();
    for (i, c) in file.concepts.iter().enumerate() {
        for (lang, terms) in &c.terms {
            for term in terms {
                for key in [fold(term), fold_umlauts(term)] {
                    let entry = index.entry(key).or_insert_with(|| (i, Vec::new()));
                    if entry.0 == i && !entry.1.contains(lang) {
                        entry.1.push(lang.clone());
                    }
                }
            }
        }
    }
    let languages: Vec<(String, String)> = file
        .languages
        .iter()
        .filter_map(|(code, name)| Some((code.clone(), name.as_str()?.to_string())))
        .collect();
    let order = |l: &String| languages.iter().position(|(c, _)| c == l);
    for (_, langs) in index.values_mut() {
        langs.sort_by_key(order);
    }
    Some(Glossary {
        languages,
        concepts: file.concepts,
        index,
    })
}

/// The concept `name` translates, matched ignoring case, accents, spaces and punctuation.
pub fn lookup(name: &str) -> Option<Match> {
    if name.chars().count() > MAX_NAME {
        return None;
    }
    let g = glossary()?;
    let (i, langs) = g.index.get(&fold(name))?;
    let concept = g.concepts.get(*i)?;
    let languages: Vec<&'static str> = langs
        .iter()
        .filter_map(|l| g.languages.iter().find(|(c, _)| c == l))
        .map(|(_, name)| name.as_str())
        .collect();
    Some(Match {
        concept,
        translated: langs.iter().any(|l| l != "en"),
        languages,
    })
}

/// Lower case, accents dropped, `ß` as `ss`, only letters and digits kept:
/// `Nom de famille`, `nom_de_famille` and `nomDeFamille` all fold to `nomdefamille`.
pub fn fold(s: &str) -> String {
    fold_with(s, false)
}

/// [`fold`], but with German umlauts written out (`Büro` → `buero`), so that the ASCII
/// spelling a German writer uses also matches.
fn fold_umlauts(s: &str) -> String {
    fold_with(s, true)
}

fn fold_with(s: &str, umlauts: bool) -> String {
    let mut lower = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'ß' => lower.push_str("ss"),
            'ä' | 'ö' | 'ü' if umlauts => {
                lower.push(match c {
                    'ä' => 'a',
                    'ö' => 'o',
                    _ => 'u',
                });
                lower.push('e');
            }
            _ => lower.push(c),
        }
    }
    lower
        .nfd()
        .filter(|c| !is_combining_mark(*c) && c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::mapping::sources::{ENTRA_GROUP, ENTRA_USER};

    #[test]
    fn the_data_parses_and_covers_every_language() {
        let g = glossary().expect("data/glossary/attributes.json parses");
        for lang in ["fr", "de", "es", "it", "pt", "nl"] {
            let n = g
                .concepts
                .iter()
                .filter(|c| c.terms.get(lang).is_some_and(|t| !t.is_empty()))
                .count();
            assert!(n >= 30, "{lang}: {n} concepts");
        }
        for c in &g.concepts {
            for lang in c.terms.keys() {
                assert!(
                    g.languages.iter().any(|(code, _)| code == lang),
                    "{}: {lang}",
                    c.concept
                );
            }
        }
    }

    /// Every term names one concept: otherwise the suggestion would depend on file order.
    #[test]
    fn no_term_names_two_concepts() {
        let g = glossary().unwrap();
        let mut seen: HashMap<String, &str> = HashMap::new();
        for c in &g.concepts {
            for term in c.terms.values().flatten() {
                for key in [fold(term), fold_umlauts(term)] {
                    if let Some(other) = seen.insert(key, &c.concept) {
                        assert_eq!(other, c.concept, "`{term}`");
                    }
                }
            }
        }
    }

    /// The names the glossary points to exist: Entra ones in the source attribute lists,
    /// SCIM ones as valid paths.
    #[test]
    fn targets_are_real_names() {
        let g = glossary().unwrap();
        for c in &g.concepts {
            if let Some(e) = &c.entra {
                assert!(
                    ENTRA_USER.contains(&e.as_str()) || ENTRA_GROUP.contains(&e.as_str()),
                    "{e}"
                );
            }
            if let Some(s) = &c.scim {
                crate::mapping::target::parse_target(s).unwrap();
            }
        }
    }

    #[test]
    fn translated_names() {
        let table = [
            ("Vorname", "givenName", "German"),
            ("nomDeFamille", "surname", "French"),
            ("nom_de_famille", "surname", "French"),
            ("Nom de famille", "surname", "French"),
            ("correoElectrónico", "mail", "Spanish"),
            ("correoElectronico", "mail", "Spanish"),
            ("cognome", "surname", "Italian"),
            ("ciudad", "city", "Spanish"),
            ("sobrenome", "surname", "Portuguese"),
            ("achternaam", "surname", "Dutch"),
            ("apellido", "surname", "Spanish"),
            ("Straße", "streetAddress", "German"),
            ("Strasse", "streetAddress", "German"),
            ("Büro", "physicalDeliveryOfficeName", "German"),
            ("Buero", "physicalDeliveryOfficeName", "German"),
            ("Postleitzahl", "postalCode", "German"),
            ("códigoPostal", "postalCode", "Spanish"),
            ("PAYS", "country", "French"),
            ("telefoonnummer", "telephoneNumber", "Dutch"),
        ];
        for (name, entra, lang) in table {
            let m = lookup(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(m.concept.entra.as_deref(), Some(entra), "{name}");
            assert!(m.languages.contains(&lang), "{name}: {:?}", m.languages);
            assert!(m.translated);
        }
        let dept = lookup("departamento").unwrap();
        assert_eq!(
            dept.explain("departamento"),
            "`departamento` is Spanish and Portuguese for department"
        );
        let last = lookup("lastName").unwrap();
        assert!(!last.translated);
        assert_eq!(
            last.explain("lastName"),
            "`lastName` is another name for surname"
        );
    }

    #[test]
    fn unknown_and_oversized_names_are_not_found() {
        for name in ["", "givenName", "favouriteColour", "Größe", "x"] {
            assert!(lookup(name).is_none(), "{name}");
        }
        assert!(lookup(&"nom".repeat(100)).is_none());
    }
}
