//! The GitHub traffic model in its short form (`scripts/traffic-model.sh --short`): two
//! afternoon hours of a Kubernetes-sized org through the functions as processes, warm, cold
//! with their own caches, and cold sharing Redis; and through `prow local`.

use prow_test_harness::deploy::{built_binaries, on_path, run_script};
use serde_json::Value;

#[test]
fn cold_functions_sharing_redis_spend_no_more_than_warm_ones() {
    if prow_test_harness::corpus("k8s-prow").is_none() {
        return;
    }
    let Some(binaries) = built_binaries().unwrap() else {
        return;
    };
    for (tool, why) in [
        ("redis-server", "the shared cache"),
        ("go", "the Kubernetes test environment"),
    ] {
        if on_path(tool).is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{tool} is missing and CI needs it for {why} (scripts/setup.sh)"
            );
            eprintln!("SKIPPED: {tool} is missing ({why})");
            return;
        }
    }
    let output = run_script(
        "traffic-model.sh",
        &["--short", "--binaries", &binaries.display().to_string()],
    )
    .unwrap();
    let summary = output
        .lines()
        .find_map(|line| line.strip_prefix("summary: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{output}"));
    let runs: Vec<Value> = serde_json::from_str(summary).unwrap();
    let run = |mode: &str, cache: &str| {
        runs.iter()
            .find(|r| r["mode"] == mode && r["cache"] == cache)
            .unwrap_or_else(|| panic!("no {mode}-{cache} run in {summary}"))
    };
    let (warm, cold, shared) = (
        run("warm", "memory"),
        run("cold", "memory"),
        run("cold", "redis"),
    );
    for r in [warm, cold, shared] {
        assert_eq!(r["failures"], serde_json::json!({}), "{r}");
        for function in ["hook", "trigger", "controller", "crier", "tide"] {
            assert!(
                r["events"][function].as_u64().unwrap_or(0) > 0,
                "{function} handled no event: {r}"
            );
        }
    }
    assert_eq!(
        warm["events"], shared["events"],
        "the same traffic reached both"
    );
    let paid = |r: &Value| r["paid"].as_u64().unwrap();
    // Every GitHub-calling event was a fresh process.
    assert!(shared["process_starts"]["crier"].as_u64().unwrap() > 1);
    assert!(
        paid(shared) < paid(cold),
        "the shared cache saves what cold processes spend: {summary}"
    );
    // Cold processes sharing the cache pay within a few calls of warm ones (GET /user is the
    // only read a new process repeats, and it is answered 304).
    assert!(
        paid(shared) <= paid(warm) + paid(warm) / 20,
        "cold with a shared cache costs about what warm does: {summary}"
    );
    assert!(shared["share_304"].as_f64().unwrap() > 0.3, "{summary}");
    // prow local, every function in one process, took the same traffic.
    let local = run("local", "memory");
    assert_eq!(local["failures"], serde_json::json!({}), "{local}");
    for function in ["hook", "tide"] {
        assert!(
            local["events"][function].as_u64().unwrap_or(0) > 0,
            "{function} handled no event in prow local: {local}"
        );
    }
}
