//! A small process-wide memo for compiled artefacts keyed by their source text (regex
//! patterns, SCIM paths). Mapping and proxy traffic repeats the same few texts, so one
//! compilation serves every later request. Bounded: cleared when full, which keeps memory
//! flat under hostile input at the price of an occasional recompilation.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug)]
pub(crate) struct Memo<V> {
    map: Mutex<HashMap<String, V>>,
    max_entries: usize,
    max_key_len: usize,
}

impl<V: Clone> Memo<V> {
    pub(crate) fn new(max_entries: usize, max_key_len: usize) -> Memo<V> {
        Memo {
            map: Mutex::new(HashMap::new()),
            max_entries,
            max_key_len,
        }
    }

    /// The memoised value for `key`, or `make()`'s, remembered when it succeeds. Keys
    /// longer than the bound are never stored. A poisoned lock only disables the memo.
    pub(crate) fn get_or_try<E>(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Ok(map) = self.map.lock() {
            if let Some(v) = map.get(key) {
                return Ok(v.clone());
            }
        }
        let v = make()?;
        if key.len() <= self.max_key_len {
            if let Ok(mut map) = self.map.lock() {
                if map.len() >= self.max_entries {
                    map.clear();
                }
                map.insert(key.to_string(), v.clone());
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn remembers_successes_only_and_stays_bounded() {
        let m: Memo<usize> = Memo::new(2, 8);
        let calls = std::cell::Cell::new(0);
        let get = |k: &str, ok: bool| {
            m.get_or_try(k, || {
                calls.set(calls.get() + 1);
                if ok {
                    Ok(k.len())
                } else {
                    Err(())
                }
            })
        };
        assert_eq!(get("ab", true), Ok(2));
        assert_eq!(get("ab", true), Ok(2));
        assert_eq!(get("bad", false), Err(()));
        assert_eq!(get("bad", false), Err(()));
        assert_eq!(get("long-key-x", true), Ok(10));
        assert_eq!(get("long-key-x", true), Ok(10));
        // "ab" cached; "bad" failed twice; the long key is never stored
        assert_eq!(calls.get(), 5);
        assert_eq!(get("c", true), Ok(1));
        assert_eq!(get("d", true), Ok(1)); // full: cleared, then stored
        assert_eq!(m.map.lock().map(|m| m.len()).unwrap_or(0), 1);
    }
}
