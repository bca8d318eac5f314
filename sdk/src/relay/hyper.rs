//! [`HyperTransport`]: HTTP/1.1 to a relay over tokio (feature `http-client`),
//! plain or over TLS (rustls, TLS 1.2/1.3): `https://` relays are checked
//! against Mozilla's root certificates (webpki-roots) and any CA the caller
//! adds (a relay's own, self-signed, certificate for example).

use std::sync::Arc;

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, BodyStream, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::transport::{BoxFuture, ByteStream, MAX_ANSWER_BYTES, Transport, TransportError};

/// How long one whole exchange may take before the relay counts as
/// unreachable (streams: until their answer's head arrives).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// HTTP/1.1 through hyper, `http://` or `https://`, with a timeout per
/// request.
#[derive(Debug, Clone)]
pub struct HyperTransport {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperTransport {
    /// A transport with its own connection pool, trusting Mozilla's roots.
    pub fn new() -> Self {
        Self::trusting(Vec::new())
    }

    /// A transport that also trusts the CA certificates in the PEM text
    /// `pem` (for a relay with a private or self-signed certificate).
    pub fn with_ca_pem(pem: &[u8]) -> Result<Self, TransportError> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| TransportError::new(format!("not a PEM certificate: {error}")))?;
        if certificates.is_empty() {
            return Err(TransportError::new("no certificate in the PEM text"));
        }
        Ok(Self::trusting(certificates))
    }

    fn trusting(extra: Vec<CertificateDer<'static>>) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // A certificate the store cannot take is one the server cannot
        // present successfully either: the handshake will say so.
        let _ = roots.add_parsable_certificates(extra);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            // aws-lc-rs has every cipher suite TLS 1.2 and 1.3 need.
            .expect("aws-lc-rs supports the safe default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            http: Client::builder(TokioExecutor::new()).build(connector),
        }
    }
}

/// A failed exchange with every cause hyper knows (the TLS reason too:
/// "client error (Connect): invalid peer certificate: UnknownIssuer").
fn failed(error: impl std::error::Error) -> TransportError {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    TransportError::new(text)
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
                    .map_err(failed)?;
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
                    .map_err(failed)?;
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
