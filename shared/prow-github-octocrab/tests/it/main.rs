//! The integration tests of `prow-github-octocrab`, one binary (one link) for all of them.

mod standin;
