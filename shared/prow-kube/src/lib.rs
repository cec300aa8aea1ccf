//! Kubernetes for Prow: the ProwJob CustomResourceDefinition, generated from
//! [`prow_api::ProwJob`] (`knative/crds/prowjob.yaml` is its committed rendering, kept equal by a
//! test), and the job store over the Kubernetes API ([`KubeJobStore`]). The executor adapter
//! joins them with the controller.
//!
//! Boundary: the only crate that knows how ProwJobs look to the Kubernetes API.

mod crd;
mod store;

pub use crd::{PRINTER_COLUMNS, prowjob_crd, prowjob_crd_yaml};
pub use store::KubeJobStore;
