//! Mapping apply + simulate never panic, for any source object and any mapping.
//!
//! Input, as text: `<head>\n<source JSON>[\n<current JSON>]`. `head` is a preset name
//! (`webex`, …) or a mapping in any accepted form (compact, preset file, Graph schema) on
//! one line; anything else selects a preset by its length, so no input is wasted.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scimmap::entra::EvalOptions;
use scimmap::mapping::simulate::{simulate, Options};
use scimmap::mapping::{presets, Mapping, Mode};
use serde_json::Value as Json;
use std::sync::OnceLock;

/// The presets, loaded once: parsing their JSON on every input would dominate the run.
fn presets_loaded() -> &'static [(&'static str, Mapping)] {
    static LOADED: OnceLock<Vec<(&'static str, Mapping)>> = OnceLock::new();
    LOADED.get_or_init(|| {
        presets::PRESETS
            .iter()
            .filter_map(|p| Some((p.name, p.load().ok()?)))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let (head, rest) = src.split_once('\n').unwrap_or((&src, ""));
    let (source, current) = rest.split_once('\n').unwrap_or((rest, ""));
    let loaded = presets_loaded();
    let parsed;
    let mapping = match loaded.iter().find(|(n, _)| n.eq_ignore_ascii_case(head.trim())) {
        Some((_, m)) => m,
        None => match Mapping::from_str_json(head) {
            Ok(m) => {
                parsed = m;
                &parsed
            }
            Err(_) => match loaded.get(head.len() % loaded.len().max(1)) {
                Some((_, m)) => m,
                None => return,
            },
        },
    };
    let source: Json = serde_json::from_str(source).unwrap_or_else(|_| Json::String(source.into()));
    let current: Option<Json> = serde_json::from_str(current).ok();
    let eval = EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    };
    for object in [Some("User"), Some("Group"), None] {
        let Ok(compiled) = mapping.compile(object) else { continue };
        for mode in [Mode::Create, Mode::Update] {
            let _ = compiled.apply(&source, mode, &eval);
        }
        for flag in [false, true] {
            let opts = Options {
                aad_opt_scim062020: flag,
                cannot_create: object.is_some_and(|o| !mapping.capability(o, "create")),
                cannot_delete: object.is_some_and(|o| !mapping.capability(o, "delete")),
                eval: eval.clone(),
                ..Options::default()
            };
            let _ = simulate(&compiled, &source, current.as_ref(), &opts);
            let deleted = Options { hard_deleted: true, ..opts };
            let _ = simulate(&compiled, &source, current.as_ref(), &deleted);
        }
    }
});
