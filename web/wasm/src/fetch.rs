//! [`FetchTransport`]: the SDK's relay client over the browser's `fetch`,
//! so a page talks to relays through the same client (and the same checks
//! of what relays answer) as the CLI. Streams read the answer's body as it
//! arrives (`ReadableStream`), with the `Authorization` header a plain
//! `EventSource` could not send. Cross-origin relays must allow the page's
//! origin (`inkpost-relay --cors-origin`).

use bytes::Bytes;
use futures::StreamExt;
use inkpost_sdk::relay::transport::{BoxFuture, MAX_ANSWER_BYTES};
use inkpost_sdk::relay::{ByteStream, Transport, TransportError};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, RequestInit, Response};

/// HTTP through the page's `fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

fn failed(error: JsValue) -> TransportError {
    let text = error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"));
    TransportError::new(format!(
        "fetch failed: {text} (is the relay up, and does it allow this page's origin with --cors-origin?)"
    ))
}

/// Sends `request` with `fetch` and returns the answer's head.
async fn fetch(request: http::Request<Vec<u8>>) -> Result<Response, TransportError> {
    let (parts, body) = request.into_parts();
    let init = RequestInit::new();
    init.set_method(parts.method.as_str());
    let headers = web_sys::Headers::new().map_err(failed)?;
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| TransportError::new(format!("header {name} is not text")))?;
        headers.append(name.as_str(), value).map_err(failed)?;
    }
    init.set_headers(&headers);
    if !body.is_empty() {
        init.set_body(&Uint8Array::from(body.as_slice()));
    }
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &"fetch".into())
        .map_err(failed)?
        .dyn_into::<js_sys::Function>()
        .map_err(failed)?;
    let promise = fetch
        .call2(&global, &parts.uri.to_string().into(), &init)
        .map_err(failed)?
        .dyn_into::<js_sys::Promise>()
        .map_err(failed)?;
    JsFuture::from(promise)
        .await
        .map_err(failed)?
        .dyn_into::<Response>()
        .map_err(failed)
}

/// The answer's status and headers, with `body`.
fn head<B>(response: &Response, body: B) -> Result<http::Response<B>, TransportError> {
    let mut answer = http::Response::builder().status(response.status());
    for name in ["content-type", "retry-after"] {
        if let Some(value) = response.headers().get(name).map_err(failed)? {
            answer = answer.header(name, value);
        }
    }
    answer.body(body).map_err(TransportError::new)
}

/// The body's chunks as they arrive.
fn chunks(response: &Response) -> Result<ByteStream, TransportError> {
    let reader = response
        .body()
        .ok_or_else(|| TransportError::new("an answer without a body"))?
        .get_reader()
        .dyn_into::<ReadableStreamDefaultReader>()
        .map_err(|object| failed(object.into()))?;
    let stream = futures::stream::unfold(Some(reader), |reader| async move {
        let reader = reader?;
        let read = JsFuture::from(reader.read()).await;
        let chunk = read.and_then(|result| {
            let done = Reflect::get(&result, &"done".into())?.is_truthy();
            let value = Reflect::get(&result, &"value".into())?;
            Ok((!done).then(|| Bytes::from(Uint8Array::new(&value).to_vec())))
        });
        match chunk {
            Ok(Some(bytes)) => Some((Ok(bytes), Some(reader))),
            Ok(None) => None,
            Err(error) => Some((Err(failed(error)), None)),
        }
    });
    Ok(Box::pin(stream))
}

impl Transport for FetchTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let response = fetch(request).await?;
            let mut body = Vec::new();
            let mut stream = chunks(&response)?;
            while let Some(chunk) = stream.next().await {
                body.extend_from_slice(&chunk?);
                if body.len() > MAX_ANSWER_BYTES {
                    return Err(TransportError::TooLarge {
                        limit: MAX_ANSWER_BYTES,
                    });
                }
            }
            head(&response, Bytes::from(body))
        })
    }

    fn open(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        Box::pin(async move {
            let response = fetch(request).await?;
            let body = chunks(&response)?;
            head(&response, body)
        })
    }
}
