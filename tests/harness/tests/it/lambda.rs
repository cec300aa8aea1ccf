//! hook on AWS Lambda: the zip `scripts/package-lambda.sh` makes, unpacked as Lambda unpacks it
//! and run by AWS's own Lambda runtime interface emulator, answers the events API Gateway's HTTP
//! API (payload 2.0) and a function URL send: a webhook GitHub signed is accepted and goes on to
//! `$K_SINK` as a CloudEvent, a forged one is refused and goes nowhere.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use prow_ports::events::{AttributesReader, CloudEvent};
use prow_test_harness::deploy::{DeployTools, built_binaries, run_script};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "lambda-test-secret";

type Received = Arc<Mutex<Vec<CloudEvent>>>;

/// `field` of each event the sink has received so far.
fn each_received(received: &Received, field: impl Fn(&CloudEvent) -> &str) -> Vec<String> {
    let events = received.lock().unwrap();
    events
        .iter()
        .map(|event| field(event).to_string())
        .collect()
}

async fn receive(
    State(received): State<Received>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    match prow_runtime::cloudevents::from_http(&headers, body) {
        Ok(event) => {
            received.lock().unwrap().push(event);
            StatusCode::ACCEPTED
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// An HTTP API (payload format 2.0) event for `POST /hook`; a function URL sends the same format
/// with its own domain, and base64 when it chooses to.
fn http_api_event(
    domain: &str,
    headers: &[(&str, String)],
    body: &[u8],
    base64_body: bool,
) -> Value {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| (name.to_string(), Value::String(value.clone())))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/hook",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": domain.split('.').next().unwrap(),
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap(),
            "http": {"method": "POST", "path": "/hook", "protocol": "HTTP/1.1",
                     "sourceIp": "192.30.252.1", "userAgent": "GitHub-Hookshot/0"},
            "requestId": "request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "06/Dec/2026:06:00:00 +0000",
            "timeEpoch": 1796536800000_u64
        },
        "body": if base64_body {
            base64::engine::general_purpose::STANDARD.encode(body)
        } else {
            String::from_utf8(body.to_vec()).unwrap()
        },
        "isBase64Encoded": base64_body
    })
}

struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_lambda_package_takes_signed_webhooks_from_http_api_and_function_url_events() {
    let Some(corpus) = prow_test_harness::corpus("github-webhooks") else {
        return;
    };
    let Some(binaries) = built_binaries().unwrap() else {
        return;
    };
    let Some(tools) = DeployTools::get().unwrap() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let zip = work.path().join("hook-lambda.zip");
    let packaged = run_script(
        "package-lambda.sh",
        &[
            "--binary",
            binaries.join("hook").to_str().unwrap(),
            "--output",
            zip.to_str().unwrap(),
        ],
    )
    .unwrap();
    eprintln!("package: {packaged}");
    // Unpacked as Lambda does, keeping each file's mode from the zip.
    let task = work.path().join("task");
    let unpacked = Command::new("python3")
        .args([
            "-c",
            "import os, sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1]) as z:\n\
             \x20   for info in z.infolist():\n\
             \x20       path = z.extract(info, sys.argv[2])\n\
             \x20       os.chmod(path, (info.external_attr >> 16) & 0o7777)\n",
        ])
        .arg(&zip)
        .arg(&task)
        .status()
        .unwrap();
    assert!(unpacked.success());
    for file in [
        "bootstrap",
        "hook",
        "config/config.yaml",
        "config/plugins.yaml",
    ] {
        assert!(task.join(file).is_file(), "the package has no {file}");
    }

    let received = Received::default();
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink_address = sink.local_addr().unwrap();
    let router = axum::Router::new()
        .route("/", axum::routing::post(receive))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(sink, router).await.unwrap() });

    let invoke_port = prow_test_harness::free_port().unwrap();
    let runtime_port = prow_test_harness::free_port().unwrap();
    let _emulator = Emulator(
        Command::new(tools.lambda_emulator())
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{invoke_port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_port}"))
            .arg(task.join("bootstrap"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("PROW_HMAC_SECRET", SECRET)
            .env("PROW_GITHUB_TOKEN", "ghp_lambdatest")
            .env("PROW_GITHUB_ENDPOINT", "http://127.0.0.1:1")
            .env("K_SINK", format!("http://{sink_address}/"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let invocations =
        format!("http://127.0.0.1:{invoke_port}/2015-03-31/functions/function/invocations");
    let client = reqwest::Client::new();
    let invoke = |event: Value| {
        let client = client.clone();
        let invocations = invocations.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match client.post(&invocations).json(&event).send().await {
                    Ok(response) => {
                        let answer: Value = response.json().await.unwrap();
                        return answer;
                    }
                    Err(error) => {
                        assert!(
                            Instant::now() < deadline,
                            "the emulator did not answer: {error}"
                        );
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    };

    let payload =
        std::fs::read(corpus.join("github-webhooks/pull_request/opened.payload.json")).unwrap();
    let headers = |delivery: &str, signature: String| {
        vec![
            ("content-type", "application/json".to_string()),
            ("x-github-event", "pull_request".to_string()),
            ("x-github-delivery", delivery.to_string()),
            ("x-hub-signature-256", signature),
        ]
    };
    let signed = github_standin::signature(SECRET.as_bytes(), &payload);
    // A second webhook, not the first one again (hook drops a body it has seen as a replay).
    let mut other = payload.clone();
    other.push(b'\n');
    let other_signed = github_standin::signature(SECRET.as_bytes(), &other);

    let forged = github_standin::signature(b"not-the-secret", &payload);
    // (where it comes from, delivery, signature, body, body in base64, the status hook answers)
    let cases = [
        (
            "abc123.execute-api.us-east-1.amazonaws.com",
            "delivery-api-gateway",
            &signed,
            &payload,
            false,
            200,
        ),
        (
            "urlid.lambda-url.us-east-1.on.aws",
            "delivery-function-url",
            &other_signed,
            &other,
            true,
            200,
        ),
        (
            "urlid.lambda-url.us-east-1.on.aws",
            "delivery-forged",
            &forged,
            &payload,
            false,
            403,
        ),
    ];
    for (domain, delivery, signature, body, base64_body, status) in cases {
        let answer = invoke(http_api_event(
            domain,
            &headers(delivery, signature.clone()),
            body,
            base64_body,
        ))
        .await;
        assert_eq!(answer["statusCode"], status, "{delivery}: {answer}");
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ids = each_received(&received, CloudEvent::id);
        if ids.len() >= 2 {
            assert!(
                ids.iter().any(|id| id.contains("delivery-api-gateway"))
                    && ids.iter().any(|id| id.contains("delivery-function-url")),
                "forwarded events: {ids:?}"
            );
            assert!(
                !ids.iter().any(|id| id.contains("delivery-forged")),
                "a forged webhook went on: {ids:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sink received {ids:?}, not both signed deliveries"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let types = each_received(&received, CloudEvent::ty);
    assert!(
        types.iter().all(|t| t == "dev.prow.github.pull_request"),
        "{types:?}"
    );
}
