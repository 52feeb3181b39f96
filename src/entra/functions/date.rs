//! Date functions; parsing and formatting live in [`crate::entra::datetime`].

use super::{describe, integer, param_name, text};
use crate::entra::datetime::{self, Interval, Kind, Parsed};
use crate::entra::eval::{Args, Interrupt};
use crate::entra::value::Value;
use chrono::{DateTime, Utc};

/// Reads argument `i` as a date-time: DateTime values as they are, strings parsed with
/// [`datetime::parse_any`]. `None` for null; unreadable text is an `invalid-date` error.
fn date_arg(a: &mut Args<'_, '_>, i: usize) -> Result<Option<DateTime<Utc>>, Interrupt> {
    let v = a.value_or_null(i)?;
    match &v {
        Value::Null => Ok(None),
        Value::DateTime(d) => Ok(Some(*d)),
        Value::List(l) if l.is_empty() => Ok(None),
        Value::List(l) if l.len() == 1 => match l.first() {
            Some(Value::DateTime(d)) => Ok(Some(*d)),
            _ => parse_text(a, i, &v).map(Some),
        },
        _ => parse_text(a, i, &v).map(Some),
    }
}

fn parse_text(a: &Args<'_, '_>, i: usize, v: &Value) -> Result<DateTime<Utc>, Interrupt> {
    let t = v.to_text().unwrap_or_default();
    datetime::parse_any(&t).ok_or_else(|| {
        a.arg_error(
            i,
            "invalid-date",
            format!(
                "`{}` cannot read {} as a date-time for `{}`",
                a.name(),
                describe(v),
                param_name(a, i)
            ),
        )
    })
}

fn interval_arg(a: &mut Args<'_, '_>) -> Result<Option<Interval>, Interrupt> {
    let Some(t) = text(a, 0)? else {
        return Ok(None);
    };
    match Interval::parse(&t) {
        Some(i) => Ok(Some(i)),
        None => Err(a.arg_error(
            0,
            "invalid-argument",
            format!(
                "`{}` interval must be one of yyyy, q, m, y, d, w, ww, h, n, s; got \"{t}\"",
                a.name()
            ),
        )),
    }
}

pub(crate) fn cdate(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(date_arg(a, 0)?.map_or(Value::Null, Value::DateTime))
}

pub(crate) fn now(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    Ok(Value::DateTime(a.now()))
}

pub(crate) fn date_add(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let interval = interval_arg(a)?;
    let n = integer(a, 1)?;
    let d = date_arg(a, 2)?;
    let (Some(interval), Some(n), Some(d)) = (interval, n, d) else {
        return Ok(Value::Null);
    };
    datetime::add(interval, n, d)
        .map(Value::DateTime)
        .ok_or_else(|| {
            a.error(
                "out-of-range",
                "`DateAdd` result is out of the supported date range",
            )
        })
}

pub(crate) fn date_diff(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let interval = interval_arg(a)?;
    let d1 = date_arg(a, 1)?;
    let d2 = date_arg(a, 2)?;
    let (Some(interval), Some(d1), Some(d2)) = (interval, d1, d2) else {
        return Ok(Value::Null);
    };
    Ok(Value::Integer(datetime::diff(interval, d1, d2)))
}

pub(crate) fn date_from_num(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(n) = integer(a, 0)? else {
        return Ok(Value::Null);
    };
    datetime::from_filetime(n)
        .map(Value::DateTime)
        .ok_or_else(|| {
            a.arg_error(
                0,
                "out-of-range",
                format!("`DateFromNum` value {n} is not a valid FILETIME"),
            )
        })
}

pub(crate) fn num_from_date(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let Some(d) = date_arg(a, 0)? else {
        return Ok(Value::Null);
    };
    datetime::to_filetime(d)
        .map(Value::Integer)
        .ok_or_else(|| a.arg_error(0, "out-of-range", "`NumFromDate` date is before 1601"))
}

/// The `DateTimeStyles` names .NET accepts (checked, but all parsing already allows
/// leading/trailing white space and converts offsets to UTC).
const STYLES: &[&str] = &[
    "None",
    "AllowLeadingWhite",
    "AllowTrailingWhite",
    "AllowInnerWhite",
    "AllowWhiteSpaces",
    "NoCurrentDateDefault",
    "AdjustToUniversal",
    "AssumeLocal",
    "AssumeUniversal",
    "RoundtripKind",
];

pub(crate) fn format_date_time(a: &mut Args<'_, '_>) -> Result<Value, Interrupt> {
    let source = a.value_or_null(0)?;
    if let Some(styles) = text(a, 1)? {
        for s in styles
            .split([',', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let s = s.strip_prefix("DateTimeStyles.").unwrap_or(s);
            if !STYLES.contains(&s) {
                return Err(a.arg_error(
                    1,
                    "invalid-argument",
                    format!("unknown DateTimeStyles value \"{s}\""),
                ));
            }
        }
    }
    let input_format = text(a, 2)?.unwrap_or_default();
    let output_format = text(a, 3)?.unwrap_or_default();
    if let Err(e) = datetime::check_format(&input_format) {
        return Err(a.arg_error(2, "invalid-format", e.0));
    }
    if let Err(e) = datetime::check_format(&output_format) {
        return Err(a.arg_error(3, "invalid-format", e.0));
    }
    let parsed = match &source {
        Value::Null => return Ok(Value::Null),
        Value::List(l) if l.is_empty() => return Ok(Value::Null),
        Value::DateTime(d) => Parsed {
            value: d.naive_utc(),
            kind: Kind::Utc,
        },
        other => {
            let t = super::text_of(a, 0, other)?.unwrap_or_default();
            datetime::parse_exact(&t, &input_format, a.now().date_naive())
                .map_err(|e| a.arg_error(0, "invalid-date", e.0))?
        }
    };
    datetime::format(&parsed, &output_format)
        .map(Value::String)
        .map_err(|e| a.arg_error(3, "invalid-format", e.0))
}
