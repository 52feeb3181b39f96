//! Plain HTTP values exchanged between the pipeline and its runtime, plus the small URL
//! helpers the pipeline needs (percent-encoding per RFC 3986 §2.1).

/// An inbound request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Method, upper case.
    pub method: String,
    /// Absolute URL as received (`https://host/scim/v2/Users?…`).
    pub url: String,
    /// Headers (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Request id for the log (the runtime's, e.g. `cf-ray`).
    pub request_id: String,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            ..Request::default()
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// A header's value.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        get(&self.headers, name)
    }
}

pub(crate) fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A response, to the client or from the upstream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        get(&self.headers, name)
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A request the runtime must send to the app (or to the OAuth token endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamRequest {
    /// Method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers, including `Authorization`.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
    /// Give up after this long and resume with [`FetchOutcome::Timeout`].
    pub timeout_ms: u64,
}

/// What happened to an upstream request.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// A response arrived.
    Response(Response),
    /// No response within the timeout.
    Timeout,
    /// Connection failed (refused, DNS, TLS, reset); the text is for the log.
    Unreachable(String),
}

/// Splits `scheme://authority/path?query` into (origin, path, query).
pub(crate) fn split_url(url: &str) -> (&str, &str, Option<&str>) {
    let (no_frag, _) = url.split_once('#').unwrap_or((url, ""));
    let (base, query) = match no_frag.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (no_frag, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base.get(after_scheme..).and_then(|r| r.find('/')) {
        Some(i) => {
            let cut = after_scheme + i;
            (
                base.get(..cut).unwrap_or(base),
                base.get(cut..).unwrap_or(""),
                query,
            )
        }
        None => (base, "", query),
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub(crate) fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) use crate::mapping::simulate::url_encode as encode;

pub(crate) fn build_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Headers as one text of `name:value` lines, the form a runtime's glue reads in one call
/// (the Worker's `boundary.js`): field names are tokens without `:`, and field values carry
/// no CR, LF or NUL (RFC 9110 §5.1, §5.5), so a line is a header. A header that breaks
/// those rules is refused, naming it, since it would otherwise end its line and start a
/// header of its own.
pub fn header_text<'a>(
    headers: impl IntoIterator<Item = &'a (String, String)>,
) -> Result<String, String> {
    let mut text = String::new();
    for (name, value) in headers {
        let breaks = |s: &str| s.contains(['\r', '\n', '\0']);
        if name.is_empty() || name.contains(':') || breaks(name) || breaks(value) {
            return Err(format!(
                "the header `{}` cannot be sent: its name or value is not a valid HTTP field",
                name.escape_debug()
            ));
        }
        text.push_str(name);
        text.push(':');
        text.push_str(value);
        text.push('\n');
    }
    Ok(text)
}

/// The headers of a [`header_text`], in order.
pub fn header_pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://h:1/scim/v2/Users?a=b#f"),
            ("https://h:1", "/scim/v2/Users", Some("a=b"))
        );
        assert_eq!(split_url("https://h"), ("https://h", "", None));
        let q = parse_query("filter=userName+eq+%22a%22&x&bad=%zz");
        assert_eq!(q[0].1, "userName eq \"a\"");
        assert_eq!(q[1], ("x".to_string(), String::new()));
        assert_eq!(q[2].1, "%zz");
        assert_eq!(build_query(&q[..1]), "filter=userName%20eq%20%22a%22");
        assert_eq!(decode("%E2%82%AC"), "€");
    }

    #[test]
    fn header_text_round_trips_and_refuses_line_breaks() {
        let headers = vec![
            (
                "content-type".to_string(),
                "application/scim+json".to_string(),
            ),
            (
                "location".to_string(),
                "https://app/Users/1?a=b:c".to_string(),
            ),
            ("x-empty".to_string(), String::new()),
        ];
        let text = header_text(&headers).unwrap_or_default();
        assert_eq!(header_pairs(&text), headers);
        for (name, value) in [
            ("authorization", "Bearer a\nx-admin:1"),
            ("authorization", "Bearer a\r"),
            ("x-a", "nul\0"),
            ("x:a", "v"),
            ("", "v"),
            ("x-a\nx-b", "v"),
        ] {
            let bad = vec![(name.to_string(), value.to_string())];
            let err = header_text(&bad).err().unwrap_or_default();
            assert!(err.contains("cannot be sent"), "{name:?}: {err}");
        }
    }
}
