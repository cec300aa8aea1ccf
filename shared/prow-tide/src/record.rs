//! What tide tells deck, in upstream's JSON (`PoolForDeck` at `/`, history `Record`s at
//! `/history`; deck reads them as `/tide.js` and `/tide-history.js`), and where it keeps them
//! between pings: a bucket (S3), one object per pool written under the pool's lease, and an
//! index of the pools.

use prow_api::Pull;
use prow_ports::artifacts::{ArtifactStore, ReadError, UploadError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most records kept per pool, as upstream.
pub const HISTORY_LIMIT: usize = 1000;
/// The index of the pools tide saw last.
pub const POOLS_INDEX: &str = "tide/pools.json";

/// A pull request as deck shows it (upstream `CodeReviewForDeck`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckPull {
    #[serde(rename = "Title")]
    pub title: String,
    #[serde(rename = "Number")]
    pub number: u64,
    #[serde(rename = "HeadRefOID")]
    pub head_ref_oid: String,
    #[serde(rename = "Mergeable")]
    pub mergeable: String,
}

/// A blocker issue (upstream `blockers.Blocker`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeckBlocker {
    #[serde(rename = "Number")]
    pub number: u64,
    #[serde(rename = "Title")]
    pub title: String,
    #[serde(rename = "URL")]
    pub url: String,
}

/// A pool as upstream's tide serves it at `/` (`PoolForDeck`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolForDeck {
    #[serde(rename = "Org")]
    pub org: String,
    #[serde(rename = "Repo")]
    pub repo: String,
    #[serde(rename = "Branch")]
    pub branch: String,
    #[serde(rename = "SuccessPRs")]
    pub success: Vec<DeckPull>,
    #[serde(rename = "PendingPRs")]
    pub pending: Vec<DeckPull>,
    #[serde(rename = "MissingPRs")]
    pub missing: Vec<DeckPull>,
    #[serde(rename = "BatchPending")]
    pub batch_pending: Vec<DeckPull>,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Target")]
    pub target: Vec<DeckPull>,
    #[serde(rename = "Blockers")]
    pub blockers: Vec<DeckBlocker>,
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "TenantIDs")]
    pub tenant_ids: Vec<String>,
}

/// One action in a pool's history (upstream `history.Record`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub time: String,
    pub action: String,
    #[serde(rename = "baseSHA", default, skip_serializing_if = "String::is_empty")]
    pub base_sha: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<Pull>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub err: String,
    #[serde(rename = "tenantids", default)]
    pub tenant_ids: Vec<String>,
}

/// The actions worth a history record (upstream's, and bisection): not waiting.
pub fn recorded(action: &str) -> bool {
    matches!(
        action,
        "TRIGGER" | "TRIGGER_BATCH" | "MERGE" | "MERGE_BATCH" | "BISECT"
    )
}

/// Upstream's pool key: `org/repo:branch`.
pub fn pool_key(org: &str, repo: &str, branch: &str) -> String {
    format!("{org}/{repo}:{branch}")
}

fn pool_object(key: &str) -> String {
    format!("tide/pools/{}.json", key.replace(':', "/"))
}

fn history_object(key: &str) -> String {
    format!("tide/history/{}.json", key.replace(':', "/"))
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Write(#[from] UploadError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("tide's record {key} does not read: {reason}")]
    Decode { key: String, reason: String },
}

impl prow_ports::Failure for RecordError {
    fn kind(&self) -> &'static str {
        match self {
            RecordError::Write(e) => e.kind(),
            RecordError::Read(e) => e.kind(),
            RecordError::Decode { .. } => "tide_record_decode",
        }
    }

    fn retryable(&self) -> bool {
        !matches!(self, RecordError::Decode { .. })
    }
}

async fn read<T: serde::de::DeserializeOwned + Default>(
    bucket: &dyn ArtifactStore,
    key: &str,
) -> Result<T, RecordError> {
    match bucket.get(key).await? {
        None => Ok(T::default()),
        Some(body) => serde_json::from_slice(&body).map_err(|e| RecordError::Decode {
            key: key.to_string(),
            reason: e.to_string(),
        }),
    }
}

async fn write<T: Serialize>(
    bucket: &dyn ArtifactStore,
    key: &str,
    value: &T,
) -> Result<(), RecordError> {
    let body = serde_json::to_vec(value).map_err(|e| RecordError::Decode {
        key: key.to_string(),
        reason: e.to_string(),
    })?;
    bucket.put(key, body, "application/json").await?;
    Ok(())
}

/// Saves a pool's state, and its action in its history when worth recording (the caller holds
/// the pool's lease, so no other run writes these objects meanwhile).
pub async fn save_pool(
    bucket: &dyn ArtifactStore,
    pool: &PoolForDeck,
    record: Option<Record>,
) -> Result<(), RecordError> {
    let key = pool_key(&pool.org, &pool.repo, &pool.branch);
    write(bucket, &pool_object(&key), pool).await?;
    if let Some(record) = record {
        let object = history_object(&key);
        let mut history: Vec<Record> = read(bucket, &object).await?;
        history.push(record);
        let overflow = history.len().saturating_sub(HISTORY_LIMIT);
        history.drain(..overflow);
        write(bucket, &object, &history).await?;
    }
    Ok(())
}

fn merges_object(key: &str) -> String {
    format!("tide/merges/{}.json", key.replace(':', "/"))
}

/// The most of tide's own merges kept per pool (enough to carry speculative results across the
/// merges of a few syncs).
pub const MERGES_LIMIT: usize = 50;

/// Tide's own merges onto the pool's branch, oldest first.
pub async fn merges(
    bucket: &dyn ArtifactStore,
    key: &str,
) -> Result<Vec<crate::pool::Merged>, RecordError> {
    read(bucket, &merges_object(key)).await
}

/// Adds tide's merges of this sync (the caller holds the pool's lease).
pub async fn save_merges(
    bucket: &dyn ArtifactStore,
    key: &str,
    new: &[crate::pool::Merged],
) -> Result<(), RecordError> {
    if new.is_empty() {
        return Ok(());
    }
    let object = merges_object(key);
    let mut all: Vec<crate::pool::Merged> = read(bucket, &object).await?;
    all.extend_from_slice(new);
    let overflow = all.len().saturating_sub(MERGES_LIMIT);
    all.drain(..overflow);
    write(bucket, &object, &all).await
}

/// Saves which pools exist now (every run writes what it found; pools are read through it).
pub async fn save_index(bucket: &dyn ArtifactStore, keys: &[String]) -> Result<(), RecordError> {
    write(bucket, POOLS_INDEX, &keys).await
}

/// Every pool, as `/` serves them.
pub async fn pools(bucket: &dyn ArtifactStore) -> Result<Vec<PoolForDeck>, RecordError> {
    let keys: Vec<String> = read(bucket, POOLS_INDEX).await?;
    let mut pools = Vec::new();
    for key in keys {
        if let Some(body) = bucket.get(&pool_object(&key)).await? {
            pools.push(
                serde_json::from_slice(&body).map_err(|e| RecordError::Decode {
                    key: key.clone(),
                    reason: e.to_string(),
                })?,
            );
        }
    }
    Ok(pools)
}

/// Every pool's history, newest last, as `/history` serves it.
pub async fn history(
    bucket: &dyn ArtifactStore,
) -> Result<BTreeMap<String, Vec<Record>>, RecordError> {
    let keys: Vec<String> = read(bucket, POOLS_INDEX).await?;
    let mut all = BTreeMap::new();
    for key in keys {
        let records: Vec<Record> = read(bucket, &history_object(&key)).await?;
        if !records.is_empty() {
            all.insert(key, records);
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_carries_upstream_s_field_names() {
        let pool = PoolForDeck {
            org: "k".into(),
            repo: "a".into(),
            branch: "main".into(),
            success: vec![DeckPull {
                title: "Fix".into(),
                number: 7,
                head_ref_oid: "abc".into(),
                mergeable: "MERGEABLE".into(),
            }],
            action: "MERGE".into(),
            blockers: vec![DeckBlocker {
                number: 3,
                title: "Freeze".into(),
                url: "https://github.com/k/a/issues/3".into(),
            }],
            ..PoolForDeck::default()
        };
        let json = serde_json::to_value(&pool).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "Action",
                "BatchPending",
                "Blockers",
                "Branch",
                "Error",
                "MissingPRs",
                "Org",
                "PendingPRs",
                "Repo",
                "SuccessPRs",
                "Target",
                "TenantIDs"
            ]
        );
        assert_eq!(
            json["SuccessPRs"][0],
            serde_json::json!({"Title": "Fix", "Number": 7, "HeadRefOID": "abc", "Mergeable": "MERGEABLE"})
        );
        assert_eq!(
            json["Blockers"][0]["URL"],
            "https://github.com/k/a/issues/3"
        );
        let record = Record {
            time: "2026-12-05T00:00:00Z".into(),
            action: "MERGE".into(),
            base_sha: "abc".into(),
            ..Record::default()
        };
        assert_eq!(
            serde_json::to_value(&record).unwrap(),
            serde_json::json!({"time": "2026-12-05T00:00:00Z", "action": "MERGE", "baseSHA": "abc", "tenantids": []})
        );
    }
}
