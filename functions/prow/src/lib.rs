//! The `prow` command-line tool's library: local mode ([`local`]), every function in one
//! process on the embedded adapters, and its demo ([`demo`]). The binary (`main.rs`) adds
//! `checkconfig` and the pod utilities; [`mkpj`] builds the ProwJob of one job;
//! [`orgadmin`] is `prow branchprotector` and `prow peribolos`.

pub mod demo;
pub mod local;
pub mod mkpj;
pub mod orgadmin;
