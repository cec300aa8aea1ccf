//! For tests and benchmarks that bring an executor of their own.

use prow_ports::executor::{RunObservation, RunPhase};

/// What an executor observes of a run that started just now and is running, built as `1`.
pub fn running_now() -> RunObservation {
    let now = k8s_openapi::jiff::Timestamp::now();
    RunObservation {
        phase: RunPhase::Running,
        created: now,
        started: Some(now),
        deleting: false,
        unexpected_stop: None,
        all_containers_succeeded: false,
        build_id: "1".into(),
        detail: None,
    }
}
