//! Did-you-mean suggestions, shared by the expression checker, the Graph tree converter and
//! the mapping lint so that every "did you mean" in the tool ranks names the same way.

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
    fn limit(self, name: &str) -> usize {
        let len = name.chars().count();
        match self {
            Tolerance::Tight if len <= 4 => 1,
            Tolerance::Tight | Tolerance::Loose => (len / 3).max(2),
        }
    }
}

/// The candidate closest to `name`, compared case-insensitively, if it is within the
/// tolerance; the first of equally close candidates wins.
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    tolerance: Tolerance,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let limit = tolerance.limit(name);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let d = distance(&lower, &c.to_lowercase());
        if d <= limit && best.map_or(true, |(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so `Jion`
/// is one edit from `Join`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
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
}
