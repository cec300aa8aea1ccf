//! The function as operators run it: a process on `$PORT` or under AWS Lambda, with mounted
//! configuration, stopped by SIGTERM. Uses the hook binary; every function shares this runtime.

use crate::served::serve;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn http_get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((
        head.split_whitespace().nth(1)?.parse().ok()?,
        body.to_string(),
    ))
}

fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The hook binary, configured by `config.yaml` in `folder`.
fn hook_command(folder: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hook"));
    command.arg("--config-path").arg(folder.join("config.yaml"));
    command
}

struct Function {
    child: Child,
    config: tempfile::TempDir,
    jobs: PathBuf,
}

impl Function {
    fn start(envs: &[(&str, String)]) -> Function {
        let config = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            config.path().join("config.yaml"),
            "pod_namespace: test-pods\n",
        )
        .expect("write");
        std::fs::write(config.path().join("jobs.yaml"), presubmits(1)).expect("write");
        std::fs::write(config.path().join("hmac"), "test-secret\n").expect("write");
        Function::start_in(config, envs)
    }

    /// Starts hook on the configuration files already in `config`.
    fn start_in(config: tempfile::TempDir, envs: &[(&str, String)]) -> Function {
        let jobs = config.path().join("jobs.yaml");
        let log = std::fs::File::create(config.path().join("stderr.log")).expect("log file");
        let child = hook_command(config.path())
            .arg("--hmac-secret-file")
            .arg(config.path().join("hmac"))
            .arg("--job-config-path")
            .arg(&jobs)
            .env("PROW_CONFIG_RELOAD_INTERVAL", "100ms")
            .env("RUST_LOG", "info")
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start hook");
        Function {
            child,
            config,
            jobs,
        }
    }

    /// Every line the function logged, each parsed as JSON.
    fn log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.config.path().join("stderr.log"))
            .expect("log")
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
            })
            .collect()
    }

    /// Stops the function and hands back its folder, for another start on the same files.
    fn into_folder(mut self) -> tempfile::TempDir {
        assert!(self.terminate().success());
        std::mem::replace(&mut self.config, tempfile::tempdir().expect("tempdir"))
    }

    fn messages(&self) -> Vec<String> {
        self.log_lines()
            .iter()
            .filter_map(|l| l["fields"]["message"].as_str().map(str::to_string))
            .collect()
    }

    /// Whether the function logged `message`.
    fn logged(&self, message: &str) -> bool {
        self.messages().iter().any(|m| m == message)
    }

    /// Rewrites the job configuration with `count` presubmits and waits until the function at
    /// `address` has loaded it.
    fn edit_presubmits(&self, address: SocketAddr, count: usize) {
        std::fs::write(&self.jobs, presubmits(count)).expect("edit");
        wait_for("the edit to load", || {
            metric(address, &format!("{CONFIGURED_PRESUBMITS} {count}"))
        });
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        wait_for("exit after SIGTERM", || {
            self.child.try_wait().ok().flatten()
        })
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn presubmits(count: usize) -> String {
    let mut text = String::from("presubmits:\n  org/repo:\n");
    for i in 0..count {
        text.push_str(&format!(
            "  - name: job-{i}\n    spec: {{containers: [{{image: alpine}}]}}\n"
        ));
    }
    text
}

/// The metric line counting the presubmits in the configuration in use.
const CONFIGURED_PRESUBMITS: &str = "prow_configured_jobs{job_type=\"presubmit\"}";

fn metric(address: SocketAddr, line_prefix: &str) -> Option<String> {
    let (_, body) = http_get(address, "/metrics")?;
    body.lines()
        .find(|l| l.starts_with(line_prefix))
        .map(str::to_string)
}

#[test]
fn serves_health_and_metrics_reloads_config_and_stops_on_sigterm() {
    let port = free_port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut function = Function::start(&[("PORT", port.to_string())]);
    let (status, body) = wait_for("healthz", || http_get(address, "/healthz"));
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(
        metric(address, CONFIGURED_PRESUBMITS).as_deref(),
        Some("prow_configured_jobs{job_type=\"presubmit\"} 1")
    );

    // An edit while serving is picked up without a restart.
    function.edit_presubmits(address, 3);

    // A broken edit is rejected and the last good configuration stays.
    std::fs::write(
        &function.jobs,
        "presubmits:\n  org/repo:\n  - name: [broken\n",
    )
    .expect("edit");
    wait_for("the rejection", || {
        metric(address, "prow_config_reloads_total{result=\"failure\"} 1")
    });
    assert!(metric(address, &format!("{CONFIGURED_PRESUBMITS} 3")).is_some());
    assert_eq!(http_get(address, "/healthz").map(|r| r.0), Some(200));

    let status = function.terminate();
    assert!(status.success(), "exit after SIGTERM: {status:?}");

    // Logs are JSON lines, one per decision worth knowing.
    let logs = function.log_lines();
    let messages: Vec<&str> = logs
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    for expected in [
        "serving",
        "configuration reloaded",
        "configuration rejected; keeping the previous one",
        "shutting down",
    ] {
        assert!(
            messages.contains(&expected),
            "{expected:?} not logged: {messages:?}"
        );
    }
    let rejected = logs
        .iter()
        .find(|l| l["fields"]["message"] == "configuration rejected; keeping the previous one")
        .expect("rejection logged");
    assert_eq!(rejected["level"], "ERROR");
    assert!(
        rejected["fields"]["first_error"]
            .as_str()
            .is_some_and(|e| e.contains("jobs.yaml:3:")),
        "{rejected}"
    );
}

#[test]
fn wakes_from_the_prepared_configuration_and_keeps_it_current() {
    let port = free_port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let folder = tempfile::tempdir().expect("tempdir");
    let prepared = folder.path().join("prepared");
    let envs = [
        ("PORT", port.to_string()),
        ("PROW_PREPARED_CONFIG", prepared.display().to_string()),
    ];
    // First start: nothing prepared yet, so the YAML is loaded and the file written.
    let first = Function::start(&envs);
    wait_for("healthz", || http_get(address, "/healthz"));
    let written =
        "loaded the YAML (no prepared configuration yet) and wrote the prepared configuration";
    assert!(first.logged(written), "{:?}", first.messages());
    assert!(prepared.is_file());

    // Second start on the same files: the jobs come from the prepared file.
    let second = Function::start_in(first.into_folder(), &envs);
    wait_for("healthz", || http_get(address, "/healthz"));
    assert!(
        second.logged("read the prepared configuration"),
        "{:?}",
        second.messages()
    );
    assert_eq!(
        metric(address, CONFIGURED_PRESUBMITS).as_deref(),
        Some("prow_configured_jobs{job_type=\"presubmit\"} 1")
    );

    // An edit reloads from the YAML and rewrites the prepared file.
    second.edit_presubmits(address, 3);
    let rewritten = "loaded the YAML (the configuration files changed since it was written) and wrote the prepared configuration";
    wait_for("the rewrite to be logged", || {
        second.logged(rewritten).then_some(())
    });
    let third = Function::start_in(second.into_folder(), &envs);
    wait_for("healthz", || http_get(address, "/healthz"));
    assert!(third.logged("read the prepared configuration"));
    assert_eq!(
        metric(address, CONFIGURED_PRESUBMITS).as_deref(),
        Some("prow_configured_jobs{job_type=\"presubmit\"} 3")
    );
}

#[test]
fn refuses_to_start_on_invalid_configuration() {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        config.path().join("config.yaml"),
        "periodics:\n- name: p\n  cron: 'every day'\n",
    )
    .expect("write");
    let output = hook_command(config.path())
        .env("PORT", free_port().to_string())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("config.yaml:3:3: error: job \"p\": invalid cron string"),
        "{stderr}"
    );
}

/// Each OTLP export received: its content type and body size.
type Exports = Arc<Mutex<Vec<(String, usize)>>>;

/// Records OTLP/HTTP trace exports.
async fn collector(exports: Exports) -> SocketAddr {
    let app =
        Router::new()
            .route(
                "/v1/traces",
                post(
                    |State(exports): State<Exports>,
                     headers: HeaderMap,
                     body: axum::body::Bytes| async move {
                        let content_type = headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        exports
                            .lock()
                            .expect("lock")
                            .push((content_type, body.len()));
                        StatusCode::OK
                    },
                ),
            )
            .with_state(exports);
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_request_spans_over_otlp_when_configured() {
    let exports = Arc::new(Mutex::new(Vec::new()));
    let collector = collector(exports.clone()).await;
    let port = free_port();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let mut function = Function::start(&[
        ("PORT", port.to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector}")),
    ]);
    tokio::task::spawn_blocking(move || {
        wait_for("healthz", || http_get(address, "/healthz"));
        let status = function.terminate();
        assert!(status.success(), "{status:?}");
    })
    .await
    .expect("process");
    let exports = exports.lock().expect("lock").clone();
    assert!(!exports.is_empty(), "no spans were exported on shutdown");
    assert!(
        exports
            .iter()
            .all(|(content_type, size)| content_type == "application/x-protobuf" && *size > 0),
        "{exports:?}"
    );
}

/// The AWS Lambda runtime API, as Lambda serves it to a custom runtime: one API Gateway v2
/// request for `GET /healthz`, and the function's answer recorded.
#[derive(Clone, Default)]
struct LambdaApi {
    served: Arc<Mutex<bool>>,
    responses: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

async fn next_invocation(State(api): State<LambdaApi>) -> (StatusCode, HeaderMap, String) {
    let first = {
        let mut served = api.served.lock().expect("lock");
        !std::mem::replace(&mut *served, true)
    };
    if !first {
        // Lambda long-polls; no second event comes in this test.
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        "request-1".parse().expect("header"),
    );
    let deadline = std::time::SystemTime::now() + Duration::from_secs(30);
    let deadline_ms = deadline
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_millis();
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline_ms.to_string().parse().expect("header"),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:hook"
            .parse()
            .expect("header"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793"
            .parse()
            .expect("header"),
    );
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/healthz",
        "rawQueryString": "",
        "headers": {"host": "hook.example", "user-agent": "test"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "hook.example",
            "domainPrefix": "hook",
            "http": {"method": "GET", "path": "/healthz", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": "request-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Nov/2026:22:00:00 +0000",
            "timeEpoch": 1795903200000u64
        },
        "isBase64Encoded": false
    });
    (StatusCode::OK, headers, event.to_string())
}

async fn invocation_response(
    State(api): State<LambdaApi>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
    api.responses.lock().expect("lock").push((id, value));
    StatusCode::ACCEPTED
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_same_routes_under_aws_lambda() {
    let api = LambdaApi::default();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(invocation_response),
        )
        .with_state(api.clone());
    let runtime_api = serve(app).await;

    let function = Function::start(&[
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "hook".to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "stream".to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "group".to_string()),
    ]);
    let responses = api.responses.clone();
    let (id, response) = tokio::task::spawn_blocking(move || {
        wait_for("the lambda response", || {
            responses.lock().expect("lock").first().cloned()
        })
    })
    .await
    .expect("wait");
    drop(function);
    assert_eq!(id, "request-1");
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["body"], "ok", "{response}");
}

#[test]
fn refuses_to_start_without_a_valid_hmac_secret() {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(config.path().join("config.yaml"), "pod_namespace: p\n").expect("write");
    std::fs::write(config.path().join("empty"), "\n").expect("write");
    for (secret, expected) in [
        ("missing", "reading the HMAC secret file"),
        ("empty", "the HMAC secret file is empty"),
    ] {
        let output = hook_command(config.path())
            .arg("--hmac-secret-file")
            .arg(config.path().join(secret))
            .env("PORT", free_port().to_string())
            .output()
            .expect("run");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{secret}: {stderr}");
        assert!(
            stderr.contains(secret),
            "the error names the file: {stderr}"
        );
    }
}

#[test]
fn starts_with_github_credentials_without_calling_github() {
    let config = tempfile::tempdir().expect("tempdir");
    std::fs::write(config.path().join("config.yaml"), "pod_namespace: p\n").expect("write");
    std::fs::write(config.path().join("hmac"), "s3cret\n").expect("write");
    std::fs::write(config.path().join("token"), "ghp_not_a_real_token\n").expect("write");
    // Nothing listens on this endpoint: a call at start would fail start-up.
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let port = free_port();
    let log = std::fs::File::create(config.path().join("stderr.log")).expect("log");
    let mut child = hook_command(config.path())
        .arg("--hmac-secret-file")
        .arg(config.path().join("hmac"))
        .arg("--github-token-path")
        .arg(config.path().join("token"))
        .arg("--github-endpoint")
        .arg(&unreachable)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start hook");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    let healthy = wait_for("healthz", || {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("hook exited ({status})");
        }
        http_get(address, "/healthz").filter(|(status, _)| *status == 200)
    });
    assert_eq!(healthy.0, 200);
    let _ = child.kill();
    let _ = child.wait();
    let logs = std::fs::read_to_string(config.path().join("stderr.log")).expect("log");
    assert!(
        !logs.contains("ghp_not_a_real_token"),
        "the token is never logged"
    );
}
