//! Writes N made-up Entra users, the same ones for the same arguments, in any format
//! `scimmap impact --users` reads: for the README, benchmarks and tests.
//!
//! ```sh
//! cargo run --release --example gen_users -- --count 10000 --format csv > users.csv
//! ```
//!
//! `--format csv` writes the Entra admin center's "Download users" layout (the columns its
//! documentation lists, booleans as `True`/`False`); `graph` writes `/users` response pages
//! of 999 users, one page per line, under Graph's property names (`id`, `mobilePhone`,
//! `businessPhones`, …); `json` an array; `jsonl` one user per line. About 30% of the users
//! have a mail address that differs from their user principal name, 5% none, 3% are
//! disabled, 12% have a middle initial in their display name, and one in twelve works in
//! the "Contractors" department.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{json, Map, Value as Json};
use std::io::Write;

const GIVEN: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Dennis",
    "Radia",
    "Ken",
    "Katherine",
    "Tim",
    "Hedy",
    "Linus",
    "Sophie",
    "Niklaus",
    "Zoë",
    "Élise",
    "Jürgen",
    "Ngozi",
    "Haruki",
    "Priya",
];
const SURNAMES: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Thompson",
    "Johnson",
    "Berners-Lee",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "Wirth",
    "Dupont",
    "Müller",
    "O'Brien",
    "Okafor",
    "Sato",
    "Raman",
];
const DEPARTMENTS: &[&str] = &[
    "Research",
    "Engineering",
    "Sales",
    "Support",
    "Finance",
    "Marketing",
    "Legal",
    "Operations",
    "People",
    "Platform",
    "Design",
    "Contractors",
];
const TITLES: &[&str] = &[
    "Analyst",
    "Engineer",
    "Senior Engineer",
    "Manager",
    "Director",
    "Consultant",
    "Designer",
    "Account Executive",
    "Support Specialist",
    "Site Reliability Engineer",
];
const PLACES: &[(&str, &str, &str, &str, &str)] = &[
    ("US", "Seattle", "WA", "98101", "United States"),
    ("US", "New York", "NY", "10001", "United States"),
    ("GB", "London", "England", "EC1A 1BB", "United Kingdom"),
    ("FR", "Lyon", "Auvergne-Rhône-Alpes", "69002", "France"),
    ("DE", "Berlin", "Berlin", "10115", "Germany"),
    ("JP", "Tokyo", "Tokyo", "100-0001", "Japan"),
    ("IN", "Bengaluru", "Karnataka", "560001", "India"),
    ("NG", "Lagos", "Lagos", "100001", "Nigeria"),
];

/// The columns of the portal's "Download users" CSV, as its documentation lists them
/// (learn.microsoft.com/entra/identity/users/users-bulk-download).
const CSV_COLUMNS: &[&str] = &[
    "userPrincipalName",
    "displayName",
    "surname",
    "mail",
    "givenName",
    "objectId",
    "userType",
    "jobTitle",
    "department",
    "accountEnabled",
    "usageLocation",
    "streetAddress",
    "state",
    "country",
    "physicalDeliveryOfficeName",
    "city",
    "postalCode",
    "telephoneNumber",
    "mobile",
    "authenticationAlternativePhoneNumber",
    "authenticationEmail",
    "alternateEmailAddress",
    "ageGroup",
    "consentProvidedForMinor",
    "legalAgeGroupClassification",
];

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ë' | 'é' | 'É' => Some('e'),
            'ü' => Some('u'),
            c if c.is_ascii_alphanumeric() || c == '-' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// User `i` under the provisioning attribute names.
fn user(i: u64, rng: &mut Rng) -> Map<String, Json> {
    let given = *rng.pick(GIVEN);
    let surname = *rng.pick(SURNAMES);
    let local = format!("{}.{}{}", ascii(given), ascii(surname), i);
    let upn = format!("{local}@contoso.com");
    let mail = if rng.chance(5) {
        None
    } else if rng.chance(30) {
        Some(format!(
            "{}{}{i}@mail.contoso.com",
            ascii(given).chars().next().unwrap_or('x'),
            ascii(surname)
        ))
    } else {
        Some(upn.clone())
    };
    let (country_code, city, state, postal, country) = *rng.pick(PLACES);
    let mut u = Map::new();
    let mut put = |k: &str, v: Json| {
        u.insert(k.to_string(), v);
    };
    put("userPrincipalName", json!(upn));
    let display = if rng.chance(12) {
        let initial = char::from(b'A' + (rng.next() % 26) as u8);
        format!("{given} {initial}. {surname}")
    } else {
        format!("{given} {surname}")
    };
    put("displayName", json!(display));
    put("surname", json!(surname));
    if let Some(m) = &mail {
        put("mail", json!(m));
    }
    put("givenName", json!(given));
    let r = rng.next();
    put(
        "objectId",
        json!(format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            i,
            (r >> 48) & 0xffff,
            (r >> 36) & 0xfff,
            (r >> 24) & 0xfff,
            r & 0xffff_ffff_ffff
        )),
    );
    put("userType", json!("Member"));
    put("jobTitle", json!(rng.pick(TITLES)));
    let department = if i % 12 == 11 {
        "Contractors"
    } else {
        *rng.pick(&DEPARTMENTS[..DEPARTMENTS.len() - 1])
    };
    put("department", json!(department));
    put("accountEnabled", json!(!rng.chance(3)));
    put("usageLocation", json!(country_code));
    put(
        "streetAddress",
        json!(format!("{} Main Street", 1 + i % 500)),
    );
    put("state", json!(state));
    put("country", json!(country));
    put(
        "physicalDeliveryOfficeName",
        json!(format!("{city} {}", 1 + i % 4)),
    );
    put("city", json!(city));
    put("postalCode", json!(postal));
    if rng.chance(80) {
        put(
            "telephoneNumber",
            json!(format!("+1 206 555 {:04}", i % 10_000)),
        );
    }
    if rng.chance(60) {
        put(
            "mobile",
            json!(format!("+1 425 555 {:04}", (i * 7) % 10_000)),
        );
    }
    u
}

/// The user under Graph's property names where they differ from the provisioning names.
fn graph(u: Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::new();
    let mut phones = Vec::new();
    for (k, v) in u {
        match k.as_str() {
            "objectId" => {
                out.insert("id".into(), v);
            }
            "telephoneNumber" => phones.push(v),
            "mobile" => {
                out.insert("mobilePhone".into(), v);
            }
            "physicalDeliveryOfficeName" => {
                out.insert("officeLocation".into(), v);
            }
            _ => {
                out.insert(k, v);
            }
        }
    }
    out.insert("businessPhones".into(), Json::Array(phones));
    out
}

fn csv_cell(v: Option<&Json>) -> String {
    match v {
        Some(Json::Bool(true)) => "True".into(),
        Some(Json::Bool(false)) => "False".into(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let count: u64 = value("--count").map_or(1000, |v| v.parse().expect("--count N"));
    let format = value("--format").unwrap_or_else(|| "jsonl".into());
    let seed: u64 = value("--seed").map_or(16, |v| v.parse().expect("--seed N"));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut rng = Rng(seed);
    match format.as_str() {
        "csv" => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_COLUMNS).unwrap();
            for i in 0..count {
                let u = user(i, &mut rng);
                w.write_record(CSV_COLUMNS.iter().map(|c| csv_cell(u.get(*c))))
                    .unwrap();
            }
            w.flush().unwrap();
        }
        "json" => {
            out.write_all(b"[\n").unwrap();
            for i in 0..count {
                let sep = if i + 1 < count { ",\n" } else { "\n" };
                let line = Json::Object(user(i, &mut rng)).to_string();
                write!(out, "  {line}{sep}").unwrap();
            }
            out.write_all(b"]\n").unwrap();
            out.flush().unwrap();
        }
        "jsonl" => {
            for i in 0..count {
                writeln!(out, "{}", Json::Object(user(i, &mut rng))).unwrap();
            }
            out.flush().unwrap();
        }
        "graph" => {
            let context = "https://graph.microsoft.com/v1.0/$metadata#users";
            let mut i = 0;
            while i < count {
                let end = (i + 999).min(count);
                let page: Vec<Json> = (i..end)
                    .map(|n| Json::Object(graph(user(n, &mut rng))))
                    .collect();
                let mut p = Map::new();
                p.insert("@odata.context".into(), json!(context));
                if end < count {
                    p.insert(
                        "@odata.nextLink".into(),
                        json!(format!(
                            "https://graph.microsoft.com/v1.0/users?$skiptoken=p{end}"
                        )),
                    );
                }
                p.insert("value".into(), Json::Array(page));
                writeln!(out, "{}", Json::Object(p)).unwrap();
                i = end;
            }
            out.flush().unwrap();
        }
        other => {
            eprintln!("unknown --format {other} (expected csv, json, jsonl or graph)");
            std::process::exit(2);
        }
    }
}
