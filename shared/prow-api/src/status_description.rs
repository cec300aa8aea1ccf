//! What a commit status's description carries between crier and tide: the base SHA a presubmit
//! ran against (` BaseSHA:<sha>`, appended by crier), so tide can reuse a result after its
//! ProwJob is garbage-collected, and upstream's sentinel that says a context needs no retest.

/// Separates the human text from the base SHA.
pub const BASE_SHA_DELIMITER: &str = " BaseSHA:";
/// The spelling older upstream releases wrote; still read.
pub const BASE_SHA_DELIMITER_DEPRECATED: &str = " Basesha:";
/// Upstream `SkipRetestSentinel`: a successful context whose description holds it counts as
/// passing on any base.
pub const SKIP_RETEST_SENTINEL: &str = "[prow:skip-retest]";

/// Upstream `BaseSHAFromContextDescription`: the base SHA a description carries, if any.
pub fn base_sha_from_description(description: &str) -> Option<&str> {
    [BASE_SHA_DELIMITER, BASE_SHA_DELIMITER_DEPRECATED]
        .into_iter()
        .find_map(|delimiter| {
            let mut parts = description.split(delimiter);
            let (_, sha, rest) = (parts.next()?, parts.next()?, parts.next());
            (rest.is_none() && sha.len() == 40).then_some(sha)
        })
}

/// Upstream `IsSkipRetest`.
pub fn is_skip_retest(description: &str) -> bool {
    description.contains(SKIP_RETEST_SENTINEL)
}
