//! Gerrit as upstream Prow serves it (no tide, no hook plugins: upstream documents both as
//! GitHub-only), decided without I/O: which jobs a change's new patch set, messages or merge
//! start and the ProwJobs they become ([`adapter`]), and crier's review message and vote
//! ([`report`]); and one sync of every project over the ports ([`sync`]: the Gerrit port
//! `prow_ports::gerrit`, the job store, and a bucket for where each project was left). No I/O
//! crate and no async runtime here.

pub mod adapter;
pub mod report;
pub mod sync;
