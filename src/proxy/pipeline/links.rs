//! URLs in the app's answers, pointed at the proxy. Apps report their own address in
//! `meta.location`, `$ref` and `Location` (RFC 7644 §3.1, §3.3), often under a host name
//! other than the one the proxy calls (an internal name, a load balancer, a port), and
//! the client must never see the app's origin.

use crate::proxy::ResourceKind;
use serde_json::Value as Json;

/// Rewrites, in place, every string of a body that addresses the app's SCIM endpoints.
pub(super) fn rewrite(v: &mut Json, upstream_url: &str, client_base: &str) {
    rewrite_in(v, upstream_url, client_base, false);
}

fn rewrite_in(v: &mut Json, upstream_url: &str, client_base: &str, is_link_member: bool) {
    match v {
        Json::String(s) => {
            if let Some(new) = rewrite_link(s, upstream_url, client_base, is_link_member) {
                *s = new;
            }
        }
        Json::Array(a) => a
            .iter_mut()
            .for_each(|x| rewrite_in(x, upstream_url, client_base, is_link_member)),
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                let link = k.eq_ignore_ascii_case("location") || k == "$ref";
                rewrite_in(x, upstream_url, client_base, link);
            }
        }
        _ => {}
    }
}

/// The proxy's URL for a link into the app, or `None` when `s` is not one. A link is
/// recognised (1) by the configured upstream URL as prefix, (2) at any origin, by the
/// upstream's base path followed by a SCIM endpoint, or (3) for a member that holds only
/// links (`location`, `$ref`, the `Location` header), by a SCIM endpoint as the last or
/// next-to-last path segment, whatever path comes before it.
pub(super) fn rewrite_link(
    s: &str,
    upstream_url: &str,
    client_base: &str,
    is_link_member: bool,
) -> Option<String> {
    if let Some(rest) = s.strip_prefix(upstream_url) {
        if rest.is_empty() || rest.starts_with(['/', '?']) {
            return Some(format!("{client_base}{rest}"));
        }
    }
    let path = url_path(s)?;
    let base_path = url_path(upstream_url).unwrap_or("");
    if let Some(rest) = strip_prefix_ci(path, base_path) {
        if starts_with_endpoint(rest) {
            return Some(format!("{client_base}{rest}"));
        }
    }
    if is_link_member {
        return endpoint_tail(path).map(|tail| format!("{client_base}{tail}"));
    }
    None
}

/// The path (with query) of an absolute http(s) URL.
fn url_path(s: &str) -> Option<&str> {
    let after = s
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("https://"))
        .and_then(|_| s.get(8..))
        .or_else(|| {
            s.get(..7)
                .filter(|p| p.eq_ignore_ascii_case("http://"))
                .and_then(|_| s.get(7..))
        })?;
    let slash = after.find('/')?;
    after.get(slash..)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// `/Users…`, `/Groups/…`, `/Schemas…` and the other endpoint names (RFC 7644 §3.2).
fn starts_with_endpoint(rest: &str) -> bool {
    let Some(after) = rest.strip_prefix('/') else {
        return false;
    };
    let first = after.split(['/', '?', '#']).next().unwrap_or_default();
    ResourceKind::parse(first).is_some()
}

/// The path from the last endpoint segment on, when at most an id follows it.
fn endpoint_tail(path: &str) -> Option<&str> {
    let no_query = path.split(['?', '#']).next().unwrap_or(path);
    let segs: Vec<(usize, &str)> = no_query
        .match_indices('/')
        .map(|(i, _)| i)
        .map(|i| {
            (
                i,
                no_query
                    .get(i + 1..)
                    .unwrap_or("")
                    .split('/')
                    .next()
                    .unwrap_or(""),
            )
        })
        .collect();
    let n = segs.len();
    segs.iter()
        .enumerate()
        .rev()
        .find(|(k, (_, seg))| n - k <= 2 && ResourceKind::parse(seg).is_some())
        .and_then(|(_, (i, _))| path.get(*i..))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const UP: &str = "http://10.0.0.5:8080/v2";
    const EDGE: &str = "https://edge.example/t/acme/scim/v2";

    #[test]
    fn app_links_at_any_origin_point_at_the_proxy() {
        let mut v = json!({
            "meta": {"location": "https://app.internal.example:8443/v2/Users/1"},
            "members": [{"$ref": "https://lb.example/tenant-7/scim/Users/2", "value": "2"}],
            "profileUrl": "https://cdn.example/Users/photo.jpg",
            "website": "http://other.example/v2/Users/3",
            "x": "http://10.0.0.5:8080/v2x",
            "same": "http://10.0.0.5:8080/v2/Groups/g?attributes=members"});
        rewrite(&mut v, UP, EDGE);
        assert_eq!(v["meta"]["location"], format!("{EDGE}/Users/1"));
        assert_eq!(v["members"][0]["$ref"], format!("{EDGE}/Users/2"));
        // Not a link member and not under the app's base path: a user's own data.
        assert_eq!(v["profileUrl"], "https://cdn.example/Users/photo.jpg");
        // Under the base path with an endpoint: the app's, whatever the host.
        assert_eq!(v["website"], format!("{EDGE}/Users/3"));
        assert_eq!(v["x"], "http://10.0.0.5:8080/v2x");
        assert_eq!(v["same"], format!("{EDGE}/Groups/g?attributes=members"));
    }

    #[test]
    fn location_header_and_non_links() {
        assert_eq!(
            rewrite_link("https://APP.example/scim/v2/Users/9", UP, EDGE, true),
            Some(format!("{EDGE}/Users/9"))
        );
        assert_eq!(rewrite_link("urn:x:Users", UP, EDGE, true), None);
        assert_eq!(
            rewrite_link("https://app.example/Users/9/photos/1", UP, EDGE, true),
            None
        );
    }
}
