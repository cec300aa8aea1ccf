//! Headless Chromium driven through ChromeDriver's W3C WebDriver protocol (Debian's `chromium`
//! and `chromium-driver`, installed by `scripts/setup.sh`): a browser tests load pages in, click,
//! type into, run scripts in and take screenshots of. ChromeDriver is started on a free loopback
//! port and stopped, with its browser, when the [`Browser`] is dropped.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element of the page, by WebDriver's reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element(String);

fn executable(name: &str, fallback: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(name.to_ascii_uppercase().replace('-', "_") + "_BIN");
    from_env
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from(fallback)])
        .find(|candidate| candidate.is_file())
}

impl Browser {
    /// A browser, or `None` (saying so) when Chromium or ChromeDriver is not installed. Under
    /// `CI=true` a missing browser is an error, not a skip.
    pub async fn start_or_skip() -> anyhow::Result<Option<Browser>> {
        let chromium = executable("chromium", "/usr/bin/chromium");
        let driver = executable("chromedriver", "/usr/bin/chromedriver");
        match (chromium, driver) {
            (Some(chromium), Some(driver)) => Browser::start(&chromium, &driver).await.map(Some),
            _ if std::env::var_os("CI").is_some() => {
                bail!(
                    "chromium and chromedriver are not installed (scripts/setup.sh installs them)"
                )
            }
            _ => {
                eprintln!(
                    "SKIPPED: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
                );
                Ok(None)
            }
        }
    }

    pub async fn start(chromium: &Path, driver: &Path) -> anyhow::Result<Browser> {
        let port = crate::free_port()?;
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", driver.display()))?;
        let profile = tempfile::Builder::new().prefix("chromium-").tempdir()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(answer) = http.get(format!("{base}/status")).send().await
                && answer.status().is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The flags this machine's closed network needs (no background connections), headless.
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1400,1000".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await?
            .json()
            .await?;
        let Some(session) = answer["value"]["sessionId"].as_str() else {
            bail!("chromedriver made no session: {answer}");
        };
        Ok(Browser {
            driver: child,
            base,
            session: session.to_string(),
            http,
            _profile: profile,
        })
    }

    /// Session resource `path` (`/url`, `/element/{id}/text`).
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    /// `GET`s session resource `path`: the answer's `value`.
    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.get(self.url(path)), path).await
    }

    /// `POST`s `body` to session resource `path`: the answer's `value`.
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.send(self.http.post(self.url(path)).json(&body), path)
            .await
    }

    /// Sends a WebDriver request: the answer's `value`, or the error it names.
    async fn send(&self, request: reqwest::RequestBuilder, path: &str) -> anyhow::Result<Value> {
        let answer: Value = request
            .send()
            .await
            .with_context(|| format!("webdriver {path}"))?
            .json()
            .await?;
        if let Some(error) = answer["value"]["error"].as_str() {
            bail!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        Ok(answer["value"].clone())
    }

    /// Loads `url` and waits for it to be loaded.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.post("/url", json!({"url": url})).await.map(|_| ())
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        let url = self.get("/url").await?;
        Ok(url.as_str().unwrap_or_default().to_string())
    }

    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let found = self.post("/element", by_css(css)).await?;
        found[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_string()))
            .with_context(|| format!("no element {css}"))
    }

    pub async fn find_all(&self, css: &str) -> anyhow::Result<Vec<Element>> {
        let found = self.post("/elements", by_css(css)).await?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_string())))
            .collect())
    }

    /// The element `css` names, once the page has one (within `timeout`).
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> anyhow::Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(element) => return Ok(element),
                Err(error) if Instant::now() > deadline => {
                    return Err(error.context(format!("waiting {timeout:?} for {css}")));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub async fn text(&self, element: &Element) -> anyhow::Result<String> {
        let text = self.get(&format!("/element/{}/text", element.0)).await?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> anyhow::Result<Option<String>> {
        let path = format!("/element/{}/attribute/{name}", element.0);
        Ok(self.get(&path).await?.as_str().map(str::to_string))
    }

    pub async fn click(&self, element: &Element) -> anyhow::Result<()> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await
            .map(|_| ())
    }

    /// Types `text` into the element (`\u{E007}` is Enter).
    pub async fn type_into(&self, element: &Element, text: &str) -> anyhow::Result<()> {
        let path = format!("/element/{}/value", element.0);
        self.post(&path, json!({"text": text})).await.map(|_| ())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page, returning its value.
    pub async fn execute(&self, script: &str, args: Value) -> anyhow::Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// A PNG of the viewport, written to `path` (its folder made if needed).
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let encoded = self.get("/screenshot").await?;
        let png = BASE64.decode(encoded.as_str().unwrap_or_default())?;
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }
}

/// A WebDriver locator for the elements `css` selects.
fn by_css(css: &str) -> Value {
    json!({"using": "css selector", "value": css})
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver's process group holds the browser too.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.driver.id()))
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
