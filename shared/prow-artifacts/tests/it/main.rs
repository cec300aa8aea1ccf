//! The artifact store contract, held by the S3 adapter (against an S3-compatible server over
//! HTTP) and the folder adapter: what is put is got back, a missing key is `None`, and a key
//! that leaves the bucket is refused.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

use prow_artifacts::{DirectoryArtifactStore, S3ArtifactStore, S3Credentials};
use prow_ports::artifacts::ArtifactStore;
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};

async fn contract(bucket: &dyn ArtifactStore, refuses_escapes: bool) {
    assert_eq!(bucket.get("tide/pools.json").await.unwrap(), None);
    bucket
        .put(
            "tide/pools.json",
            b"[\"a/b:main\"]".to_vec(),
            "application/json",
        )
        .await
        .unwrap();
    assert_eq!(
        bucket.get("tide/pools.json").await.unwrap().as_deref(),
        Some(&b"[\"a/b:main\"]"[..])
    );
    bucket
        .put("tide/pools.json", b"[]".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        bucket.get("tide/pools.json").await.unwrap().as_deref(),
        Some(&b"[]"[..]),
        "a put replaces"
    );
    if refuses_escapes {
        assert!(bucket.get("../outside").await.is_err());
    }
}

#[tokio::test]
async fn s3_buckets_keep_the_contract() {
    let server = S3Server::start(&["records"]).await.unwrap();
    let credentials = S3Credentials {
        endpoint: server.endpoint(),
        s3_force_path_style: true,
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        ..S3Credentials::default()
    };
    contract(&S3ArtifactStore::new("records", &credentials).await, false).await;
}

#[tokio::test]
async fn folders_keep_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(&DirectoryArtifactStore::new(dir.path()), true).await;
}
