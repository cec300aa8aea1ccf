//! Go templates as `config.yaml` carries them (`plank.job_url_template`, `report_templates`,
//! tide's and crier's): `prow_template::Template::parse` on the input, then, when it parses,
//! `execute` over a small fixed ProwJob as its JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prow_template::Template;
use serde_json::{Value, json};
use std::sync::LazyLock;

static JOB: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "metadata": {"name": "abc", "labels": {"prow.k8s.io/type": "presubmit"}},
        "spec": {
            "type": "presubmit", "job": "pull-x", "report": true,
            "refs": {"org": "kubernetes", "repo": "test-infra", "base_ref": "main",
                "base_sha": "0123abcd", "pulls": [{"number": 123, "author": "alice", "sha": "beef"}]},
            "extra_refs": [],
            "max_concurrency": 2
        },
        "status": {"build_id": "900", "state": "pending", "url": "https://prow.invalid/900",
            "description": "Job triggered.", "start_time": "2026-01-01T00:00:00Z", "retries": 0.5}
    })
});

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(template) = Template::parse(source) {
        let _ = template.execute(&JOB);
    }
});
