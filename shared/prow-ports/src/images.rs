//! The picture port: a random picture for the fun plugins (`/meow`), from a picture API.

use crate::{Failure, PortFuture};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no picture from {source_url}: {reason}")]
pub struct ImageError {
    pub source_url: String,
    pub reason: String,
}

impl Failure for ImageError {
    fn kind(&self) -> &'static str {
        "images_unavailable"
    }

    fn retryable(&self) -> bool {
        false
    }
}

pub trait ImageSource: Send + Sync {
    /// The URL of a random picture matching `query` (`cat`, or `grumpy` for a grumpy cat).
    fn random<'a>(&'a self, query: &'a str) -> PortFuture<'a, String, ImageError>;
}
