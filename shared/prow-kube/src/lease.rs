//! Leases as Kubernetes `coordination.k8s.io/v1` Leases in the ProwJob namespace, taken and
//! renewed under optimistic concurrency: of two instances racing for one, the API server lets
//! one write win and the other sees a conflict, which is "someone else holds it".

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, DeleteParams, PostParams, Preconditions};
use prow_ports::lease::{Held, LeaseFuture, Leases};
use prow_ports::store::StoreError;

pub struct KubeLeases {
    api: Api<Lease>,
}

impl KubeLeases {
    pub fn new(client: kube::Client, namespace: &str) -> KubeLeases {
        KubeLeases {
            api: Api::namespaced(client, namespace),
        }
    }
}

fn backend(error: kube::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// Whether the API server refused the write because someone else wrote first.
fn lost_race(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}

/// A Kubernetes object name from a lease name (lowercase alphanumerics, `-` and `.`).
fn object_name(name: &str) -> String {
    let cleaned: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    trimmed.chars().take(253).collect()
}

impl Leases for KubeLeases {
    fn acquire<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> LeaseFuture<'a, Option<Held>> {
        Box::pin(async move {
            let object = object_name(name);
            let spec = LeaseSpec {
                holder_identity: Some(holder.to_string()),
                lease_duration_seconds: Some(i32::try_from(ttl.as_secs()).unwrap_or(i32::MAX)),
                acquire_time: Some(MicroTime(now)),
                renew_time: Some(MicroTime(now)),
                ..LeaseSpec::default()
            };
            let current = self.api.get_opt(&object).await.map_err(backend)?;
            let Some(mut lease) = current else {
                let fresh = Lease {
                    metadata: ObjectMeta {
                        name: Some(object.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(spec),
                };
                return match self.api.create(&PostParams::default(), &fresh).await {
                    Ok(_) => Ok(Some(Held::granted(name, holder))),
                    Err(error) if lost_race(&error) => Ok(None),
                    Err(error) => Err(backend(error)),
                };
            };
            let existing = lease.spec.clone().unwrap_or_default();
            let expires = existing
                .renew_time
                .map(|t| t.0)
                .and_then(|renewed| {
                    renewed
                        .checked_add(SignedDuration::from_secs(i64::from(
                            existing.lease_duration_seconds.unwrap_or(0),
                        )))
                        .ok()
                })
                .unwrap_or(Timestamp::UNIX_EPOCH);
            let mine = existing.holder_identity.as_deref() == Some(holder);
            if !mine && expires > now {
                return Ok(None);
            }
            lease.spec = Some(LeaseSpec {
                acquire_time: if mine {
                    existing.acquire_time
                } else {
                    spec.acquire_time
                },
                ..spec
            });
            // The resourceVersion read above makes this a compare-and-swap.
            match self
                .api
                .replace(&object, &PostParams::default(), &lease)
                .await
            {
                Ok(_) => Ok(Some(Held::granted(name, holder))),
                Err(error) if lost_race(&error) => Ok(None),
                Err(error) => Err(backend(error)),
            }
        })
    }

    fn release(&self, held: Held) -> LeaseFuture<'_, ()> {
        Box::pin(async move {
            let object = object_name(held.name());
            let Some(lease) = self.api.get_opt(&object).await.map_err(backend)? else {
                return Ok(());
            };
            let holder = lease
                .spec
                .as_ref()
                .and_then(|s| s.holder_identity.as_deref());
            if holder != Some(held.holder()) {
                return Ok(());
            }
            let params = DeleteParams {
                preconditions: Some(Preconditions {
                    resource_version: lease.metadata.resource_version.clone(),
                    uid: None,
                }),
                ..DeleteParams::default()
            };
            match self.api.delete(&object, &params).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 404 || status.code == 409 => Ok(()),
                Err(error) => Err(backend(error)),
            }
        })
    }
}
