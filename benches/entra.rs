//! Entra expression throughput over a named table of realistic mappings (the seed apps'
//! documented mappings and Microsoft's examples), in three groups:
//! - `parse`: source text to a checked [`Expression`];
//! - `evaluate`: a precompiled expression against a user (what the worker pays per request
//!   with a cached mapping);
//! - `parse_evaluate`: both on every call (what it would pay without the cache).
//!
//! Expressions whose functions the registry does not have yet are skipped with a note, so
//! the bench runs on any branch and covers the whole table once every function exists.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scimmap::entra::{EvalOptions, Expression};

/// (name, expression).
const EXPRESSIONS: &[(&str, &str)] = &[
    ("direct_attribute", "[userPrincipalName]"),
    ("join_display_name", r#"Join(" ", [givenName], [surname])"#),
    // Webex, Genesys Cloud, Chatwork and most SCIM gallery apps map `active` this way.
    (
        "active_from_soft_deleted",
        r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
    ),
    // Microsoft's UPN builder (FUNCS, Join/NormalizeDiacritics examples).
    (
        "upn_builder",
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
    ),
    (
        "phone_regex_replace",
        r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${phoneNumber}", , )"#,
    ),
    (
        "locale_replace",
        r#"Replace([preferredLanguage], "-", , , "_", , )"#,
    ),
    (
        "iif_country",
        r#"IIF([country] = "USA", [country], [department])"#,
    ),
    (
        "hire_date_switch",
        r#"Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), "0", "False")"#,
    ),
    ("salesforce_alias", "Mid([userPrincipalName], 1, 8)"),
    (
        "coalesce_mail",
        r#"IgnoreFlowIfNullOrEmpty(Coalesce([mail], [userPrincipalName]))"#,
    ),
    (
        "proxy_addresses",
        r#"Join(";", RemoveDuplicates([proxyAddresses]))"#,
    ),
];

fn user() -> serde_json::Value {
    serde_json::json!({
        "userPrincipalName": "ada.lovelace@contoso.com",
        "givenName": "Zoë",
        "surname": "Lovelace King",
        "mail": null,
        "IsSoftDeleted": "False",
        "Active": "1",
        "StatusHireDate": "2012-03-16-07:00",
        "telephoneNumber": "+91 9998887777",
        "preferredLanguage": "en-US",
        "country": "USA",
        "department": "Analytical Engines",
        "proxyAddresses": ["SMTP:ada@contoso.com", "smtp:ada@contoso.onmicrosoft.com", "SMTP:ada@contoso.com"],
    })
}

fn options() -> EvalOptions<'static> {
    EvalOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        seed: Some(1),
        ..EvalOptions::default()
    }
}

/// The table entries that parse on this build (the others are reported once).
fn available() -> Vec<(&'static str, &'static str, Expression)> {
    EXPRESSIONS
        .iter()
        .filter_map(|(name, src)| match Expression::parse(src) {
            Ok(e) => Some((*name, *src, e)),
            Err(err) => {
                let why = err
                    .diagnostics
                    .first()
                    .map_or_else(String::new, |d| d.message.clone());
                eprintln!("skipping {name}: {why}");
                None
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let table = available();
    let user = user();
    let opts = options();

    let mut parse = c.benchmark_group("parse");
    for (name, src, _) in &table {
        parse.throughput(Throughput::Bytes(src.len() as u64));
        parse.bench_with_input(BenchmarkId::from_parameter(name), src, |b, src| {
            b.iter(|| Expression::parse(black_box(src)))
        });
    }
    parse.finish();

    let mut eval = c.benchmark_group("evaluate");
    eval.throughput(Throughput::Elements(1));
    for (name, _, expr) in &table {
        eval.bench_with_input(BenchmarkId::from_parameter(name), expr, |b, expr| {
            b.iter(|| expr.evaluate(black_box(&user), &opts))
        });
    }
    eval.finish();

    let mut both = c.benchmark_group("parse_evaluate");
    both.throughput(Throughput::Elements(1));
    for (name, src, _) in &table {
        both.bench_with_input(BenchmarkId::from_parameter(name), src, |b, src| {
            b.iter(|| {
                Expression::parse(black_box(src))
                    .ok()
                    .map(|e| e.evaluate(&user, &opts))
            })
        });
    }
    both.finish();
}

criterion_group!(entra, benches);
criterion_main!(entra);
