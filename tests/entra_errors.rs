//! Rendered diagnostics for every file in `tests/cases/errors/entra/` (snapshots in
//! `tests/snapshots/`). `err_*` files must fail to parse; `warn_*` files parse with warnings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use scimmap::entra::Expression;

#[test]
fn entra_error_snapshots() {
    insta::glob!("cases/errors/entra/*.txt", |path| {
        let src = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rendered = match Expression::parse(&src) {
            Ok(e) => {
                assert!(name.starts_with("warn_"), "{name} parsed without errors");
                assert!(!e.warnings().is_empty(), "{name} has no warnings");
                e.warnings()
                    .iter()
                    .map(|d| d.render(&src))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Err(e) => {
                assert!(
                    name.starts_with("err_"),
                    "{name} failed: {}",
                    e.render(&src)
                );
                e.render(&src)
            }
        };
        insta::with_settings!({ description => src.as_str(), omit_expression => true }, {
            insta::assert_snapshot!(rendered);
        });
    });
}
