//! Google's Pub/Sub emulator (Java; it ships with this machine image under the Google Cloud SDK),
//! started on a free loopback port, administered over its REST API, and stopped with its whole
//! process group (stopping only a wrapper would leave the Java child listening).

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the image installs the emulator's launcher; `PUBSUB_EMULATOR_BIN` overrides it.
pub const DEFAULT_LAUNCHER: &str =
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";

pub struct PubSubEmulator {
    child: Child,
    host: String,
    http: reqwest::Client,
    /// How long it took to answer its first request.
    pub ready_after: Duration,
    _log_dir: tempfile::TempDir,
}

/// A message as a subscriber received it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedMessage {
    pub ack_id: String,
    pub message_id: String,
    pub data: Vec<u8>,
    pub attributes: serde_json::Map<String, Value>,
}

impl PubSubEmulator {
    /// The launcher, if this machine has one.
    pub fn launcher() -> Option<PathBuf> {
        let path = std::env::var_os("PUBSUB_EMULATOR_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_LAUNCHER));
        path.is_file().then_some(path)
    }

    /// Starts the emulator, or returns `None` (saying so) when it is not installed. Under
    /// `CI=true` a missing emulator is an error, not a skip.
    pub async fn start_or_skip() -> anyhow::Result<Option<PubSubEmulator>> {
        match Self::launcher() {
            Some(launcher) => Self::start(launcher).await.map(Some),
            None if std::env::var_os("CI").is_some() => {
                bail!(
                    "the Pub/Sub emulator is not installed at {DEFAULT_LAUNCHER} (set PUBSUB_EMULATOR_BIN)"
                )
            }
            None => {
                eprintln!("SKIPPED: the Pub/Sub emulator is not installed at {DEFAULT_LAUNCHER}");
                Ok(None)
            }
        }
    }

    pub async fn start(launcher: PathBuf) -> anyhow::Result<PubSubEmulator> {
        let port = crate::free_port()?;
        let host = format!("127.0.0.1:{port}");
        let log_dir = tempfile::Builder::new()
            .prefix("pubsub-emulator")
            .tempdir()?;
        let log = std::fs::File::create(log_dir.path().join("emulator.log"))?;
        let started = Instant::now();
        let child = Command::new(&launcher)
            .arg("--host=127.0.0.1")
            .arg(format!("--port={port}"))
            .env("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group, so stopping it stops the JVM however the launcher execs it.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", launcher.display()))?;
        let mut emulator = PubSubEmulator {
            child,
            host,
            http: reqwest::Client::new(),
            ready_after: Duration::ZERO,
            _log_dir: log_dir,
        };
        let deadline = started + Duration::from_secs(60);
        loop {
            if let Ok(response) = emulator.http.get(emulator.url("/")).send().await
                && response.status().is_success()
            {
                break;
            }
            if let Some(status) = emulator.child.try_wait()? {
                bail!("the Pub/Sub emulator exited ({status}) before it was ready");
            }
            if Instant::now() > deadline {
                bail!("the Pub/Sub emulator was not ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        emulator.ready_after = started.elapsed();
        Ok(emulator)
    }

    /// `127.0.0.1:PORT`, the value `PUBSUB_EMULATOR_HOST` takes.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `http://127.0.0.1:PORT`, the endpoint to give Google's client builders.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.host)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.host)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let response = self
            .http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .with_context(|| format!("calling the emulator at {path}"))?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("emulator {path}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn create_topic(&self, project: &str, topic: &str) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/projects/{project}/topics/{topic}"),
            json!({}),
        )
        .await
        .map(drop)
    }

    /// A pull subscription (`push_endpoint` `None`) or a push subscription to `push_endpoint`.
    pub async fn create_subscription(
        &self,
        project: &str,
        subscription: &str,
        topic: &str,
        push_endpoint: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut body = json!({"topic": format!("projects/{project}/topics/{topic}"), "ackDeadlineSeconds": 10});
        if let Some(endpoint) = push_endpoint {
            body["pushConfig"] = json!({"pushEndpoint": endpoint});
        }
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/projects/{project}/subscriptions/{subscription}"),
            body,
        )
        .await
        .map(drop)
    }

    /// Publishes over REST; returns the message id.
    pub async fn publish(
        &self,
        project: &str,
        topic: &str,
        data: &[u8],
        attributes: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let attributes: serde_json::Map<String, Value> = attributes
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let reply = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/projects/{project}/topics/{topic}:publish"),
                json!({"messages": [{"data": BASE64.encode(data), "attributes": attributes}]}),
            )
            .await?;
        reply["messageIds"][0]
            .as_str()
            .map(str::to_string)
            .context("no message id in the reply")
    }

    /// Pulls up to `max` messages and acknowledges them.
    pub async fn pull(
        &self,
        project: &str,
        subscription: &str,
        max: u32,
    ) -> anyhow::Result<Vec<ReceivedMessage>> {
        let path = format!("/v1/projects/{project}/subscriptions/{subscription}");
        let reply = self
            .call(
                reqwest::Method::POST,
                &format!("{path}:pull"),
                json!({"maxMessages": max, "returnImmediately": true}),
            )
            .await?;
        let messages: Vec<ReceivedMessage> = reply["receivedMessages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|received| ReceivedMessage {
                ack_id: received["ackId"].as_str().unwrap_or_default().to_string(),
                message_id: received["message"]["messageId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                data: BASE64
                    .decode(received["message"]["data"].as_str().unwrap_or_default())
                    .unwrap_or_default(),
                attributes: received["message"]["attributes"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        if !messages.is_empty() {
            let ack_ids: Vec<&str> = messages.iter().map(|m| m.ack_id.as_str()).collect();
            self.call(
                reqwest::Method::POST,
                &format!("{path}:acknowledge"),
                json!({"ackIds": ack_ids}),
            )
            .await?;
        }
        Ok(messages)
    }
}

impl Drop for PubSubEmulator {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
