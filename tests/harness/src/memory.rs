//! This process's memory as Linux reports it in `/proc/self/status`, for the figures benchmarks
//! and load examples print.

/// The field `field` of `/proc/self/status` (`VmRSS`, `VmHWM`, ...) in MiB; 0 where it cannot be
/// read.
pub fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The resident memory now, in MiB (`VmRSS`).
pub fn current_rss_mib() -> f64 {
    status_mib("VmRSS")
}

/// The peak resident memory so far, in MiB (`VmHWM`).
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM")
}
