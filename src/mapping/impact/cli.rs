//! `scimmap impact --from A --to B --users FILE`: the command line of [`super::Impact`].
//! [`impact`] is a function of its arguments, a mapping reader and the users' bytes, so it
//! is tested without a process; [`run`] opens the users file (or standard input) and
//! draws a progress bar when standard error is a terminal.

use super::{render_text, run_reader_parallel, Format, Impact, ImpactOptions};
use crate::cli::{Io, Output, Reader, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::mapping::{presets, Mapping};
use chrono::{DateTime, Utc};
use std::cell::Cell;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::rc::Rc;

/// `scimmap impact`.
#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    /// The mapping in production: `preset:NAME`, or a mapping file (Graph
    /// synchronizationSchema, preset file or compact form)
    #[arg(long, value_name = "MAPPING")]
    pub from: String,
    /// The edited mapping, named the same way
    #[arg(long, value_name = "MAPPING")]
    pub to: String,
    /// The users: a JSON array, JSON Lines, Graph /users pages, or the CSV of the Entra
    /// admin center's "Download users" (`-` = stdin)
    #[arg(long, value_name = "FILE")]
    pub users: String,
    /// The object type to compare (e.g. User, Group; default: the first of --from)
    #[arg(long, value_name = "TYPE")]
    pub object: Option<String>,
    /// The users file's format (default: from its first character: `[` json, `{` jsonl or
    /// graph, else csv)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Print the summary as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Examples shown per finding and per attribute
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,
    /// The tenant URL carries the aadOptscim062020 flag (the PATCH dialect)
    #[arg(long = "aad-opt-scim062020", alias = "aadOptscim062020")]
    pub aad_opt_scim062020: bool,
    /// The time Now() returns, e.g. 2024-01-02T03:04:05Z (default: the time of the run)
    #[arg(long, value_name = "RFC3339", value_parser = crate::cli::parse_now)]
    pub now: Option<DateTime<Utc>>,
}

/// Loads `preset:NAME` or a mapping file read through `read`.
///
/// # Errors
/// No such preset, or the file cannot be read or is not a mapping.
pub fn load_mapping(name: &str, read: Reader<'_>) -> Result<Mapping, String> {
    match name.strip_prefix("preset:") {
        Some(preset) => presets::load(preset),
        None => {
            let text = read(name)?;
            Mapping::from_str_json(&text).map_err(|e| format!("{name}: {e}"))
        }
    }
}

/// Runs the comparison over `users`; exit 0 without a dangerous finding, 1 with one, 2
/// when a mapping or the users cannot be read.
pub fn impact(
    a: &ImpactArgs,
    read: Reader<'_>,
    users: impl BufRead,
    progress: Option<&mut dyn FnMut(usize)>,
) -> Output {
    let (from, to) = match (load_mapping(&a.from, read), load_mapping(&a.to, read)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) => return Output::usage(format!("--from: {e}")),
        (_, Err(e)) => return Output::usage(format!("--to: {e}")),
    };
    let opts = ImpactOptions {
        object: a.object.clone(),
        from_name: a.from.clone(),
        to_name: a.to.clone(),
        examples: a.examples,
        aad_opt_scim062020: a.aad_opt_scim062020,
        now: a.now,
    };
    let mut run = match Impact::new(&from, &to, &opts) {
        Ok(i) => i,
        Err(e) => return Output::usage(e),
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if let Err(e) = run_reader_parallel(&mut run, users, a.format, threads, progress) {
        let name = if a.users == "-" {
            "standard input"
        } else {
            a.users.as_str()
        };
        return Output::usage(format!("--users {name}: {e}"));
    }
    let summary = run.finish();
    let stdout = if a.json {
        let mut s = serde_json::to_string(&summary).unwrap_or_default();
        s.push('\n');
        s
    } else {
        render_text(&summary)
    };
    Output {
        stdout,
        stderr: String::new(),
        code: if summary.dangerous() {
            EXIT_FAILED
        } else {
            EXIT_OK
        },
    }
}

/// Counts the bytes consumed, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.read.set(self.read.get() + n as u64);
        self.inner.consume(n);
    }
}

/// A progress bar on standard error when it is a terminal: by bytes for a file (its size
/// known), a counter for standard input.
fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match size {
        Some(n) => indicatif::ProgressBar::new(n).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {msg} ({elapsed}, {eta} left)",
            )
            .ok()?,
        ),
        None => indicatif::ProgressBar::new_spinner(),
    };
    Some(bar)
}

/// `scimmap impact`: reads the mapping files from the file system and the users from
/// `--users` (`-` = stdin), streaming.
pub fn run(a: &ImpactArgs, io: &mut Io<'_>) -> i32 {
    let read = |name: &str| -> Result<String, String> {
        if name == "-" {
            return Err("a mapping cannot come from standard input here: name its file".into());
        }
        std::fs::read_to_string(name).map_err(|e| format!("cannot read `{name}`: {e}"))
    };
    let bytes = Rc::new(Cell::new(0));
    let (users, size): (Box<dyn BufRead + '_>, Option<u64>) = if a.users == "-" {
        (Box::new(BufReader::new(&mut *io.stdin)), None)
    } else {
        match std::fs::File::open(&a.users) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(BufReader::with_capacity(1 << 16, f)), size)
            }
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot read `{}`: {e}", a.users);
                return EXIT_USAGE;
            }
        }
    };
    let users = Counting {
        inner: users,
        read: Rc::clone(&bytes),
    };
    let bar = progress_bar(size);
    let mut tick = |n: usize| {
        if let Some(b) = &bar {
            if size.is_some() {
                b.set_position(bytes.get());
            }
            b.set_message(format!("{n} users"));
        }
    };
    let out = impact(a, &read, users, Some(&mut tick));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let _ = io.stdout.write_all(out.stdout.as_bytes());
    let _ = io.stderr.write_all(out.stderr.as_bytes());
    out.code
}
