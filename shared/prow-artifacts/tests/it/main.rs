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
use prow_ports::artifacts::{ArtifactStore, Buckets, Listed};
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};

/// The test S3 server's address and keys, addressed by path as it serves buckets.
fn credentials(server: &S3Server) -> S3Credentials {
    S3Credentials {
        endpoint: server.endpoint(),
        s3_force_path_style: true,
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        ..S3Credentials::default()
    }
}

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

    // A listing shows one folder's level: its objects with their sizes, its folders by name.
    for (key, body) in [
        ("logs/unit/7/build-log.txt", &b"ok\n"[..]),
        ("logs/unit/7/artifacts/junit.xml", b"<testsuite/>"),
        ("logs/unit/8/started.json", b"{}"),
        ("logs/unit/latest-build.txt", b"8"),
    ] {
        bucket.put(key, body.to_vec(), "text/plain").await.unwrap();
    }
    let listed = |name: &str, size: Option<u64>| Listed {
        name: name.into(),
        size,
    };
    assert_eq!(
        bucket.list("logs/unit/").await.unwrap(),
        [
            listed("7/", None),
            listed("8/", None),
            listed("latest-build.txt", Some(1))
        ]
    );
    assert_eq!(
        bucket.list("logs/unit/7").await.unwrap(),
        [listed("artifacts/", None), listed("build-log.txt", Some(3))],
        "a prefix without its slash lists the same folder"
    );
    assert_eq!(bucket.list("logs/nothing/").await.unwrap(), []);
    assert!(
        bucket
            .list("")
            .await
            .unwrap()
            .contains(&listed("logs/", None))
    );
}

#[tokio::test]
async fn s3_buckets_keep_the_contract() {
    let server = S3Server::start(&["records"]).await.unwrap();
    let credentials = credentials(&server);
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

#[tokio::test]
async fn buckets_open_by_name_and_refuse_what_is_no_name() {
    let server = S3Server::start(&["one", "two"]).await.unwrap();
    let buckets = prow_artifacts::S3Buckets::new(credentials(&server)).await;
    buckets
        .bucket("one")
        .put("a.txt", b"1".to_vec(), "text/plain")
        .await
        .unwrap();
    assert_eq!(buckets.bucket("two").get("a.txt").await.unwrap(), None);
    assert_eq!(
        buckets.bucket("one").get("a.txt").await.unwrap().as_deref(),
        Some(&b"1"[..])
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("one")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
    let folders = prow_artifacts::DirectoryBuckets::new(dir.path());
    folders
        .bucket("one")
        .put("a.txt", b"1".to_vec(), "text/plain")
        .await
        .unwrap();
    assert!(dir.path().join("one/a.txt").exists());
    for wrong in ["..", "", "one/..", ".hidden"] {
        let error = folders.bucket(wrong).get("secret.txt").await.unwrap_err();
        assert!(
            error.reason.contains("is not a bucket name"),
            "{wrong}: {error}"
        );
    }
}

#[tokio::test]
async fn s3_faults_are_survived_by_the_sdks_retries_and_reported_when_they_last() {
    use prow_ports::Failure;
    let server = S3Server::start_with_faults(&["records"]).await.unwrap();
    let faults = server.faults().unwrap();
    let credentials = credentials(&server);
    let store = S3ArtifactStore::new("records", &credentials).await;
    let mut table = Vec::new();
    for (status, times) in [(500, 1), (503, 1), (500, 2), (503, 2)] {
        faults.fail_next(status, times);
        let key = format!("logs/{status}-{times}.txt");
        store
            .put(&key, b"ok".to_vec(), "text/plain")
            .await
            .unwrap_or_else(|e| panic!("PUT after {times}x {status}: {e}"));
        faults.fail_next(status, times);
        assert_eq!(store.get(&key).await.unwrap(), Some(b"ok".to_vec()));
        table.push(format!("PUT and GET after {times}x {status}: survived"));
    }
    // Longer than the SDK retries (3 attempts): the caller gets a retryable error, so the
    // function answers 5xx and its event is sent again.
    faults.fail_next(503, 3);
    let failed = store
        .put("logs/lost.txt", b"x".to_vec(), "text/plain")
        .await;
    let error = failed.expect_err("three 503s in a row");
    assert!(error.retryable(), "{error}");
    assert!(
        store.get("logs/lost.txt").await.unwrap().is_none(),
        "nothing half-written"
    );
    table.push("PUT after 3x 503: retryable error to the caller".into());
    faults.slow_next(std::time::Duration::from_secs(2), 1);
    assert_eq!(
        store.get("logs/500-1.txt").await.unwrap(),
        Some(b"ok".to_vec())
    );
    table.push("GET 2 s late: survived".into());
    let answered = faults.answered();
    assert!(
        answered.iter().filter(|&&s| s >= 500).count() >= 15,
        "{answered:?}"
    );
    eprintln!("S3 faults, by kind:\n  {}", table.join("\n  "));
}
