//! Date-time parsing and formatting for the date functions (spec §2 CDate, DateAdd, DateDiff,
//! DateFromNum, FormatDateTime, NumFromDate).
//!
//! * [`parse_any`] reads the inputs Entra's `CDate` accepts: ISO 8601 (with `T` or a space),
//!   `yyyy-MM-dd±HH:mm` (date plus offset), a bare date, Entra's own output
//!   `M/d/yyyy h:mm:ss tt`, RFC 2822 and LDAP generalized time. No offset means UTC.
//! * [`parse_exact`] and [`format`] implement .NET custom date and time format strings
//!   (invariant culture), plus the single-letter standard formats.
//! * [`add`] and [`diff`] implement VB `DateAdd` / `DateDiff` intervals.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike, Utc,
};

/// Ticks (100 ns) between 1601-01-01 (Windows FILETIME epoch) and 1970-01-01.
const FILETIME_UNIX_OFFSET: i64 = 116_444_736_000_000_000;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// How a parsed value relates to UTC (.NET `DateTimeKind`; affects `K` and `zzz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No zone information was present.
    Unspecified,
    /// Known to be UTC (`Z` in the input, or produced by a date function).
    Utc,
    /// An offset was present; converted to the service's local time (UTC).
    Local,
}

/// A date-time as .NET sees it after parsing: the wall-clock value (already converted to
/// UTC when the input carried an offset) and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The wall-clock value.
    pub value: NaiveDateTime,
    /// Its kind.
    pub kind: Kind,
}

impl Parsed {
    /// The instant, reading unspecified values as UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        Utc.from_utc_datetime(&self.value)
    }
}

/// Parses any date-time representation Entra's `CDate` accepts; `None` when unreadable.
pub fn parse_any(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if t.is_empty() || t.len() > 100 {
        return None;
    }
    if let Some(d) = parse_iso(t) {
        return Some(d);
    }
    if let Some(d) = parse_us(t) {
        return Some(d);
    }
    if let Some(d) = parse_generalized(t) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    // "Mon, 25 Aug 2021 17:41:18 GMT"-like strings chrono rejects for a wrong weekday, and
    // "25 Aug 2021 17:41:18": try the same without the weekday.
    if let Some((_, rest)) = t.split_once(", ") {
        if let Ok(d) = DateTime::parse_from_rfc2822(rest) {
            return Some(d.with_timezone(&Utc));
        }
    }
    None
}

/// A tiny cursor over ASCII-ish input.
struct Cursor<'s> {
    s: &'s str,
    pos: usize,
}

impl<'s> Cursor<'s> {
    fn new(s: &'s str) -> Self {
        Cursor { s, pos: 0 }
    }
    fn rest(&self) -> &'s str {
        self.s.get(self.pos..).unwrap_or("")
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn eat_str_ci(&mut self, w: &str) -> bool {
        let r = self.rest();
        match r.get(..w.len()) {
            Some(p) if p.eq_ignore_ascii_case(w) => {
                self.pos += w.len();
                true
            }
            _ => false,
        }
    }
    /// Between `min` and `max` ASCII digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let r = self.rest();
        let n = r.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n < min {
            return None;
        }
        let v = r.get(..n)?.parse::<u32>().ok()?;
        self.pos += n;
        Some(v)
    }
    /// Like `digits`, also returning the number of digits read.
    fn digits_n(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let start = self.pos;
        let v = self.digits(min, max)?;
        Some((v, self.pos - start))
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.eat(self.peek().unwrap_or(' '));
        }
    }
}

/// `Z`, `±HH:mm`, `±HHmm`, `±HH`, `UTC`, `GMT`; returns the offset in seconds.
fn parse_offset(c: &mut Cursor<'_>) -> Option<i32> {
    if (c.eat('Z') || c.eat('z') || c.eat_str_ci("UTC") || c.eat_str_ci("GMT")) && c.done() {
        return Some(0);
    }
    let sign = if c.eat('+') {
        1
    } else if c.eat('-') || c.eat('\u{2212}') {
        -1
    } else {
        return None;
    };
    let h = c.digits(1, 2)?;
    let m = if c.eat(':') {
        c.digits(2, 2)?
    } else {
        c.digits(2, 2).unwrap_or(0)
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h as i32 * 3600 + m as i32 * 60))
}

/// An optional offset, then the end of the input, then the instant.
fn finish_at(c: &mut Cursor<'_>, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let offset = if c.done() {
        None
    } else {
        Some(parse_offset(c)?)
    };
    if !c.done() {
        return None;
    }
    finish(date, time, offset)
}

fn finish(date: NaiveDate, time: NaiveTime, offset: Option<i32>) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::new(date, time);
    let off = FixedOffset::east_opt(offset.unwrap_or(0))?;
    let dt = off.from_local_datetime(&local).single()?;
    Some(dt.with_timezone(&Utc))
}

/// `HH:mm[:ss[.fffffff]]`.
fn parse_hms(c: &mut Cursor<'_>) -> Option<NaiveTime> {
    let h = c.digits(1, 2)?;
    if !c.eat(':') {
        return None;
    }
    let m = c.digits(2, 2)?;
    let (s, nanos) = if c.eat(':') {
        let s = c.digits(2, 2)?;
        let nanos = if c.eat('.') || c.eat(',') {
            fraction(c)?
        } else {
            0
        };
        (s, nanos)
    } else {
        (0, 0)
    };
    NaiveTime::from_hms_nano_opt(h, m, s, nanos)
}

/// Decimal fraction digits → nanoseconds (extra digits beyond 9 are dropped).
fn fraction(c: &mut Cursor<'_>) -> Option<u32> {
    let (v, n) = c.digits_n(1, 9)?;
    while c.digits(1, 1).is_some() {}
    Some(v * 10u32.pow(9 - n as u32))
}

/// ISO 8601: `yyyy-MM-dd[(T| )HH:mm[:ss[.f]]][offset]`.
fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(s);
    let y = c.digits(4, 4)?;
    if !c.eat('-') {
        return None;
    }
    let mo = c.digits(1, 2)?;
    if !c.eat('-') {
        return None;
    }
    let d = c.digits(1, 2)?;
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    let mut time = NaiveTime::MIN;
    let has_time = c.eat('T') || c.eat('t') || c.peek() == Some(' ');
    if has_time {
        c.skip_ws();
        if !c.done() {
            time = parse_hms(&mut c)?;
        }
    }
    c.skip_ws();
    finish_at(&mut c, date, time)
}

/// US / Entra output: `M/d/yyyy[ h:mm[:ss[.f]][ AM|PM]][ offset]`.
fn parse_us(s: &str) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(s);
    let mo = c.digits(1, 2)?;
    if !c.eat('/') {
        return None;
    }
    let d = c.digits(1, 2)?;
    if !c.eat('/') {
        return None;
    }
    let y = c.digits(4, 4)?;
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    c.skip_ws();
    let mut time = NaiveTime::MIN;
    if matches!(c.peek(), Some(ch) if ch.is_ascii_digit()) {
        let t = parse_hms(&mut c)?;
        c.skip_ws();
        let pm = if c.eat_str_ci("PM") {
            Some(true)
        } else if c.eat_str_ci("AM") {
            Some(false)
        } else {
            None
        };
        time = match pm {
            None => t,
            Some(pm) => {
                let h = t.hour();
                if !(1..=12).contains(&h) {
                    return None;
                }
                let h24 = (h % 12) + if pm { 12 } else { 0 };
                t.with_hour(h24)?
            }
        };
        c.skip_ws();
    }
    finish_at(&mut c, date, time)
}

/// LDAP generalized time: `yyyyMMddHHmmss[.f][Z|±HHmm]`.
fn parse_generalized(s: &str) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(s);
    let y = c.digits(4, 4)?;
    let mo = c.digits(2, 2)?;
    let d = c.digits(2, 2)?;
    let h = c.digits(2, 2)?;
    let mi = c.digits(2, 2)?;
    let se = c.digits(2, 2)?;
    let nanos = if c.eat('.') { fraction(&mut c)? } else { 0 };
    finish_at(
        &mut c,
        NaiveDate::from_ymd_opt(y as i32, mo, d)?,
        NaiveTime::from_hms_nano_opt(h, mi, se, nanos)?,
    )
}

/// Windows FILETIME (100 ns ticks since 1601-01-01 UTC) → instant.
pub fn from_filetime(ticks: i64) -> Option<DateTime<Utc>> {
    let unix_ticks = ticks.checked_sub(FILETIME_UNIX_OFFSET)?;
    let secs = unix_ticks.div_euclid(10_000_000);
    let nanos = u32::try_from(unix_ticks.rem_euclid(10_000_000) * 100).ok()?;
    DateTime::<Utc>::from_timestamp(secs, nanos).and_then(in_dotnet_range)
}

/// `Some(d)` when `d` lies within .NET's `DateTime` range (years 1 to 9999). Entra's
/// date functions throw outside it; chrono's wider range would otherwise produce dates
/// such as `+30828` or year 0 that no date function can read back.
pub fn in_dotnet_range(d: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    (1..=9999).contains(&d.year()).then_some(d)
}

/// Instant → Windows FILETIME ticks.
pub fn to_filetime(d: DateTime<Utc>) -> Option<i64> {
    let secs = d.timestamp().checked_mul(10_000_000)?;
    let sub = i64::from(d.timestamp_subsec_nanos() / 100);
    secs.checked_add(sub)?.checked_add(FILETIME_UNIX_OFFSET)
}

// ---------------------------------------------------------------------------------------
// DateAdd / DateDiff
// ---------------------------------------------------------------------------------------

/// A VB date interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// `yyyy`
    Year,
    /// `q`
    Quarter,
    /// `m`
    Month,
    /// `y` (day of year; behaves as days)
    DayOfYear,
    /// `d`
    Day,
    /// `w` (weekday; DateAdd: days, DateDiff: whole weeks)
    Weekday,
    /// `ww` (calendar week, Sunday-based)
    Week,
    /// `h`
    Hour,
    /// `n`
    Minute,
    /// `s`
    Second,
}

impl Interval {
    /// Reads a VB interval code (`yyyy q m y d w ww h n s`), case-insensitively.
    pub fn parse(s: &str) -> Option<Interval> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "yyyy" => Interval::Year,
            "q" => Interval::Quarter,
            "m" => Interval::Month,
            "y" => Interval::DayOfYear,
            "d" => Interval::Day,
            "w" => Interval::Weekday,
            "ww" => Interval::Week,
            "h" => Interval::Hour,
            "n" => Interval::Minute,
            "s" => Interval::Second,
            _ => return None,
        })
    }
}

/// `DateAdd`: months and years clamp the day of month (.NET `AddMonths`).
pub fn add(interval: Interval, n: i64, d: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let months = |m: i64| -> Option<DateTime<Utc>> {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            d.checked_add_months(Months::new(m32))
        } else {
            d.checked_sub_months(Months::new(m32))
        }
    };
    let span = |secs_per_unit: i64| -> Option<DateTime<Utc>> {
        let secs = n.checked_mul(secs_per_unit)?;
        d.checked_add_signed(Duration::try_seconds(secs)?)
    };
    let out = match interval {
        Interval::Year => months(n.checked_mul(12)?),
        Interval::Quarter => months(n.checked_mul(3)?),
        Interval::Month => months(n),
        Interval::DayOfYear | Interval::Day | Interval::Weekday => span(86_400),
        Interval::Week => span(7 * 86_400),
        Interval::Hour => span(3_600),
        Interval::Minute => span(60),
        Interval::Second => span(1),
    };
    out.and_then(in_dotnet_range)
}

/// `DateDiff(interval, d1, d2)`: positive when `d2` is later. Calendar intervals (`yyyy`,
/// `q`, `m`, `d`, `y`, `ww`) count boundaries crossed between the UTC calendar dates (`ww`
/// counts Sundays); `w`, `h`, `n`, `s` count whole elapsed units, truncated toward zero.
pub fn diff(interval: Interval, d1: DateTime<Utc>, d2: DateTime<Utc>) -> i64 {
    let y = i64::from(d2.year()) - i64::from(d1.year());
    let m = y * 12 + i64::from(d2.month()) - i64::from(d1.month());
    let days = i64::from(d2.date_naive().num_days_from_ce())
        - i64::from(d1.date_naive().num_days_from_ce());
    let elapsed = d2.signed_duration_since(d1);
    match interval {
        Interval::Year => y,
        Interval::Quarter => y * 4 + (i64::from(d2.month0()) / 3) - (i64::from(d1.month0()) / 3),
        Interval::Month => m,
        Interval::DayOfYear | Interval::Day => days,
        Interval::Week => sunday_week(d2) - sunday_week(d1),
        Interval::Weekday => elapsed.num_days() / 7,
        Interval::Hour => elapsed.num_hours(),
        Interval::Minute => elapsed.num_minutes(),
        Interval::Second => elapsed.num_seconds(),
    }
}

/// Index of the Sunday-started week containing `d` (0001-01-07 was a Sunday).
fn sunday_week(d: DateTime<Utc>) -> i64 {
    i64::from(d.date_naive().num_days_from_ce()).div_euclid(7)
}

// ---------------------------------------------------------------------------------------
// .NET custom format strings
// ---------------------------------------------------------------------------------------

/// A token of a .NET custom date-time format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A specifier letter repeated `n` times (`yyyy` = ('y', 4)).
    Spec(char, usize),
    /// Literal text.
    Lit(String),
}

/// An invalid format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

/// Expands single-letter standard formats (invariant culture).
fn standard(fmt: &str) -> &str {
    match fmt {
        "d" => "MM/dd/yyyy",
        "D" => "dddd, dd MMMM yyyy",
        "f" => "dddd, dd MMMM yyyy HH:mm",
        "F" | "U" => "dddd, dd MMMM yyyy HH:mm:ss",
        "g" => "MM/dd/yyyy HH:mm",
        "G" => "MM/dd/yyyy HH:mm:ss",
        "m" | "M" => "MMMM dd",
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        "r" | "R" => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        "t" => "HH:mm",
        "T" => "HH:mm:ss",
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        "y" | "Y" => "yyyy MMMM",
        other => other,
    }
}

fn tokenize(fmt: &str) -> Result<Vec<Tok>, FormatError> {
    let fmt = standard(fmt);
    let chars: Vec<char> = fmt.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    let flush = |lit: &mut String, out: &mut Vec<Tok>| {
        if !lit.is_empty() {
            out.push(Tok::Lit(std::mem::take(lit)));
        }
    };
    while let Some(&c) = chars.get(i) {
        match c {
            'd' | 'f' | 'F' | 'g' | 'h' | 'H' | 'K' | 'm' | 'M' | 's' | 't' | 'y' | 'z' => {
                let mut n = 1;
                while chars.get(i + n) == Some(&c) {
                    n += 1;
                }
                if (c == 'f' || c == 'F') && n > 7 {
                    return Err(FormatError(format!(
                        "`{}` has more than 7 fraction digits",
                        c.to_string().repeat(n)
                    )));
                }
                flush(&mut lit, &mut out);
                out.push(Tok::Spec(c, n));
                i += n;
            }
            ':' | '/' => {
                lit.push(c);
                i += 1;
            }
            '\'' | '"' => {
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(FormatError(format!(
                                "unterminated quoted text starting with {c}"
                            )))
                        }
                        Some(&q) if q == c => break,
                        Some('\\') => {
                            if let Some(&n) = chars.get(j + 1) {
                                lit.push(n);
                            }
                            j += 2;
                        }
                        Some(&o) => {
                            lit.push(o);
                            j += 1;
                        }
                    }
                }
                i = j + 1;
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some(&n) => lit.push(n),
                    None => return Err(FormatError("format ends with `\\`".into())),
                }
                i += 2;
            }
            '%' => {
                // `%d`: the next character is a specifier on its own.
                match chars.get(i + 1) {
                    Some('%') | None => {
                        return Err(FormatError("invalid use of `%` in the format".into()))
                    }
                    Some(_) => {}
                }
                i += 1;
            }
            other => {
                lit.push(other);
                i += 1;
            }
        }
    }
    flush(&mut lit, &mut out);
    Ok(out)
}

/// Checks that `fmt` is a well-formed .NET format string.
///
/// # Errors
/// What is wrong with it.
pub fn check_format(fmt: &str) -> Result<(), FormatError> {
    tokenize(fmt).map(|_| ())
}

/// Formats `p` with a .NET custom (or single-letter standard) format string, invariant culture.
///
/// # Errors
/// An invalid format string.
pub fn format(p: &Parsed, fmt: &str) -> Result<String, FormatError> {
    if fmt.is_empty() {
        return format(p, "G");
    }
    let d = p.value;
    let mut out = String::new();
    for t in tokenize(fmt)? {
        match t {
            Tok::Lit(s) => out.push_str(&s),
            Tok::Spec(c, n) => format_spec(&mut out, p, d, c, n),
        }
    }
    Ok(out)
}

fn pad(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    let s = v.unsigned_abs().to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

fn format_spec(out: &mut String, p: &Parsed, d: NaiveDateTime, c: char, n: usize) {
    let hour12 = match d.hour() % 12 {
        0 => 12,
        h => h,
    };
    let month_name = MONTHS.get(d.month0() as usize).copied().unwrap_or_default();
    let day_name = DAYS
        .get(d.weekday().num_days_from_sunday() as usize)
        .copied()
        .unwrap_or_default();
    match c {
        'd' => match n {
            1 => pad(out, i64::from(d.day()), 1),
            2 => pad(out, i64::from(d.day()), 2),
            3 => out.push_str(day_name.get(..3).unwrap_or(day_name)),
            _ => out.push_str(day_name),
        },
        'f' | 'F' => {
            let nanos = d.nanosecond() % 1_000_000_000;
            let digits = format!("{nanos:09}");
            let mut frac = digits.get(..n).unwrap_or("").to_string();
            if c == 'F' {
                while frac.ends_with('0') {
                    frac.pop();
                }
                if frac.is_empty() && out.ends_with('.') {
                    out.pop();
                }
            }
            out.push_str(&frac);
        }
        'g' => out.push_str("A.D."),
        'h' => pad(out, i64::from(hour12), n.min(2)),
        'H' => pad(out, i64::from(d.hour()), n.min(2)),
        'K' => match p.kind {
            Kind::Unspecified => {}
            Kind::Utc => out.push('Z'),
            Kind::Local => out.push_str("+00:00"),
        },
        'm' => pad(out, i64::from(d.minute()), n.min(2)),
        'M' => match n {
            1 => pad(out, i64::from(d.month()), 1),
            2 => pad(out, i64::from(d.month()), 2),
            3 => out.push_str(month_name.get(..3).unwrap_or(month_name)),
            _ => out.push_str(month_name),
        },
        's' => pad(out, i64::from(d.second()), n.min(2)),
        't' => {
            let ampm = if d.hour() < 12 { "AM" } else { "PM" };
            if n == 1 {
                out.push_str(ampm.get(..1).unwrap_or(ampm));
            } else {
                out.push_str(ampm);
            }
        }
        'y' => {
            let y = i64::from(d.year());
            match n {
                1 => pad(out, y % 100, 1),
                2 => pad(out, y % 100, 2),
                _ => pad(out, y, n),
            }
        }
        'z' => {
            // The service runs in UTC: the local offset is +00:00.
            match n {
                1 => out.push_str("+0"),
                2 => out.push_str("+00"),
                _ => out.push_str("+00:00"),
            }
        }
        _ => {}
    }
}

/// Fields collected while parsing.
#[derive(Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: Option<i32>,
    utc: bool,
}

/// Parses `s` with a .NET custom format (`DateTime.ParseExact`, invariant culture, leading
/// and trailing white space allowed). Missing date parts default to `today`'s date.
///
/// # Errors
/// A message saying where the input stopped matching.
pub fn parse_exact(s: &str, fmt: &str, today: NaiveDate) -> Result<Parsed, FormatError> {
    if fmt.is_empty() {
        return Err(FormatError("the input format is empty".into()));
    }
    let toks = tokenize(fmt)?;
    let mut c = Cursor::new(s.trim());
    let mut f = Fields::default();
    let fail = |what: &str, c: &Cursor<'_>| {
        FormatError(format!(
            "`{}` does not match the format `{}` ({} expected at `{}`)",
            s,
            fmt,
            what,
            c.rest()
        ))
    };
    for t in &toks {
        match t {
            Tok::Lit(l) => {
                for ch in l.chars() {
                    if ch == 'Z' && c.eat('Z') {
                        // .NET reads a literal `Z` as "this is UTC".
                        f.utc = true;
                        continue;
                    }
                    if ch.is_whitespace() {
                        if !c.eat(ch) {
                            c.skip_ws();
                        }
                        continue;
                    }
                    if !c.eat(ch) {
                        return Err(fail(&format!("`{ch}`"), &c));
                    }
                }
            }
            Tok::Spec(ch, n) => {
                let n = *n;
                let two = |c: &mut Cursor<'_>| {
                    if n == 1 {
                        c.digits(1, 2)
                    } else {
                        c.digits(2, 2)
                    }
                };
                match ch {
                    'd' if n <= 2 => f.day = Some(two(&mut c).ok_or_else(|| fail("day", &c))?),
                    'd' => {
                        let names: Vec<&str> = if n == 3 {
                            DAYS.iter().map(|d| d.get(..3).unwrap_or(d)).collect()
                        } else {
                            DAYS.to_vec()
                        };
                        match_name(&mut c, &names).ok_or_else(|| fail("day name", &c))?;
                    }
                    'M' if n <= 2 => f.month = Some(two(&mut c).ok_or_else(|| fail("month", &c))?),
                    'M' => {
                        let names: Vec<&str> = if n == 3 {
                            MONTHS.iter().map(|d| d.get(..3).unwrap_or(d)).collect()
                        } else {
                            MONTHS.to_vec()
                        };
                        let i = match_name(&mut c, &names).ok_or_else(|| fail("month name", &c))?;
                        f.month = Some(i as u32 + 1);
                    }
                    'y' => {
                        let (v, len) = if n <= 2 {
                            c.digits_n(if n == 1 { 1 } else { 2 }, 2)
                        } else {
                            c.digits_n(n, n.max(4))
                        }
                        .ok_or_else(|| fail("year", &c))?;
                        let mut y = v as i32;
                        if n <= 2 && len <= 2 {
                            // .NET's Gregorian TwoDigitYearMax is 2049.
                            y += if y <= 49 { 2000 } else { 1900 };
                        }
                        f.year = Some(y);
                    }
                    'h' | 'H' => f.hour = Some(two(&mut c).ok_or_else(|| fail("hour", &c))?),
                    'm' => f.minute = two(&mut c).ok_or_else(|| fail("minute", &c))?,
                    's' => f.second = two(&mut c).ok_or_else(|| fail("second", &c))?,
                    'f' | 'F' => {
                        let min = if *ch == 'f' { n } else { 0 };
                        let got = if min == 0 && !matches!(c.peek(), Some(d) if d.is_ascii_digit())
                        {
                            Some((0, 0))
                        } else {
                            c.digits_n(min.max(1), n)
                        };
                        let (v, len) = got.ok_or_else(|| fail("fraction", &c))?;
                        f.nanos = if len == 0 {
                            0
                        } else {
                            v * 10u32.pow(9 - len as u32)
                        };
                    }
                    't' => {
                        let pm = if c.eat_str_ci(if n == 1 { "P" } else { "PM" }) {
                            true
                        } else if c.eat_str_ci(if n == 1 { "A" } else { "AM" }) {
                            false
                        } else {
                            return Err(fail("AM/PM", &c));
                        };
                        f.pm = Some(pm);
                    }
                    'z' => {
                        let sign = if c.eat('+') {
                            1
                        } else if c.eat('-') {
                            -1
                        } else {
                            return Err(fail("offset sign", &c));
                        };
                        let h = (if n == 1 {
                            c.digits(1, 2)
                        } else {
                            c.digits(2, 2)
                        })
                        .ok_or_else(|| fail("offset hours", &c))?;
                        let m = if n >= 3 {
                            if !c.eat(':') {
                                return Err(fail("`:`", &c));
                            }
                            c.digits(2, 2).ok_or_else(|| fail("offset minutes", &c))?
                        } else {
                            0
                        };
                        if h > 14 || m > 59 {
                            return Err(fail("offset", &c));
                        }
                        f.offset = Some(sign * (h as i32 * 3600 + m as i32 * 60));
                    }
                    'K' => {
                        if c.eat('Z') {
                            f.utc = true;
                        } else if matches!(c.peek(), Some('+' | '-')) {
                            f.offset =
                                Some(parse_offset(&mut c).ok_or_else(|| fail("offset", &c))?);
                        }
                    }
                    'g' => {
                        let _ = c.eat_str_ci("A.D.") || c.eat_str_ci("AD");
                    }
                    _ => return Err(fail("a known specifier", &c)),
                }
            }
        }
    }
    if !c.done() {
        return Err(fail("end of input", &c));
    }
    let no_date = f.year.is_none() && f.month.is_none() && f.day.is_none();
    let (y, mo, d) = if no_date {
        (today.year(), today.month(), today.day())
    } else {
        (
            f.year.unwrap_or(1),
            f.month.unwrap_or(1),
            f.day.unwrap_or(1),
        )
    };
    let date = NaiveDate::from_ymd_opt(y, mo, d)
        .ok_or_else(|| FormatError(format!("`{s}` is not a valid date")))?;
    let mut hour = f.hour.unwrap_or(0);
    if let Some(pm) = f.pm {
        if !(1..=12).contains(&hour) && f.hour.is_some() && hour != 0 {
            return Err(FormatError(format!("`{s}`: hour {hour} with AM/PM")));
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let time = NaiveTime::from_hms_nano_opt(hour, f.minute, f.second, f.nanos)
        .ok_or_else(|| FormatError(format!("`{s}` is not a valid time")))?;
    let local = NaiveDateTime::new(date, time);
    Ok(match f.offset {
        Some(off) => Parsed {
            value: local
                .checked_sub_signed(Duration::seconds(i64::from(off)))
                .ok_or_else(|| FormatError(format!("`{s}` is out of range")))?,
            kind: Kind::Local,
        },
        None if f.utc => Parsed {
            value: local,
            kind: Kind::Utc,
        },
        None => Parsed {
            value: local,
            kind: Kind::Unspecified,
        },
    })
}

/// Matches the longest of `names` (case-insensitive); returns its index.
fn match_name(c: &mut Cursor<'_>, names: &[&str]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, n) in names.iter().enumerate() {
        let r = c.rest();
        if let Some(p) = r.get(..n.len()) {
            if p.eq_ignore_ascii_case(n) && best.is_none_or_shorter(n.len()) {
                best = Some((i, n.len()));
            }
        }
    }
    let (i, len) = best?;
    c.pos += len;
    Some(i)
}

trait ShorterThan {
    fn is_none_or_shorter(&self, len: usize) -> bool;
}

impl ShorterThan for Option<(usize, usize)> {
    fn is_none_or_shorter(&self, len: usize) -> bool {
        match self {
            None => true,
            Some((_, l)) => *l < len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_documented_inputs() {
        assert_eq!(
            parse_any("2020-03-16-07:00"),
            Some(utc("2020-03-16T07:00:00Z"))
        );
        assert_eq!(
            parse_any("2021-06-30+08:00"),
            Some(utc("2021-06-29T16:00:00Z"))
        );
        assert_eq!(
            parse_any("2009-06-15T01:45:30-07:00"),
            Some(utc("2009-06-15T08:45:30Z"))
        );
        assert_eq!(
            parse_any("8/25/2021 5:41:18 PM"),
            Some(utc("2021-08-25T17:41:18Z"))
        );
        assert_eq!(parse_any("2021-08-24"), Some(utc("2021-08-24T00:00:00Z")));
        assert_eq!(
            parse_any("2020-12-31 23:59:59-08:00"),
            Some(utc("2021-01-01T07:59:59Z"))
        );
        assert_eq!(
            parse_any("Wed, 25 Aug 2021 17:41:18 +0000"),
            Some(utc("2021-08-25T17:41:18Z"))
        );
        assert_eq!(
            parse_any("20150123105347.1Z"),
            Some(utc("2015-01-23T10:53:47.1Z"))
        );
        assert_eq!(
            parse_any("12/31/2020 12:00:00 AM"),
            Some(utc("2020-12-31T00:00:00Z"))
        );
        assert_eq!(parse_any("not a date"), None);
        assert_eq!(parse_any("2021-02-30"), None);
        assert_eq!(parse_any("13/1/2021"), None);
    }

    #[test]
    fn filetime_round_trip() {
        let d = from_filetime(129_699_324_000_000_000).unwrap();
        assert_eq!(d, utc("2012-01-01T23:00:00Z"));
        assert_eq!(to_filetime(d), Some(129_699_324_000_000_000));
        assert_eq!(
            to_filetime(utc("2021-01-01T07:59:59Z")),
            Some(132_539_615_990_000_000)
        );
        assert!(from_filetime(i64::MIN).is_none());
    }

    #[test]
    fn date_diff_documented_table() {
        let now = utc("2021-08-25T17:41:18Z");
        let hire = parse_any("2012-03-16-07:00").unwrap();
        assert_eq!(diff(Interval::Day, now, hire), -3449);
        assert_eq!(diff(Interval::Week, now, hire), -493);
        assert_eq!(diff(Interval::Month, now, hire), -113);
        assert_eq!(diff(Interval::Year, now, hire), -9);
        let a = parse_any("2021-08-18+08:00").unwrap();
        let b = parse_any("2021-08-31+08:00").unwrap();
        assert_eq!(diff(Interval::Day, a, b), 13);
        assert_eq!(diff(Interval::Day, b, b), 0);
        let a = parse_any("2021-08-24").unwrap();
        let b = parse_any("2021-08-25").unwrap();
        assert_eq!(diff(Interval::Hour, a, b), 24);
        assert_eq!(diff(Interval::Minute, a, b), 1440);
        assert_eq!(diff(Interval::Second, a, b), 86400);
    }

    #[test]
    fn date_diff_boundaries() {
        // Calendar days count midnights crossed, hours count whole hours.
        let a = utc("2021-08-24T23:00:00Z");
        let b = utc("2021-08-25T01:00:00Z");
        assert_eq!(diff(Interval::Day, a, b), 1);
        assert_eq!(diff(Interval::Hour, a, b), 2);
        assert_eq!(
            diff(
                Interval::Hour,
                utc("2021-08-25T01:59:00Z"),
                utc("2021-08-25T02:01:00Z")
            ),
            0
        );
        // Saturday → Sunday crosses a week boundary; Sunday → Saturday does not.
        assert_eq!(
            diff(
                Interval::Week,
                utc("2021-08-28T12:00:00Z"),
                utc("2021-08-29T00:00:00Z")
            ),
            1
        );
        assert_eq!(
            diff(
                Interval::Week,
                utc("2021-08-22T00:00:00Z"),
                utc("2021-08-28T23:00:00Z")
            ),
            0
        );
        assert_eq!(
            diff(
                Interval::Week,
                utc("2021-08-29T00:00:00Z"),
                utc("2021-08-28T00:00:00Z")
            ),
            -1
        );
        assert_eq!(
            diff(
                Interval::Year,
                utc("2020-12-31T23:59:59Z"),
                utc("2021-01-01T00:00:00Z")
            ),
            1
        );
        assert_eq!(
            diff(
                Interval::Quarter,
                utc("2021-03-31T00:00:00Z"),
                utc("2021-04-01T00:00:00Z")
            ),
            1
        );
        assert_eq!(
            diff(
                Interval::Weekday,
                utc("2021-08-01T00:00:00Z"),
                utc("2021-08-14T23:00:00Z")
            ),
            1
        );
    }

    #[test]
    fn date_add_clamps() {
        let d = utc("2021-01-31T10:00:00Z");
        assert_eq!(
            add(Interval::Month, 1, d),
            Some(utc("2021-02-28T10:00:00Z"))
        );
        assert_eq!(
            add(Interval::Year, 3, utc("2020-02-29T00:00:00Z")),
            Some(utc("2023-02-28T00:00:00Z"))
        );
        assert_eq!(
            add(Interval::Month, -1, utc("2021-03-31T00:00:00Z")),
            Some(utc("2021-02-28T00:00:00Z"))
        );
        assert_eq!(add(Interval::Day, i64::MAX, d), None);
    }

    fn p(s: &str, f: &str) -> Parsed {
        parse_exact(s, f, NaiveDate::from_ymd_opt(2021, 8, 25).unwrap()).unwrap()
    }

    #[test]
    fn dotnet_parse_and_format() {
        let x = p("20150123105347.1Z", "yyyyMMddHHmmss.fZ");
        assert_eq!(x.kind, Kind::Utc);
        assert_eq!(format(&x, "yyyy-MM-dd").unwrap(), "2015-01-23");
        assert_eq!(
            format(&x, "yyyy-MM-ddTHH:mm:ss.fffK").unwrap(),
            "2015-01-23T10:53:47.100Z"
        );
        assert_eq!(format(&x, "o").unwrap(), "2015-01-23T10:53:47.1000000Z");
        assert_eq!(format(&x, "s.FFF").unwrap(), "47.1");
        assert_eq!(format(&x, "s").unwrap(), "2015-01-23T10:53:47");
        assert_eq!(
            format(&x, "dddd, MMMM d, yyyy h:mm tt").unwrap(),
            "Friday, January 23, 2015 10:53 AM"
        );
        assert_eq!(
            format(&x, "ddd MMM yy 'at' H\\h").unwrap(),
            "Fri Jan 15 at 10h"
        );
        assert_eq!(format(&x, "%d").unwrap(), "23");
        assert_eq!(format(&x, "%M/%d").unwrap(), "1/23");
        assert_eq!(format(&x, "yyyyy yyy y").unwrap(), "02015 2015 15");
        assert_eq!(format(&x, "HH:mm:ss.FFFFFFF").unwrap(), "10:53:47.1");
        let zero = p("2015-01-23 00:00:00", "yyyy-MM-dd HH:mm:ss");
        assert_eq!(format(&zero, "HH:mm:ss.FFF").unwrap(), "00:00:00");
        assert_eq!(format(&zero, "h t g").unwrap(), "12 A A.D.");
        assert_eq!(format(&zero, "K").unwrap(), "");

        let off = p("2020-12-31-08:00", "yyyy-MM-ddzzz");
        assert_eq!(off.kind, Kind::Local);
        assert_eq!(
            format(&off, "yyyy-MM-dd HH:mm zzz").unwrap(),
            "2020-12-31 08:00 +00:00"
        );

        let us = p("12/31/2020 11:59:59 PM", "M/d/yyyy hh:mm:ss tt");
        assert_eq!(
            format(&us, "yyyy-MM-ddTHH:mm:ss").unwrap(),
            "2020-12-31T23:59:59"
        );
        let mon = p("31 December 20", "dd MMMM yy");
        assert_eq!(format(&mon, "yyyy-MM-dd").unwrap(), "2020-12-31");
        let t = p(" 7:05 ", "H:mm");
        assert_eq!(format(&t, "yyyy-MM-dd HH:mm").unwrap(), "2021-08-25 07:05");
        assert!(parse_exact("2020-13-01", "yyyy-MM-dd", NaiveDate::MIN).is_err());
        assert!(parse_exact("2020-12-01x", "yyyy-MM-dd", NaiveDate::MIN).is_err());
        assert!(parse_exact("20-12-01", "yyyy-MM-dd", NaiveDate::MIN).is_err());
        assert!(tokenize("'open").is_err());
        assert!(tokenize("ffffffff").is_err());
    }
}
