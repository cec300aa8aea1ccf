//! The integration tests of `trigger`, one binary (one link) for all of them.

mod corpus;
mod events;
mod pubsub;
mod push_auth;
