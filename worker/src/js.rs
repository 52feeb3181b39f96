//! The runtime's objects made and read in one call each (`js/boundary.js`), instead of
//! one import call per header, option and accessor.

use scimmap::proxy;
use wasm_bindgen::prelude::*;
use worker::js_sys::{Promise, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys;

#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = headerText)]
    fn header_text(headers: &web_sys::Headers) -> String;

    #[wasm_bindgen(js_name = makeResponse)]
    fn make_response(status: u16, headers: &str, body: &[u8]) -> web_sys::Response;

    #[wasm_bindgen(js_name = makeRequest, catch)]
    fn make_request(
        url: &str,
        method: &str,
        headers: &str,
        body: Option<&[u8]>,
    ) -> Result<web_sys::Request, JsValue>;

    /// Resolves to `[status, header text, body]`, or to `null` when the timeout passed
    /// first; rejects when the app cannot be reached.
    #[wasm_bindgen(js_name = fetchUpstream)]
    pub fn fetch_upstream(
        url: &str,
        method: &str,
        headers: &str,
        body: Option<&[u8]>,
        timeout_ms: f64,
    ) -> Promise;
}

/// A request's or response's headers, in the runtime's order, as name–value pairs.
pub fn headers(headers: &web_sys::Headers) -> Vec<(String, String)> {
    proxy::header_pairs(&header_text(headers))
}

/// [`proxy::header_text`], refused headers as the runtime's errors.
pub fn text_of<'a>(
    headers: impl IntoIterator<Item = &'a (String, String)>,
) -> worker::Result<String> {
    proxy::header_text(headers).map_err(worker::Error::RustError)
}

/// The runtime's response for the pipeline's.
pub fn response(r: &proxy::Response) -> worker::Result<web_sys::Response> {
    Ok(make_response(r.status, &text_of(&r.headers)?, &r.body))
}

/// A runtime request, for a Durable Object stub.
pub fn request(
    url: &str,
    method: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> worker::Result<worker::Request> {
    make_request(url, method, &text_of(headers)?, body)
        .map(worker::Request::from)
        .map_err(worker::Error::from)
}

/// A request's body, read whole.
pub async fn body(req: &web_sys::Request) -> worker::Result<Vec<u8>> {
    let buffer = JsFuture::from(req.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
