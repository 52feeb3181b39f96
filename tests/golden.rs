//! Golden files per preset: `tests/golden/<preset>/<case>/source.json` (an Entra user or
//! group; `"object": "Group"` selects the group mapping) and optional `current.json` (the
//! app's resource) → the simulated requests: `create.json` (no current resource),
//! `update.json` and `update-062020.json` (with it, without and with `aadOptscim062020`).
//! `UPDATE_GOLDEN=1 cargo test --test golden` rewrites the expected files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::mapping::simulate::{simulate, Options};
use scimmap::mapping::{presets, Report};
use serde_json::{json, Value as Json};
use std::path::Path;

fn expected_view(r: &Report) -> Json {
    json!({"action": r.action, "reason": r.reason, "matching": r.matching, "requests": r.requests})
}

fn read(p: &Path) -> Option<Json> {
    std::fs::read_to_string(p)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap())
}

#[test]
fn golden_presets() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for preset in presets::PRESETS {
        let mapping = preset.load().unwrap();
        let dir = root.join(preset.name);
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        let (mut n_cases, mut n_files, mut passed) = (0, 0, 0);
        for case in cases {
            let mut source = read(&case.join("source.json")).unwrap();
            let object = source.as_object_mut().and_then(|o| o.remove("object"));
            let object = object.as_ref().and_then(Json::as_str).unwrap_or("User");
            let current = read(&case.join("current.json"));
            let compiled = mapping.compile(Some(object)).unwrap();
            let base = Options {
                cannot_create: !mapping.capability(object, "create"),
                cannot_delete: !mapping.capability(object, "delete"),
                ..Options::default()
            };
            let mut runs = vec![("create.json", None, false)];
            if current.is_some() {
                runs.push(("update.json", current.as_ref(), false));
                runs.push(("update-062020.json", current.as_ref(), true));
            }
            n_cases += 1;
            for (file, cur, flag) in runs {
                let opts = Options {
                    aad_opt_scim062020: flag,
                    ..base.clone()
                };
                let got = expected_view(&simulate(&compiled, &source, cur, &opts).unwrap());
                let path = case.join(file);
                n_files += 1;
                if update {
                    let mut text = serde_json::to_string_pretty(&got).unwrap();
                    text.push('\n');
                    std::fs::write(&path, text).unwrap();
                    passed += 1;
                } else if read(&path).as_ref() == Some(&got) {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{}: got\n{}",
                        path.display(),
                        serde_json::to_string_pretty(&got).unwrap()
                    ));
                }
            }
        }
        summary.push(format!(
            "{:<13} {n_cases} cases, {passed}/{n_files} golden files match",
            preset.name
        ));
    }
    println!("golden:\n  {}", summary.join("\n  "));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
