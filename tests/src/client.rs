//! The SDK's relay client driving an axum `Router` in process: the same
//! requests a real client makes, without a socket.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::connect_info::MockConnectInfo;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, BodyStream};
use inkpost_sdk::relay::transport::BoxFuture;
use inkpost_sdk::relay::{ByteStream, RelayClient, Transport, TransportError};
use tower::ServiceExt;

/// A [`Transport`] that hands each request to a router.
#[derive(Clone)]
pub struct RouterTransport {
    router: Router,
}

impl RouterTransport {
    /// A transport to `router`.
    pub fn new(router: Router) -> Self {
        Self { router }
    }

    /// A transport to `router` that tells it requests come from `peer`
    /// (for the per-address rate limit).
    pub fn from_peer(router: Router, peer: SocketAddr) -> Self {
        Self::new(router.layer(MockConnectInfo(peer)))
    }
}

/// A copy of `request` (the same method, URI, headers and body): a replay.
pub fn copy(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// A client of `router` (its URL is only a name).
pub fn router_client(router: Router) -> RelayClient {
    RelayClient::new("http://relay.test", RouterTransport::new(router))
}

async fn respond(
    router: Router,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<axum::body::Body>, TransportError> {
    router
        .oneshot(request.map(axum::body::Body::from))
        .await
        .map_err(TransportError::new)
}

impl Transport for RouterTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let router = self.router.clone();
        Box::pin(async move {
            let (head, body) = respond(router, request).await?.into_parts();
            let body = body
                .collect()
                .await
                .map_err(TransportError::new)?
                .to_bytes();
            Ok(http::Response::from_parts(head, body))
        })
    }

    fn open(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<ByteStream>, TransportError>> {
        let router = self.router.clone();
        Box::pin(async move {
            let response = respond(router, request).await?;
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
