//! Cross-origin access for web pages (the web client, dApps): off unless
//! the operator names origins (`--cors-origin`). Requests carry no cookies,
//! so granting an origin grants it only what its users sign.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use inkpost_sdk::relay::api::POSTAGE_HEADER;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Which origins may call the relay from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    /// Any page (`*`).
    Any,
    /// These origins, exactly as browsers send them.
    List(Vec<HeaderValue>),
}

impl Origins {
    /// Parses one setting: `*`, or `scheme://host[:port]` (no path, query
    /// or trailing slash: a browser's `Origin` header never has one).
    pub fn parse(origin: &str) -> Result<Self, &'static str> {
        if origin == "*" {
            return Ok(Self::Any);
        }
        let (scheme, rest) = origin.split_once("://").ok_or("missing scheme://")?;
        if !matches!(scheme, "http" | "https") {
            return Err("the scheme must be http or https");
        }
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err("an origin is scheme://host[:port] and nothing more");
        }
        let value = HeaderValue::from_str(origin).map_err(|_| "not a header value")?;
        Ok(Self::List(vec![value]))
    }

    /// [`Origins::parse`] as a command-line value parser: the error says
    /// what an origin looks like.
    pub fn parse_setting(origin: &str) -> Result<Self, String> {
        Self::parse(origin).map_err(|reason| {
            format!("{reason}: use scheme://host[:port] (for example http://127.0.0.1:5173), or *")
        })
    }

    /// All the settings together; `None` for none (no CORS at all).
    pub fn merge(settings: &[Origins]) -> Option<Self> {
        let mut origins = Vec::new();
        for setting in settings {
            match setting {
                Self::Any => return Some(Self::Any),
                Self::List(list) => origins.extend(list.iter().cloned()),
            }
        }
        (!origins.is_empty()).then_some(Self::List(origins))
    }

    /// The layer that answers preflights and marks answers for these
    /// origins: `GET` and `POST`, the headers the API reads, the
    /// `Retry-After` of a refusal readable by the page.
    pub fn layer(&self) -> CorsLayer {
        let allow = match self {
            Self::Any => AllowOrigin::any(),
            Self::List(list) => AllowOrigin::list(list.iter().cloned()),
        };
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(POSTAGE_HEADER),
            ])
            .expose_headers([header::RETRY_AFTER])
            .max_age(Duration::from_secs(600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_origins_parse() {
        for good in ["http://127.0.0.1:5173", "https://chat.example", "*"] {
            assert!(Origins::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "chat.example",
            "https://",
            "https://chat.example/",
            "https://chat.example/app",
            "ftp://chat.example",
            "https://chat.example?x",
            "https://user@chat.example",
        ] {
            assert!(Origins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_setting_means_no_cors_and_a_star_means_any() {
        assert_eq!(Origins::merge(&[]), None);
        let a = Origins::parse("http://a.example").unwrap();
        let b = Origins::parse("http://b.example").unwrap();
        let both = Origins::merge(&[a.clone(), b]).unwrap();
        let Origins::List(list) = &both else {
            panic!("two origins are a list: {both:?}")
        };
        assert_eq!(list.len(), 2);
        assert_eq!(Origins::merge(&[a, Origins::Any]), Some(Origins::Any));
    }
}
