//! The port of webhook recovery: a hook's recent deliveries as GitHub keeps them, and asking
//! GitHub to send one again. Separate from [`crate::github::GitHubClient`] because only hook's
//! reconciler needs it, with the App's own JWT (or a token that may read the hook).

use crate::github::GitHubFuture;
use jiff::Timestamp;
pub use prow_github::redelivery::{HookDelivery, HookRef};

pub trait WebhookDeliveries: Send + Sync {
    /// `hook`'s deliveries, newest first, read page by page until a page reaches one whose id is
    /// at most `checked_through` or that was delivered before `not_before` (that page is
    /// returned whole), or the list ends.
    fn deliveries<'a>(
        &'a self,
        hook: &'a HookRef,
        checked_through: Option<u64>,
        not_before: Timestamp,
    ) -> GitHubFuture<'a, Vec<HookDelivery>>;
    /// Asks GitHub to deliver delivery `id` of `hook` again (`202 Accepted`).
    fn redeliver<'a>(&'a self, hook: &'a HookRef, id: u64) -> GitHubFuture<'a, ()>;
}
