//! [`HyperTransport`]: HTTP/1.1 to a relay over tokio (feature `http-client`).

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, BodyStream, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::transport::{BoxFuture, ByteStream, MAX_ANSWER_BYTES, Transport, TransportError};

/// How long one whole exchange may take before the relay counts as
/// unreachable (streams: until their answer's head arrives).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Plain HTTP/1.1 through hyper, with a timeout per request.
#[derive(Debug, Clone)]
pub struct HyperTransport {
    http: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Self {
        Self {
            http: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

fn into_hyper(request: http::Request<Vec<u8>>) -> http::Request<Full<Bytes>> {
    request.map(|body| Full::new(Bytes::from(body)))
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let exchange = async {
                let response = self
                    .http
                    .request(into_hyper(request))
                    .await
                    .map_err(TransportError::new)?;
                let (head, body) = response.into_parts();
                let body = Limited::new(body, MAX_ANSWER_BYTES)
                    .collect()
                    .await
                    .map_err(|error| {
                        if error.is::<http_body_util::LengthLimitError>() {
                            TransportError::TooLarge {
                                limit: MAX_ANSWER_BYTES,
                            }
                        } else {
                            TransportError::new(error)
                        }
                    })?
                    .to_bytes();
                Ok(http::Response::from_parts(head, body))
            };
            tokio::time::timeout(REQUEST_TIMEOUT, exchange)
                .await
                .map_err(|_| TransportError::new("no answer within 30 s"))?
        })
    }

    fn open(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        Box::pin(async move {
            let response =
                tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(into_hyper(request)))
                    .await
                    .map_err(|_| TransportError::new("no answer within 30 s"))?
                    .map_err(TransportError::new)?;
            Ok(response.map(|body| {
                let chunks = BodyStream::new(body).filter_map(|frame| async move {
                    match frame {
                        Ok(frame) => frame.into_data().ok().map(Ok),
                        Err(error) => Some(Err(TransportError::new(error))),
                    }
                });
                Box::pin(chunks) as ByteStream
            }))
        })
    }
}
