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

#[tokio::test]
async fn a_uri_names_a_bucket_and_prefix_or_a_folder() {
    let server = S3Server::start(&["records"]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("s3.json");
    std::fs::write(
        &credentials,
        serde_json::json!({
            "endpoint": server.endpoint(), "s3_force_path_style": true,
            "access_key": ACCESS_KEY, "secret_key": SECRET_KEY
        })
        .to_string(),
    )
    .unwrap();
    let prefixed = prow_artifacts::open_uri("s3://records/prow/tide", Some(&credentials))
        .await
        .unwrap();
    contract(prefixed.as_ref(), false).await;
    let whole =
        S3ArtifactStore::new("records", &S3Credentials::from_file(&credentials).unwrap()).await;
    assert!(
        whole
            .get("prow/tide/tide/pools.json")
            .await
            .unwrap()
            .is_some(),
        "the prefix is part of the key"
    );
    let folder = prow_artifacts::open_uri(&format!("file://{}", dir.path().display()), None)
        .await
        .unwrap();
    contract(folder.as_ref(), true).await;
    for wrong in ["gs://bucket/path", "relative/path", "s3://"] {
        assert!(
            prow_artifacts::open_uri(wrong, None).await.is_err(),
            "{wrong}"
        );
    }
}
