//! Calls to the app (and its token endpoint): the pipeline's request sent with fetch,
//! raced against its timeout.

use futures_util::future::{select, Either};
use scimmap::proxy::{self, FetchOutcome, UpstreamRequest};
use std::time::Duration;
use worker::*;

pub async fn send(up: UpstreamRequest) -> FetchOutcome {
    match try_send(up).await {
        Ok(o) => o,
        Err(e) => FetchOutcome::Unreachable(e.to_string()),
    }
}

async fn try_send(up: UpstreamRequest) -> Result<FetchOutcome> {
    let headers = Headers::new();
    for (k, v) in &up.headers {
        headers.append(k, v)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(up.method.clone()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if let Some(b) = up.body {
        init.with_body(Some(bytes(&b)));
    }
    let request = Request::new_with_init(&up.url, &init)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetcher = Fetch::Request(request);
    let fetch = Box::pin(fetcher.send_with_signal(&signal));
    let timer = Box::pin(Delay::from(Duration::from_millis(up.timeout_ms)));
    let raced = select(fetch, timer).await;
    match raced {
        Either::Left((res, _)) => {
            let mut resp = res?;
            let body = resp.bytes().await?;
            Ok(FetchOutcome::Response(proxy::Response {
                status: resp.status_code(),
                headers: resp.headers().entries().collect(),
                body,
            }))
        }
        Either::Right(_) => {
            controller.abort();
            Ok(FetchOutcome::Timeout)
        }
    }
}

/// A body for `RequestInit`.
pub fn bytes(b: &[u8]) -> wasm_bindgen::JsValue {
    worker::js_sys::Uint8Array::from(b).into()
}
