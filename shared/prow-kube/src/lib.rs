//! Kubernetes for Prow: the ProwJob CustomResourceDefinition, generated from
//! [`prow_api::ProwJob`] (`knative/crds/prowjob.yaml` is its committed rendering, kept equal by a
//! test), the job store over the Kubernetes API ([`KubeJobStore`]), and the executor that runs
//! jobs as pods ([`KubeExecutor`]), in the build cluster each job names ([`clusters::BuildClusters`]).
//!
//! Boundary: the only crate that knows how ProwJobs look to the Kubernetes API.

pub mod clusters;
pub mod config_maps;
mod crd;
mod executor;
mod lease;
mod store;
pub mod tekton;

pub use crd::{PRINTER_COLUMNS, prowjob_crd, prowjob_crd_yaml};
pub use executor::{KubeExecutor, observe_pod};
pub use lease::KubeLeases;
pub use store::KubeJobStore;
