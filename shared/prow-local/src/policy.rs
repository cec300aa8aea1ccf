//! What `prow local` runs on this machine, and how many at once. A team trying its own
//! configuration (hundreds of periodics, images of every kind) expects to see what would run,
//! not to have every periodic's container command executed on the host at once, so by default:
//! periodics start only when asked (`--periodics`, or selected by `--jobs`); a job runs on the
//! host only when its image is the local marker `local` (as the demo's jobs are), or when asked
//! (`--run-any-image`, or selected by `--jobs`); and at most `--max-local-runs` run at once.
//! What is held back stays visible: a job says why in its state description, and the log says it.

/// The image name that marks a job as meant to run on the host in local mode.
pub const LOCAL_IMAGE: &str = "local";

/// Job names chosen with `--jobs`: exact names or globs with `*` and `?`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobSelection(Vec<String>);

impl JobSelection {
    /// From `--jobs` values, each a comma-separated list.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> JobSelection {
        JobSelection(
            values
                .iter()
                .flat_map(|value| value.as_ref().split(','))
                .map(str::trim)
                .filter(|pattern| !pattern.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn selects(&self, job: &str) -> bool {
        self.0
            .iter()
            .any(|pattern| glob(pattern.as_bytes(), job.as_bytes()))
    }
}

/// `*` is any run of characters, `?` any one.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

/// The limits of local runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalRunPolicy {
    /// At most this many runs at once.
    pub max_runs: usize,
    /// Jobs of any image run on the host.
    pub run_any_image: bool,
    /// Every periodic starts on its schedule.
    pub periodics: bool,
    /// Jobs chosen by name: they run whatever their image, and periodics among them start.
    pub selected: JobSelection,
}

impl Default for LocalRunPolicy {
    /// The safe default: local images only, no periodics, one run per core.
    fn default() -> LocalRunPolicy {
        LocalRunPolicy {
            max_runs: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            run_any_image: false,
            periodics: false,
            selected: JobSelection::default(),
        }
    }
}

impl LocalRunPolicy {
    /// Every job, any image, as many at once as asked: for tests and the demo's own jobs.
    pub fn everything(max_runs: usize) -> LocalRunPolicy {
        LocalRunPolicy {
            max_runs,
            run_any_image: true,
            periodics: true,
            selected: JobSelection::default(),
        }
    }

    /// Whether horologium starts the periodic `job`.
    pub fn starts_periodic(&self, job: &str) -> bool {
        self.periodics || self.selected.selects(job)
    }

    /// Why the job `job` with the container image `image` does not run on the host, if it does
    /// not.
    pub fn image_hold(&self, job: &str, image: &str) -> Option<String> {
        if image == LOCAL_IMAGE || self.run_any_image || self.selected.selects(job) {
            return None;
        }
        Some(format!(
            "Held back: prow local runs a job's command on this machine only when its image is \
             {LOCAL_IMAGE:?} (this one's is {image:?}); start it with --run-any-image, or select \
             the job with --jobs."
        ))
    }

    /// Why a run cannot start while `running` runs are going, if it cannot.
    pub fn capacity_hold(&self, running: usize) -> Option<String> {
        (running >= self.max_runs).then(|| {
            format!(
                "Waiting: all {} local run slots are busy (--max-local-runs).",
                self.max_runs
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_match_names_and_globs() {
        let selection = JobSelection::parse(&["ci-kubernetes-*, pull-test-infra-?erify", "exact"]);
        let table = [
            ("ci-kubernetes-e2e", true),
            ("ci-kubernetes-", true),
            ("ci-kops", false),
            ("pull-test-infra-verify", true),
            ("pull-test-infra-xxverify", false),
            ("exact", true),
            ("exactly", false),
        ];
        for (job, selected) in table {
            assert_eq!(selection.selects(job), selected, "{job}");
        }
        assert!(JobSelection::parse(&[" , "]).is_empty());
    }

    #[test]
    fn by_default_only_local_images_run_no_periodic_starts_and_runs_are_capped() {
        let policy = LocalRunPolicy {
            max_runs: 2,
            ..LocalRunPolicy::default()
        };
        assert_eq!(policy.image_hold("j", LOCAL_IMAGE), None);
        let held = policy.image_hold("j", "gcr.io/k8s-staging-test-infra/kubekins-e2e:v1");
        assert!(held.is_some_and(|reason| reason.contains("--run-any-image")));
        assert!(!policy.starts_periodic("ci-nightly"));
        assert_eq!(policy.capacity_hold(1), None);
        assert!(policy.capacity_hold(2).is_some());
        let asked = LocalRunPolicy {
            selected: JobSelection::parse(&["ci-*"]),
            ..policy.clone()
        };
        assert!(asked.starts_periodic("ci-nightly"));
        assert_eq!(asked.image_hold("ci-nightly", "golang"), None);
        assert!(asked.image_hold("pull-x", "golang").is_some());
        let any = LocalRunPolicy {
            run_any_image: true,
            periodics: true,
            ..policy
        };
        assert!(any.starts_periodic("ci-nightly"));
        assert_eq!(any.image_hold("pull-x", "golang"), None);
    }
}
