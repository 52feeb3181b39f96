//! SCIM benches: filter parse, match over 10 000 generated users, PATCH apply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scimmap::scim::{apply_patch, Compat, Filter, Schemas};
use serde_json::json;

const FILTERS: &[(&str, &str)] = &[
    ("eq", r#"userName eq "user42@contoso.com""#),
    (
        "value_path",
        r#"emails[type eq "work" and value ew "example.org"]"#,
    ),
    (
        "entra_tail",
        r#"emails[type eq "work"].value eq "user42@example.org""#,
    ),
    (
        "rfc_complex",
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    ),
    ("datetime", r#"meta.lastModified gt "2011-05-13T04:42:34Z""#),
];

#[path = "../bench/users.rs"]
mod workload_users;
use workload_users::users;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("filter_parse");
    for (name, src) in FILTERS {
        g.bench_function(*name, |b| b.iter(|| Filter::parse(black_box(src)).unwrap()));
    }
    g.finish();

    let data = users(10_000);
    let schemas = Schemas::core();
    let mut g = c.benchmark_group("filter_match_10k");
    g.sample_size(20);
    for (name, src) in FILTERS {
        let f = Filter::parse(src).unwrap();
        g.bench_function(*name, |b| {
            b.iter(|| {
                data.iter()
                    .filter(|u| f.matches(u, &schemas).unwrap())
                    .count()
            })
        });
    }
    g.finish();

    let user = data[42].clone();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.org"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "value": {"name.givenName": "Ada", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"}}]});
    let compat = Compat::entra();
    c.bench_function("patch_apply_entra", |b| {
        b.iter(|| apply_patch(black_box(&user), &body, &schemas, &compat).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
