//! Each operation the proxy performs, next to its floor: serde_json parsing and
//! serializing the same documents, which no implementation that takes and returns JSON
//! text can avoid. Inputs come from `bench/workload.json`, shared with the Node bench.
//!
//! Groups (`scripts/bench-report.sh` prints each as a ratio to its floor):
//! - `floor`: parse + serialize of the user, the 10 000 users, the PATCH resource + body;
//! - `map`: a preset applied to one user, JSON text in and out (`<preset>`), and on a
//!   parsed user (`<preset>_apply`);
//! - `filter`: parse; match over 10 000 parsed users; JSON text of the users in, count out;
//! - `patch`: apply on parsed JSON; JSON text in and out;
//! - `expr`: parse, evaluate precompiled, parse + evaluate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use scimmap::entra::{EvalOptions, Expression};
use scimmap::mapping::{presets, Mode};
use scimmap::scim::{apply_patch, Compat, Filter, Schemas};
use serde_json::Value;

const WORKLOAD: &str = include_str!("../bench/workload.json");

#[path = "../bench/users.rs"]
mod workload_users;
use workload_users::users;

fn options() -> EvalOptions<'static> {
    EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn bench(c: &mut Criterion) {
    let w: Value = parse(WORKLOAD);
    let user_text = w["user"].to_string();
    let users_text = Value::Array(users(10_000)).to_string();
    let resource_text = w["patch"]["resource"].to_string();
    let body_text = w["patch"]["body"].to_string();
    let opts = options();
    let schemas = Schemas::core();

    let mut g = c.benchmark_group("floor");
    g.bench_function("user", |b| {
        b.iter(|| serde_json::to_string(&parse(black_box(&user_text))).unwrap())
    });
    g.bench_function("patch", |b| {
        b.iter(|| {
            let r = parse(black_box(&resource_text));
            let _body = parse(black_box(&body_text));
            serde_json::to_string(&r).unwrap()
        })
    });
    g.sample_size(20);
    g.bench_function("users_10k", |b| {
        b.iter(|| serde_json::to_string(&parse(black_box(&users_text))).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("map");
    let user = parse(&user_text);
    for name in w["presets"].as_array().unwrap() {
        let name = name.as_str().unwrap();
        let mapping = presets::find(name).unwrap().load().unwrap();
        let compiled = mapping.compile(Some("User")).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                let source = parse(black_box(&user_text));
                let out = compiled.apply(&source, Mode::Create, &opts).unwrap();
                serde_json::to_string(&out.resource).unwrap()
            })
        });
        g.bench_function(format!("{name}_apply"), |b| {
            b.iter(|| {
                compiled
                    .apply(black_box(&user), Mode::Create, &opts)
                    .unwrap()
            })
        });
    }
    g.finish();

    let filter_text = w["filter"].as_str().unwrap();
    let data = users(10_000);
    let mut g = c.benchmark_group("filter");
    g.bench_function("parse", |b| {
        b.iter(|| Filter::parse(black_box(filter_text)).unwrap())
    });
    let f = Filter::parse(filter_text).unwrap();
    g.sample_size(20);
    g.bench_function("match_10k", |b| {
        b.iter(|| {
            data.iter()
                .filter(|u| f.matches(u, &schemas).unwrap_or(false))
                .count()
        })
    });
    g.bench_function("text_10k", |b| {
        b.iter(|| {
            let users = parse(black_box(&users_text));
            users
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| f.matches(u, &schemas).unwrap_or(false))
                .count()
        })
    });
    g.finish();

    let resource = parse(&resource_text);
    let body = parse(&body_text);
    let compat = Compat::strict();
    let mut g = c.benchmark_group("patch");
    g.bench_function("apply", |b| {
        b.iter(|| apply_patch(black_box(&resource), &body, &schemas, &compat).unwrap())
    });
    g.bench_function("text", |b| {
        b.iter(|| {
            let r = parse(black_box(&resource_text));
            let body = parse(black_box(&body_text));
            let out = apply_patch(&r, &body, &schemas, &compat).unwrap();
            serde_json::to_string(&out).unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("expr");
    for e in w["expressions"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let src = e["entra"].as_str().unwrap();
        let compiled = Expression::parse(src).unwrap();
        g.bench_function(format!("{name}_parse"), |b| {
            b.iter(|| Expression::parse(black_box(src)).unwrap())
        });
        g.bench_function(format!("{name}_eval"), |b| {
            b.iter(|| compiled.evaluate(black_box(&user), &opts).unwrap())
        });
        g.bench_function(format!("{name}_parse_eval"), |b| {
            b.iter(|| {
                Expression::parse(black_box(src))
                    .unwrap()
                    .evaluate(&user, &opts)
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
