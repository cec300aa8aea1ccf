//! The integration tests of `github-standin`, one binary (one link) for all of them.

mod app_auth;
mod graphql;
mod octocrab;
mod resources;
mod webhooks;
