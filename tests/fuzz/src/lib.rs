//! What the fuzz targets share: reading an input as a small HTTP-like request (a first line,
//! `Name: value` headers up to an empty line, then the body), and stopping at start-up.

/// An input read as a request.
pub struct Request<'a> {
    /// The first line: a target's mode, or a query string.
    pub first_line: &'a [u8],
    /// The headers whose lines have a colon, in order (names and values as given, trimmed).
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    pub body: &'a [u8],
}

fn line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

impl<'a> Request<'a> {
    pub fn parse(data: &'a [u8]) -> Request<'a> {
        let (first_line, mut rest) = line(data);
        let mut headers = Vec::new();
        loop {
            let (header, after) = line(rest);
            rest = after;
            let header = header.strip_suffix(b"\r").unwrap_or(header);
            if header.is_empty() {
                break;
            }
            if let Some(colon) = header.iter().position(|&b| b == b':') {
                headers.push((&header[..colon], header[colon + 1..].trim_ascii()));
            }
        }
        Request {
            first_line,
            headers,
            body: rest,
        }
    }

    /// The headers that are valid HTTP header names and values.
    pub fn header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name),
                http::HeaderValue::from_bytes(value),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    /// The first value of header `name` (any case) that is text.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }
}

/// Stops the process: a target's fixed set-up failed, which is a bug in the target.
pub fn fatal(what: &str, error: &dyn std::fmt::Debug) -> ! {
    eprintln!("{what}: {error:?}");
    std::process::abort()
}

/// The configuration both Pub/Sub targets request jobs from.
pub mod pubsub_config {
    /// Messages may come from `projects/p/subscriptions/s`, for jobs on the default cluster.
    pub const CONFIG_YAML: &str = "pod_namespace: test-pods
pubsub_triggers:
- project: p
  topics: [s]
  allowed_clusters: [default]
";

    pub const JOBS_YAML: &str = r#"
periodics:
- name: ci-periodic
  interval: 1h
  spec: {containers: [{image: alpine, env: [{name: A, value: b}]}]}
presubmits:
  kubernetes/test-infra:
  - name: pull-unit
    always_run: true
    branches: [main]
    spec: {containers: [{image: alpine}]}
postsubmits:
  kubernetes/test-infra:
  - name: post-push
    spec: {containers: [{image: alpine}]}
  - name: post-gpu
    cluster: gpu
    spec: {containers: [{image: alpine}]}
"#;
}
