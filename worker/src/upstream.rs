//! Calls to the app (and its token endpoint): the pipeline's request sent with fetch,
//! under its timeout, which covers reading the answer's body as well.

use crate::js::{fetch_upstream, text_of};
use scimmap::proxy::{self, FetchOutcome, UpstreamRequest};
use wasm_bindgen::JsCast;
use worker::js_sys::{Array, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;

pub async fn send(up: UpstreamRequest) -> FetchOutcome {
    let headers = match text_of(&up.headers) {
        Ok(headers) => headers,
        Err(e) => return FetchOutcome::Unreachable(e.to_string()),
    };
    let answer = JsFuture::from(fetch_upstream(
        &up.url,
        &up.method,
        &headers,
        up.body.as_deref(),
        up.timeout_ms as f64,
    ))
    .await;
    match answer {
        Ok(answer) if answer.is_null() => FetchOutcome::Timeout,
        Ok(answer) => match answer.dyn_into::<Array>() {
            Ok(parts) => FetchOutcome::Response(proxy::Response {
                status: parts.get(0).as_f64().map_or(0, |s| s as u16),
                headers: parts
                    .get(1)
                    .as_string()
                    .map(|t| proxy::header_pairs(&t))
                    .unwrap_or_default(),
                body: Uint8Array::new(&parts.get(2)).to_vec(),
            }),
            Err(_) => FetchOutcome::Unreachable("the runtime's fetch gave no answer".into()),
        },
        Err(e) => FetchOutcome::Unreachable(worker::Error::from(e).to_string()),
    }
}
