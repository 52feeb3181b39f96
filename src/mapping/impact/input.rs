//! Reading a population of Entra users, one at a time, from what an admin has at hand: a
//! JSON array, JSON Lines, Microsoft Graph `/users` response pages, or the CSV the Entra
//! admin center's "Download users" writes.
//!
//! Every reader streams: one record is held at a time (at most [`MAX_RECORD_BYTES`]), so
//! memory does not grow with the population. A JSON array and a Graph page's `value` array
//! are split element by element by a small scanner that tracks only strings and nesting;
//! each element is then parsed on its own.
//!
//! Records come out as Entra objects under the attribute names mappings read
//! ([`normalise`]): CSV headers through `columns.csv`, Graph property names (`id`,
//! `mobilePhone`, `businessPhones`, …) under their provisioning names (`objectId`,
//! `mobile`, `telephoneNumber`, …), and `IsSoftDeleted` filled in.

use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::OnceLock;

/// The largest single record (one user) read, in bytes: a guard against a malformed file
/// (an unterminated string) being read whole into memory.
pub const MAX_RECORD_BYTES: usize = 4 << 20;

/// The syntax of a users file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// A JSON array of user objects
    Json,
    /// One JSON object per line (JSON Lines); a line that is a Graph page gives its users
    Jsonl,
    /// Microsoft Graph `/users` response pages (`{"@odata.context": …, "value": […]}`)
    Graph,
    /// The CSV of the Entra admin center's "Download users"
    Csv,
}

impl Format {
    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Graph => "graph",
            Format::Csv => "csv",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "graph" => Ok(Format::Graph),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "unknown users format `{s}` (expected json, jsonl, graph or csv)"
            )),
        }
    }
}

/// A record that cannot be read. The run stops there: an impact computed over part of a
/// population would be misleading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The record (user) number, from 1, when the error belongs to one.
    pub record: Option<usize>,
    /// The line in the input, from 1, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.record, self.line) {
            (Some(r), Some(l)) => write!(f, "record {r} (line {l}): {}", self.message),
            (Some(r), None) => write!(f, "record {r}: {}", self.message),
            (None, Some(l)) => write!(f, "line {l}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads users from `reader`, one per item, in input order. With no `format`, the first
/// byte that is not white space (after a UTF-8 byte order mark) decides: `[` a JSON array,
/// `{` JSON Lines or Graph pages (a Graph page is an object whose first member is
/// `@odata.context`, `@odata.nextLink`, `@odata.deltaLink`, `@odata.count` or `value`), any
/// other byte CSV. After the first error the iterator ends.
pub fn users<R: BufRead>(reader: R, format: Option<Format>) -> Users<R> {
    Users {
        state: Some(Source::Pending(reader, format)),
        record: 0,
    }
}

/// The users of an input; see [`users`].
pub struct Users<R: BufRead> {
    state: Option<Source<R>>,
    record: usize,
}

enum Source<R: BufRead> {
    Pending(R, Option<Format>),
    Json(Box<JsonRecords<R>>),
    Csv(Box<CsvRecords<R>>),
}

impl<R: BufRead> Iterator for Users<R> {
    type Item = Result<Json, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        let state = self.state.take()?;
        let mut source = match state {
            Source::Pending(r, format) => match start(r, format) {
                Ok(s) => s,
                Err(e) => return Some(Err(e)),
            },
            s => s,
        };
        self.record += 1;
        let item = match &mut source {
            Source::Json(j) => j.next(self.record),
            Source::Csv(c) => c.next(self.record),
            Source::Pending(..) => None,
        };
        if matches!(item, Some(Ok(_))) {
            self.state = Some(source);
        }
        item
    }
}

fn io_error(e: &std::io::Error) -> InputError {
    InputError {
        record: None,
        line: None,
        message: format!("cannot read the users: {e}"),
    }
}

/// Skips a byte order mark and finds the format.
fn start<R: BufRead>(mut r: R, format: Option<Format>) -> Result<Source<R>, InputError> {
    let mut bytes = Bytes::new(&mut r);
    bytes.skip_bom().map_err(|e| io_error(&e))?;
    let first = bytes.skip_ws().map_err(|e| io_error(&e))?;
    let line = bytes.line;
    let format = match (format, first) {
        (Some(f), _) => f,
        (None, Some(b'[')) => Format::Json,
        (None, Some(b'{')) => Format::Jsonl,
        (None, _) => Format::Csv,
    };
    Ok(match format {
        Format::Csv => Source::Csv(Box::new(CsvRecords::new(r, line))),
        f => Source::Json(Box::new(JsonRecords::new(r, f, line))),
    })
}

/// A byte source that counts lines.
struct Bytes<R> {
    r: R,
    line: u64,
}

impl<R: BufRead> Bytes<R> {
    fn new(r: R) -> Self {
        Bytes { r, line: 1 }
    }

    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn bump(&mut self) {
        self.r.consume(1);
    }

    fn skip_bom(&mut self) -> std::io::Result<()> {
        if self.r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.r.consume(3);
        }
        Ok(())
    }

    /// Skips white space; the next byte, not consumed.
    fn skip_ws(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            match self.peek()? {
                Some(b'\n') => {
                    self.line += 1;
                    self.bump();
                }
                Some(b' ' | b'\t' | b'\r') => self.bump(),
                other => return Ok(other),
            }
        }
    }
}

/// Where a JSON value being copied stands.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// Feeds one byte; whether the value ended before it (`Some(false)`: a number or
    /// literal ended, the byte is not part of it) or with it (`Some(true)`).
    fn feed(&mut self, b: u8) -> Option<bool> {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.depth == 0 {
                    return Some(true);
                }
            }
            return None;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth == 0 => return Some(false),
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    return Some(true);
                }
            }
            b',' | b' ' | b'\t' | b'\r' | b'\n' if self.depth == 0 => return Some(false),
            _ => {}
        }
        None
    }
}

impl<R: BufRead> Bytes<R> {
    /// Copies one JSON value (from `scan`'s state) into `out`, or skips it when `out` is
    /// `None`. Only strings and nesting are tracked; the value is parsed afterwards.
    fn value(&mut self, mut scan: Scan, mut out: Option<&mut Vec<u8>>) -> Result<(), String> {
        loop {
            let buf = self.r.fill_buf().map_err(|e| e.to_string())?;
            if buf.is_empty() {
                return if scan.depth == 0 && !scan.in_string {
                    Ok(())
                } else {
                    Err("the input ends inside a value".into())
                };
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                match scan.feed(b) {
                    Some(true) => {
                        end = Some(i + 1);
                        break;
                    }
                    Some(false) => {
                        end = Some(i);
                        break;
                    }
                    None => {}
                }
            }
            let n = end.unwrap_or(buf.len());
            let taken = buf.get(..n).unwrap_or_default();
            self.line += taken.iter().filter(|&&b| b == b'\n').count() as u64;
            if let Some(out) = out.as_deref_mut() {
                if out.len() + n > MAX_RECORD_BYTES {
                    return Err(format!(
                        "a record is larger than {} MiB",
                        MAX_RECORD_BYTES >> 20
                    ));
                }
                out.extend_from_slice(taken);
            }
            self.r.consume(n);
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

/// Where the JSON reader is.
enum At {
    /// Before a top-level value (JSON Lines, Graph pages) or the array (JSON).
    Top,
    /// Inside an array of users; `page`: it is a Graph page's `value`.
    Elements { first: bool, page: bool },
    /// Inside a Graph page, after the member name `name`.
    Member(String),
    /// Inside a Graph page, after a member.
    AfterMember,
    /// After the top-level array (JSON).
    End,
}

struct JsonRecords<R> {
    bytes: Bytes<R>,
    format: Format,
    at: At,
    buf: Vec<u8>,
}

/// The member names that make a top-level object a Graph response page.
fn is_page_member(name: &str) -> bool {
    name == "value"
        || matches!(
            name,
            "@odata.context" | "@odata.nextLink" | "@odata.deltaLink" | "@odata.count"
        )
}

impl<R: BufRead> JsonRecords<R> {
    fn new(r: R, format: Format, line: u64) -> Self {
        let mut bytes = Bytes::new(r);
        bytes.line = line;
        JsonRecords {
            bytes,
            format,
            at: At::Top,
            buf: Vec::new(),
        }
    }

    fn error(&self, record: Option<usize>, message: impl Into<String>) -> InputError {
        InputError {
            record,
            line: Some(self.bytes.line),
            message: message.into(),
        }
    }

    fn next(&mut self, record: usize) -> Option<Result<Json, InputError>> {
        match self.step(record) {
            Ok(Some(user)) => Some(Ok(user)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Advances to the next user.
    fn step(&mut self, record: usize) -> Result<Option<Json>, InputError> {
        loop {
            let c = self.bytes.skip_ws().map_err(|e| io_error(&e))?;
            let at = std::mem::replace(&mut self.at, At::End);
            match at {
                At::Top => match (self.format, c) {
                    (_, None) => return Ok(None),
                    (Format::Json, Some(b'[')) => {
                        self.bytes.bump();
                        self.at = At::Elements {
                            first: true,
                            page: false,
                        };
                    }
                    (Format::Json, Some(_)) => {
                        return Err(self.error(None, "expected a JSON array of users (`[`)"))
                    }
                    (_, Some(b'{')) => {
                        if let Some(user) = self.object(record)? {
                            self.at = At::Top;
                            return Ok(Some(user));
                        }
                    }
                    (_, Some(_)) => {
                        return Err(self.error(
                            Some(record),
                            "expected a JSON object (a user, or a Graph page)",
                        ))
                    }
                },
                At::Elements { first, page } => match c {
                    Some(b']') => {
                        self.bytes.bump();
                        self.at = if page { At::AfterMember } else { At::End };
                    }
                    None => return Err(self.error(Some(record), "the input ends inside an array")),
                    Some(c) => {
                        if !first {
                            if c != b',' {
                                return Err(
                                    self.error(Some(record), "expected `,` or `]` after a user")
                                );
                            }
                            self.bytes.bump();
                            self.bytes.skip_ws().map_err(|e| io_error(&e))?;
                        }
                        self.at = At::Elements { first: false, page };
                        return self.element(record).map(Some);
                    }
                },
                At::Member(name) => {
                    if c != Some(b':') {
                        return Err(self.error(None, "expected `:` after a member name"));
                    }
                    self.bytes.bump();
                    let c = self.bytes.skip_ws().map_err(|e| io_error(&e))?;
                    if name == "value" {
                        if c != Some(b'[') {
                            return Err(self
                                .error(None, "a Graph page's `value` must be an array of users"));
                        }
                        self.bytes.bump();
                        self.at = At::Elements {
                            first: true,
                            page: true,
                        };
                    } else {
                        self.bytes
                            .value(Scan::default(), None)
                            .map_err(|m| self.error(None, m))?;
                        self.at = At::AfterMember;
                    }
                }
                At::AfterMember => match c {
                    Some(b'}') => {
                        self.bytes.bump();
                        self.at = At::Top;
                    }
                    Some(b',') => {
                        self.bytes.bump();
                        self.bytes.skip_ws().map_err(|e| io_error(&e))?;
                        let name = self.member_name(None)?;
                        self.at = At::Member(name);
                    }
                    _ => return Err(self.error(None, "expected `,` or `}` in a Graph page")),
                },
                At::End => {
                    return match c {
                        None => Ok(None),
                        Some(_) => Err(self.error(None, "unexpected data after the array")),
                    }
                }
            }
        }
    }

    /// Reads a member name (a JSON string) at the current byte; its raw text stays in
    /// `self.buf` after what was there.
    fn member_name(&mut self, record: Option<usize>) -> Result<String, InputError> {
        if self.bytes.peek().map_err(|e| io_error(&e))? != Some(b'"') {
            return Err(self.error(record, "expected a member name"));
        }
        let start = self.buf.len();
        self.bytes
            .value(Scan::default(), Some(&mut self.buf))
            .map_err(|m| self.error(record, m))?;
        let raw = self.buf.get(start..).unwrap_or_default();
        serde_json::from_slice(raw).map_err(|e| self.error(record, format!("invalid JSON: {e}")))
    }

    /// A top-level object: a Graph page (then its members are read on, `None`) or a user.
    fn object(&mut self, record: usize) -> Result<Option<Json>, InputError> {
        let line = self.bytes.line;
        self.bytes.bump();
        self.buf.clear();
        self.buf.push(b'{');
        let c = self.bytes.skip_ws().map_err(|e| io_error(&e))?;
        if c == Some(b'}') {
            self.bytes.bump();
            return self.finish(record, line).map(Some);
        }
        let name = self.member_name(Some(record))?;
        if is_page_member(&name) {
            self.at = At::Member(name);
            return Ok(None);
        }
        if self.format == Format::Graph {
            return Err(self.error(
                Some(record),
                "expected a Microsoft Graph page (`{\"@odata.context\": …, \"value\": [users]}`)",
            ));
        }
        let rest = Scan {
            depth: 1,
            ..Scan::default()
        };
        self.bytes
            .value(rest, Some(&mut self.buf))
            .map_err(|m| self.error(Some(record), m))?;
        self.finish(record, line).map(Some)
    }

    /// An element of an array of users.
    fn element(&mut self, record: usize) -> Result<Json, InputError> {
        let line = self.bytes.line;
        self.buf.clear();
        self.bytes
            .value(Scan::default(), Some(&mut self.buf))
            .map_err(|m| self.error(Some(record), m))?;
        self.finish(record, line)
    }

    /// Parses the record in `self.buf`, which started on `line`.
    fn finish(&mut self, record: usize, line: u64) -> Result<Json, InputError> {
        match serde_json::from_slice::<Json>(&self.buf) {
            Ok(Json::Object(mut o)) => {
                normalise(&mut o);
                Ok(Json::Object(o))
            }
            Ok(other) => Err(InputError {
                record: Some(record),
                line: Some(line),
                message: format!("expected a JSON object (a user), found {}", kind(&other)),
            }),
            Err(e) => Err(InputError {
                record: Some(record),
                line: Some(line + e.line() as u64 - 1),
                message: format!("invalid JSON: {e}"),
            }),
        }
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// How a CSV column's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Text,
    Boolean,
    List,
}

/// `columns.csv`, by normalised header.
fn columns() -> &'static HashMap<String, (String, ColumnType)> {
    static COLUMNS: OnceLock<HashMap<String, (String, ColumnType)>> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let mut map = HashMap::new();
        let mut r = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(include_str!("columns.csv").as_bytes());
        for row in r.records().flatten() {
            let (Some(header), Some(attribute), Some(kind)) = (row.get(0), row.get(1), row.get(2))
            else {
                continue;
            };
            let kind = match kind {
                "boolean" => ColumnType::Boolean,
                "list" => ColumnType::List,
                _ => ColumnType::Text,
            };
            map.insert(fold(header), (attribute.to_string(), kind));
        }
        for name in crate::mapping::sources::ENTRA_USER {
            map.entry(fold(name))
                .or_insert_with(|| (name.to_string(), ColumnType::Text));
        }
        map
    })
}

/// A header as compared: lower case, letters and digits only.
fn fold(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The attribute a CSV column feeds, and how its text is read.
fn column(header: &str) -> (String, ColumnType) {
    let header = header.trim();
    columns()
        .get(&fold(header))
        .cloned()
        .unwrap_or_else(|| (header.to_string(), ColumnType::Text))
}

fn cell_value(text: &str, kind: ColumnType) -> Json {
    match kind {
        ColumnType::Text => Json::String(text.to_string()),
        ColumnType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => Json::Bool(true),
            "false" | "no" => Json::Bool(false),
            _ => Json::String(text.to_string()),
        },
        ColumnType::List => Json::Array(
            text.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Json::String(s.to_string()))
                .collect(),
        ),
    }
}

struct CsvRecords<R> {
    reader: csv::Reader<R>,
    columns: Option<Vec<(String, ColumnType)>>,
    row: csv::StringRecord,
    first_line: u64,
}

impl<R: BufRead> CsvRecords<R> {
    fn new(r: R, first_line: u64) -> Self {
        CsvRecords {
            reader: csv::ReaderBuilder::new().has_headers(false).from_reader(r),
            columns: None,
            row: csv::StringRecord::new(),
            first_line,
        }
    }

    /// The line of the row last read (blank lines before the header were skipped).
    fn line(&self) -> Option<u64> {
        self.row.position().map(|p| p.line() + self.first_line - 1)
    }

    fn error(&self, record: Option<usize>, e: &csv::Error) -> InputError {
        let line = e
            .position()
            .map(|p| p.line() + self.first_line - 1)
            .or_else(|| self.line());
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the header has {expected_len}"),
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        InputError {
            record,
            line,
            message,
        }
    }

    fn read_row(&mut self, record: Option<usize>) -> Result<bool, InputError> {
        match self.reader.read_record(&mut self.row) {
            Ok(more) => Ok(more),
            Err(e) => Err(self.error(record, &e)),
        }
    }

    fn next(&mut self, record: usize) -> Option<Result<Json, InputError>> {
        if self.columns.is_none() {
            match self.read_row(None) {
                Ok(true) => {
                    self.columns = Some(self.row.iter().map(column).collect());
                }
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        match self.read_row(Some(record)) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err(e)),
        }
        let mut o = Map::new();
        for (text, (name, kind)) in self.row.iter().zip(self.columns.iter().flatten()) {
            // A blank cell is an attribute without a value: Entra has no empty strings.
            if !text.is_empty() {
                o.insert(name.clone(), cell_value(text, *kind));
            }
        }
        normalise(&mut o);
        Some(Ok(Json::Object(o)))
    }
}

/// Graph property names (`GET /users`) and the provisioning source names they stand for
/// (CUSTOMIZE's attribute list; Graph user resource). The Graph name is read only when the
/// provisioning name is absent.
const GRAPH_NAMES: &[(&str, &str)] = &[
    ("id", "objectId"),
    ("mobilePhone", "mobile"),
    ("businessPhones", "telephoneNumber"),
    ("faxNumber", "facsimileTelephoneNumber"),
    ("officeLocation", "physicalDeliveryOfficeName"),
    ("onPremisesImmutableId", "immutableId"),
];

/// Whether [`normalise`] would change the object.
fn needs_normalising(o: &Map<String, Json>) -> bool {
    !o.contains_key("IsSoftDeleted")
        || GRAPH_NAMES
            .iter()
            .any(|(graph, entra)| o.contains_key(*graph) && !o.contains_key(*entra))
}

/// Puts a record under the names provisioning reads:
/// * Graph names under their provisioning names (`businessPhones` gives its first number,
///   as `telephoneNumber` is single-valued);
/// * `IsSoftDeleted`, which Entra computes for every object and no export carries: `true`
///   when `accountEnabled` is false (Entra: a disabled user reads as soft-deleted), else
///   `false`.
pub fn normalise(o: &mut Map<String, Json>) {
    for (graph, entra) in GRAPH_NAMES {
        if o.contains_key(*entra) {
            continue;
        }
        let value = match o.get(*graph) {
            Some(Json::Array(a)) => a.first().cloned(),
            Some(Json::Null) | None => None,
            Some(v) => Some(v.clone()),
        };
        if let Some(v) = value {
            o.insert((*entra).to_string(), v);
        }
    }
    if !o.contains_key("IsSoftDeleted") {
        let disabled = match o.get("accountEnabled") {
            Some(Json::Bool(b)) => !b,
            Some(Json::String(s)) => s.eq_ignore_ascii_case("false"),
            _ => false,
        };
        o.insert("IsSoftDeleted".into(), Json::Bool(disabled));
    }
}

/// A source object under the names provisioning reads ([`normalise`]), copied only when
/// something changes.
pub fn entra_object(user: &Json) -> Cow<'_, Json> {
    match user {
        Json::Object(o) if needs_normalising(o) => {
            let mut o = o.clone();
            normalise(&mut o);
            Cow::Owned(Json::Object(o))
        }
        _ => Cow::Borrowed(user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str, format: Option<Format>) -> Vec<Result<Json, InputError>> {
        users(text.as_bytes(), format).collect()
    }

    #[test]
    fn the_scanner_keeps_brackets_and_quotes_inside_strings() {
        let out = read(
            r#"[{"a": "]}\"[{", "b": [1, {"c": "\\"}]}, {"d": 1}]"#,
            None,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap()["a"], "]}\"[{");
        assert_eq!(out[1].as_ref().unwrap()["d"], 1);
    }

    #[test]
    fn a_page_member_first_makes_a_graph_page() {
        let page = r#"{"@odata.context": "x", "value": [{"id": "1"}, {"id": "2"}], "@odata.nextLink": "y"}
{"value": []}
{"value": [{"id": "3"}]}"#;
        let ids: Vec<Json> = read(page, None)
            .into_iter()
            .map(|u| u.unwrap()["objectId"].clone())
            .collect();
        assert_eq!(ids, vec![json!("1"), json!("2"), json!("3")]);
    }

    #[test]
    fn folding_headers() {
        assert_eq!(column("User principal name").0, "userPrincipalName");
        assert_eq!(column("USERPRINCIPALNAME").0, "userPrincipalName");
        assert_eq!(column("id").0, "objectId");
        assert_eq!(column("extensionAttribute3").0, "extensionAttribute3");
        assert_eq!(column("Cost centre ").0, "Cost centre");
    }

    #[test]
    fn scalars_and_truncation_are_errors_with_positions() {
        let e = read("[{\"a\": 1},\n 2]", None).pop().unwrap().unwrap_err();
        assert_eq!((e.record, e.line), (Some(2), Some(2)), "{e}");
        let e = read("[{\"a\": 1},\n {\"b\": ", None)
            .pop()
            .unwrap()
            .unwrap_err();
        assert_eq!(e.record, Some(2), "{e}");
        let e = read("{\"a\": 1}\n{\"a\": }\n", None)
            .pop()
            .unwrap()
            .unwrap_err();
        assert_eq!((e.record, e.line), (Some(2), Some(2)), "{e}");
    }
}
