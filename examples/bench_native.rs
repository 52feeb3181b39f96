//! The native side of `bench/node/bench.mjs`: the same operations on the same inputs
//! (`bench/workload.json`), timed the same way (best of 5 batches of ~200 ms after a
//! warm-up, in on-CPU time), printed as one JSON object `{"op": nanoseconds per op}`.
//!
//! `cargo run --profile bench --example bench_native`
//!
//! For profiling, `BENCH_ONLY=<op>[,<op>…] BENCH_ITERS=<n>` runs just those operations `n`
//! times each, untimed: `BENCH_ONLY=map_webex BENCH_ITERS=2000 valgrind --tool=callgrind
//! target/release/examples/bench_native`.
// `serde_json::Value`'s `Index` returns `Null` for a missing key; it does not panic.
#![allow(clippy::indexing_slicing)]

use scimmap::entra::{EvalOptions, Expression};
use scimmap::mapping::{presets, Mode};
use scimmap::scim::{apply_patch, Compat, Filter, ResourceTexts, Schemas};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

const WORKLOAD: &str = include_str!("../bench/workload.json");

#[path = "../bench/users.rs"]
mod workload_users;
use workload_users::users;

/// On-CPU nanoseconds of this thread (Linux schedstat), so that time spent waiting for a
/// core on a shared machine is not counted; wall time elsewhere.
fn cpu_ns(wall: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| wall.elapsed().as_nanos() as f64)
}

/// Nanoseconds per call: the best of 5 batches of about 200 ms, after 200 ms of warm-up.
fn time(f: &mut dyn FnMut() -> bool) -> f64 {
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < Duration::from_millis(200) {
        black_box(f());
        n += 1;
    }
    let per_batch = n.max(1);
    let mut best = f64::INFINITY;
    let origin = Instant::now();
    for _ in 0..5 {
        let t = cpu_ns(origin);
        for _ in 0..per_batch {
            black_box(f());
        }
        best = best.min((cpu_ns(origin) - t) / per_batch as f64);
    }
    best
}

/// Serializes the way a proxy would (`to_string` writes bytes; `Display` goes through
/// `fmt::Write` and costs more).
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn main() {
    let w = parse(WORKLOAD);
    let opts = EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    };
    let schemas = Schemas::core();
    let only = std::env::var("BENCH_ONLY").ok();
    let iters: u64 = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let mut out = Map::new();
    let mut run = |k: &str, f: &mut dyn FnMut() -> bool| match &only {
        Some(names) if !names.split(',').any(|n| n == k) => {}
        Some(_) => {
            for _ in 0..iters {
                black_box(f());
            }
        }
        None => {
            let v = time(&mut *f);
            eprintln!("{k:32} {v:>12.0} ns");
            out.insert(k.to_string(), json!(v.round()));
        }
    };

    let user_text = w["user"].to_string();
    let user = parse(&user_text);
    run("floor_user", &mut || !text(&parse(&user_text)).is_empty());
    for name in ["webex", "genesys"] {
        let Some(Ok(mapping)) = presets::find(name).map(|p| p.load()) else {
            continue;
        };
        let Ok(compiled) = mapping.compile(Some("User")) else {
            continue;
        };
        run(&format!("map_{name}"), &mut || {
            let source = parse(&user_text);
            compiled
                .apply(&source, Mode::Create, &opts)
                .map(|a| text(&a.resource))
                .is_ok()
        });
        run(&format!("map_{name}_compile"), &mut || {
            let source = parse(&user_text);
            mapping.compile(Some("User")).is_ok_and(|c| {
                c.apply(&source, Mode::Create, &opts)
                    .map(|a| text(&a.resource))
                    .is_ok()
            })
        });
    }

    let filter = w["filter"].as_str().unwrap_or_default();
    let users_text = Value::Array(users(10_000)).to_string();
    run("floor_users_10k", &mut || {
        !text(&parse(&users_text)).is_empty()
    });
    run("filter_parse", &mut || Filter::parse(filter).is_ok());
    run("filter_text_10k", &mut || {
        let Ok(texts) = ResourceTexts::parse(&users_text) else {
            return false;
        };
        let Ok(f) = Filter::parse(filter) else {
            return false;
        };
        texts.select(&f, &schemas).is_ok_and(|matched| {
            let mut out = String::from(r#"{"ok":true,"resources":["#);
            out.push_str(&matched.join(","));
            out.push_str("]}");
            !out.is_empty()
        })
    });
    // The same selection on whole trees: parse every user, match, serialize the matches.
    run("filter_tree_10k", &mut || {
        let list = parse(&users_text);
        let Ok(f) = Filter::parse(filter) else {
            return false;
        };
        let matched: Vec<&Value> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| f.matches(u, &schemas).unwrap_or(false))
            .collect();
        !text(&json!({"ok": true, "resources": matched})).is_empty()
    });

    let resource_text = w["patch"]["resource"].to_string();
    let body_text = w["patch"]["body"].to_string();
    run("floor_patch", &mut || {
        let r = parse(&resource_text);
        black_box(parse(&body_text));
        !text(&r).is_empty()
    });
    run("patch_text", &mut || {
        let r = parse(&resource_text);
        let b = parse(&body_text);
        apply_patch(&r, &b, &schemas, &Compat::strict())
            .map(|v| text(&v))
            .is_ok()
    });

    for e in w["expressions"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or_default();
        let src = e["entra"].as_str().unwrap_or_default();
        let Ok(expr) = Expression::parse(src) else {
            continue;
        };
        run(&format!("expr_{name}_eval"), &mut || {
            expr.evaluate(&user, &opts).is_ok()
        });
        run(&format!("expr_{name}_parse_eval"), &mut || {
            Expression::parse(src).is_ok_and(|e| e.evaluate(&user, &opts).is_ok())
        });
    }
    println!("{}", Value::Object(out));
}
