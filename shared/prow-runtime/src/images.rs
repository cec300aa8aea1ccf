//! The picture port's adapter: a cat picture API answering `[{"url": ...}]` (The Cat API's
//! shape, as upstream's cat plugin reads it), at `$HOOK_CAT_API` or The Cat API itself.

use prow_ports::PortFuture;
use prow_ports::images::{ImageError, ImageSource};
use std::time::Duration;

/// The Cat API, as upstream's cat plugin calls it.
pub const THE_CAT_API: &str =
    "https://api.thecatapi.com/v1/images/search?format=json&results_per_page=1";

pub struct CatApi {
    endpoint: String,
    http: reqwest::Client,
}

impl CatApi {
    pub fn new(endpoint: impl Into<String>) -> CatApi {
        CatApi {
            endpoint: endpoint.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    /// `$HOOK_CAT_API`, or The Cat API.
    pub fn from_env() -> CatApi {
        CatApi::new(std::env::var("HOOK_CAT_API").unwrap_or_else(|_| THE_CAT_API.to_string()))
    }
}

impl ImageSource for CatApi {
    fn random<'a>(&'a self, query: &'a str) -> PortFuture<'a, String, ImageError> {
        Box::pin(async move {
            let failed = |reason: String| ImageError {
                source_url: self.endpoint.clone(),
                reason,
            };
            let separator = if self.endpoint.contains('?') {
                '&'
            } else {
                '?'
            };
            let url = if query == "cat" {
                self.endpoint.clone()
            } else {
                format!("{}{separator}category={query}", self.endpoint)
            };
            #[derive(serde::Deserialize)]
            struct Picture {
                url: String,
            }
            let pictures: Vec<Picture> = self
                .http
                .get(url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| failed(e.without_url().to_string()))?
                .json()
                .await
                .map_err(|e| failed(format!("not a picture list: {}", e.without_url())))?;
            pictures
                .into_iter()
                .map(|p| p.url)
                .find(|url| url.starts_with("https://") || url.starts_with("http://"))
                .ok_or_else(|| failed("no picture in the answer".into()))
        })
    }
}
