//! `scimmap proxy check CONFIG [--json-errors]` and `scimmap proxy schema`.
//!
//! `check` validates a proxy config offline with the same parser the Worker runs. There
//! are no secret values offline, so every secret the config names counts as set; their
//! names are listed, so the admin knows which `wrangler secret put` the deployment needs.
//! Exit status as for `check`: 0 valid, 1 the config was read but is invalid, 2 usage
//! error, unreadable file or not JSON.

use super::config::{members, ConfigError, PROFILES};
use super::Config;
use crate::cli::{Output, Reader};
use serde_json::{json, Value as Json};
use std::cell::RefCell;

/// `scimmap proxy …`.
#[derive(Debug, clap::Subcommand)]
pub enum ProxyCommand {
    /// Validate a proxy config offline: members, renames, transforms. Prints a one-line JSON
    /// summary (preset, rules per resource, the secret names it needs)
    Check {
        /// The proxy config (JSON; `-` = stdin)
        #[arg(value_name = "CONFIG")]
        config: String,
        /// Print errors as JSON, naming the config member
        #[arg(long)]
        json_errors: bool,
    },
    /// Print the JSON Schema of the proxy config (schemas/proxy-config.schema.json)
    Schema,
}

/// Runs `scimmap proxy COMMAND`.
pub fn run(command: &ProxyCommand, read: Reader<'_>) -> Output {
    match command {
        ProxyCommand::Check {
            config,
            json_errors,
        } => check(config, *json_errors, read),
        ProxyCommand::Schema => Output::ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&members::json_schema()).unwrap_or_default()
        )),
    }
}

/// `scimmap proxy check CONFIG [--json-errors]`.
pub fn check(file: &str, json_errors: bool, read: Reader<'_>) -> Output {
    let text = match read(file) {
        Ok(t) => t,
        Err(e) => return failure(2, &e, json_errors),
    };
    let json: Json = match serde_json::from_str(&text) {
        Ok(j) => j,
        Err(e) => {
            let name = if file == "-" { "standard input" } else { file };
            return failure(2, &format!("{name} is not valid JSON: {e}"), json_errors);
        }
    };
    let named = RefCell::new(Vec::<String>::new());
    // Offline: every named secret is taken as set, and its name recorded.
    let secret = |name: &str| -> Option<String> {
        let mut n = named.borrow_mut();
        if !n.iter().any(|x| x == name) {
            n.push(name.to_string());
        }
        Some("placeholder".into())
    };
    match Config::from_json(&json, &secret) {
        Ok(cfg) => Output {
            stdout: format!("{}\n", summary(&json, &cfg, &named.borrow())),
            stderr: String::new(),
            code: 0,
        },
        Err(e) => failure(1, &e.0, json_errors),
    }
}

/// `{"valid": true, "preset", "resources": {"User": {"renames": n, …}}, "secrets": [...]}`.
fn summary(json: &Json, cfg: &Config, secrets: &[String]) -> Json {
    // Counted on the config over its profile, as the proxy runs it.
    let profile = PROFILES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&cfg.preset))
        .and_then(|(_, t)| serde_json::from_str::<Json>(t).ok())
        .unwrap_or(Json::Null);
    let count = |res: &str, kind: &str| -> usize {
        [json, &profile]
            .iter()
            .find_map(|j| j.get("resources").and_then(|r| r.get(res)))
            .and_then(|r| r.get(kind))
            .and_then(Json::as_object)
            .map_or(0, serde_json::Map::len)
    };
    let rules = |res: &str| {
        json!({"renames": count(res, "renames"), "transforms": count(res, "transforms"),
               "sentinels": count(res, "sentinels")})
    };
    json!({
        "valid": true,
        "preset": cfg.preset,
        "resources": {"User": rules("User"), "Group": rules("Group")},
        "secrets": secrets,
    })
}

/// The member a config message starts with (`` `resources.User.renames` … ``).
fn member(e: &str) -> Option<&str> {
    e.strip_prefix('`')?.split('`').next()
}

fn failure(code: i32, message: &str, json: bool) -> Output {
    let stderr = if json {
        let kind = if code == 1 {
            "invalid-config"
        } else {
            "invalid-input"
        };
        let mut line = json!({"code": kind, "message": message, "severity": "error"});
        if let (Some(m), Some(o)) = (member(message), line.as_object_mut()) {
            o.insert("member".into(), m.into());
        }
        format!("{line}\n")
    } else if code == 1 {
        format!(
            "error[invalid-config]: {}\n",
            ConfigError(message.to_string())
        )
    } else {
        format!("error: {message}\n")
    };
    Output {
        stdout: String::new(),
        stderr,
        code,
    }
}
