//! aws-sdk-s3 against the in-process S3 server: the operations artifact upload and deck's log
//! viewer need, with SigV4 checked for real.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::get_object::builders::GetObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};

const BUCKET: &str = "prow-artifacts";

fn client(server: &S3Server, secret: &str) -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint())
        .credentials_provider(Credentials::new(ACCESS_KEY, secret, None, None, "static"))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

async fn put(client: &Client, key: &str, body: &str) {
    client
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .content_type("text/plain")
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

/// A read of `key` in the bucket, to narrow (a range) and send.
fn get(client: &Client, key: impl Into<String>) -> GetObjectFluentBuilder {
    client.get_object().bucket(BUCKET).key(key)
}

/// The whole body of an object read.
async fn body_of(object: GetObjectOutput) -> Vec<u8> {
    object.body.collect().await.unwrap().to_vec()
}

#[tokio::test]
async fn objects_are_put_read_listed_and_deleted_in_upstreams_layout() {
    let server = S3Server::start(&[BUCKET]).await.unwrap();
    let s3 = client(&server, SECRET_KEY);
    let run = "pr-logs/pull/org_repo/7/pull-unit/1001";
    put(&s3, &format!("{run}/build-log.txt"), "line 1\nline 2\n").await;
    put(
        &s3,
        &format!("{run}/started.json"),
        r#"{"timestamp":1767225600}"#,
    )
    .await;
    put(&s3, &format!("{run}/artifacts/junit.xml"), "<testsuites/>").await;
    put(
        &s3,
        "pr-logs/pull/org_repo/7/pull-unit/latest-build.txt",
        "1001",
    )
    .await;

    let log_key = format!("{run}/build-log.txt");
    let log = get(&s3, &log_key).send().await.unwrap();
    assert_eq!(log.content_type(), Some("text/plain"));
    assert_eq!(body_of(log).await, b"line 1\nline 2\n");
    let tail = get(&s3, &log_key).range("bytes=7-").send().await.unwrap();
    assert_eq!(body_of(tail).await, b"line 2\n");
    let head = s3
        .head_object()
        .bucket(BUCKET)
        .key(format!("{run}/started.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(24));

    // Listing one "directory" level, as deck's artifact browser does.
    let listed = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(format!("{run}/"))
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        [
            format!("{run}/build-log.txt"),
            format!("{run}/started.json")
        ]
    );
    let dirs: Vec<&str> = listed
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(dirs, [format!("{run}/artifacts/")]);

    // Pagination with continuation tokens.
    let mut pages = 0;
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix("pr-logs/")
            .max_keys(2)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        all.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((pages, all.len()), (2, 4));

    // Objects are plain files, where a person looking at the folder expects them.
    let on_disk = server.root().join(BUCKET).join(run).join("build-log.txt");
    assert_eq!(
        std::fs::read_to_string(on_disk).unwrap(),
        "line 1\nline 2\n"
    );

    s3.delete_object()
        .bucket(BUCKET)
        .key(format!("{run}/started.json"))
        .send()
        .await
        .unwrap();
    let missing = get(&s3, format!("{run}/started.json"))
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_no_such_key());
}

#[tokio::test]
async fn streaming_uploads_from_files_arrive_intact() {
    let server = S3Server::start(&[BUCKET]).await.unwrap();
    let s3 = client(&server, SECRET_KEY);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let content: String = (0..20_000).map(|i| format!("line {i:06}\n")).collect();
    std::fs::write(&path, &content).unwrap();
    s3.put_object()
        .bucket(BUCKET)
        .key("logs/ci-nightly/1/build-log.txt")
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    let back = get(&s3, "logs/ci-nightly/1/build-log.txt")
        .send()
        .await
        .unwrap();
    let bytes = body_of(back).await;
    assert_eq!(
        bytes.len(),
        content.len(),
        "no aws-chunked framing stored in the object"
    );
    assert_eq!(bytes, content.as_bytes());
}

#[tokio::test]
async fn a_wrong_secret_is_refused() {
    let server = S3Server::start(&[BUCKET]).await.unwrap();
    let wrong = client(&server, "not-the-secret");
    let error = wrong
        .put_object()
        .bucket(BUCKET)
        .key("x")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    let code = error.into_service_error().meta().code().map(str::to_string);
    assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
    assert!(
        !server.root().join(BUCKET).join("x").exists(),
        "nothing was written"
    );
}
