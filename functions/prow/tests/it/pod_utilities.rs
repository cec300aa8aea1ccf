//! A decorated pod, played on this machine: the pod the controller builds for a decorated
//! presubmit is run container by container with the `prow` binary as every utility image
//! (clonerefs, initupload, place-entrypoint, then the test wrapped by the copied
//! `/tools/entrypoint` beside the sidecar), each with exactly the environment, arguments and
//! working directory of its container. Volumes are folders; their mount paths are mapped onto
//! them. The results land in the harness's S3 server in upstream's layout.

use k8s_openapi::api::core::v1::Container;
use prow_api::ProwJob;
use prow_test_harness::git_repo::repository_with_pull;
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};
use std::path::Path;
use std::process::Command;

const BUCKET: &str = "pod-logs";

/// The volumes of the pod as folders: every mount path in a string is mapped onto its folder.
struct Volumes {
    root: std::path::PathBuf,
}

impl Volumes {
    fn map(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (mount, folder) in [
            ("/home/prow/go", "code"),
            ("/logs", "logs"),
            ("/tools", "tools"),
            ("/secrets/s3-storage", "s3-credentials"),
        ] {
            text = text.replace(mount, &self.root.join(folder).to_string_lossy());
        }
        text
    }

    /// The container's process, as the kubelet would start it.
    fn command(&self, container: &Container, image_entrypoint: &Path) -> Command {
        let mut argv: Vec<String> = container.command.clone().unwrap_or_default();
        if argv.is_empty() {
            argv.push(image_entrypoint.to_string_lossy().into_owned());
        }
        argv.extend(container.args.clone().unwrap_or_default());
        if container.name == "place-entrypoint" {
            // The image's default destination, made explicit so the mapping applies to it.
            argv.push("--copy-destination=/tools/entrypoint".into());
        }
        let argv: Vec<String> = argv.iter().map(|a| self.map(a)).collect();
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap());
        for var in container.env.iter().flatten() {
            command.env(
                &var.name,
                self.map(var.value.as_deref().unwrap_or_default()),
            );
        }
        if let Some(dir) = &container.working_dir {
            command.current_dir(self.map(dir));
        }
        command
    }
}

/// An image whose entrypoint is the utility `name`: the `prow` binary under that name.
fn image(root: &Path, name: &str) -> std::path::PathBuf {
    let dir = root.join("images").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_prow"), &path).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decorated_pod_runs_with_the_rust_pod_utilities() {
    let s3 = S3Server::start(&[BUCKET]).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let volumes = Volumes {
        root: work.path().to_path_buf(),
    };
    for folder in ["code", "logs", "tools", "s3-credentials"] {
        std::fs::create_dir_all(work.path().join(folder)).unwrap();
    }
    std::fs::write(
        work.path().join("s3-credentials/service-account.json"),
        serde_json::json!({"endpoint": s3.endpoint(), "s3_force_path_style": true,
            "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region": "us-east-1"})
        .to_string(),
    )
    .unwrap();

    // The repository under test, with PR 3 as GitHub serves it.
    let repo = work.path().join("origin/acme/app.git");
    let (base, head) = repository_with_pull(
        &repo,
        ("Makefile", "test:\n\t@echo base tests\n"),
        3,
        ("feature.txt", "the PR's change\n"),
    )
    .unwrap();

    let job: ProwJob = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pj-pod", "labels": {"prow.k8s.io/job": "pull-app-test"}},
        "spec": {"type": "presubmit", "job": "pull-app-test", "agent": "kubernetes",
            "refs": {"org": "acme", "repo": "app", "base_ref": "main", "base_sha": base,
                "clone_uri": format!("file://{}", repo.display()),
                "pulls": [{"number": 3, "author": "alice", "sha": head}]},
            "decoration_config": {"timeout": "1m", "grace_period": "2s",
                "utility_images": {"clonerefs": "clonerefs", "initupload": "initupload",
                    "entrypoint": "entrypoint", "sidecar": "sidecar"},
                "gcs_configuration": {"bucket": format!("s3://{BUCKET}"), "path_strategy": "explicit"},
                "s3_credentials_secret": "s3-credentials"},
            "pod_spec": {"containers": [{"image": "alpine", "command": ["/bin/sh", "-c"],
                "args": ["cat feature.txt; make test; echo '<testsuite/>' > $ARTIFACTS/junit.xml; echo done on $PULL_PULL_SHA"]}]}},
        "status": {"state": "pending", "startTime": "2026-11-28T00:00:00Z"}
    }))
    .unwrap();
    let pod = prow_plank::pod::pod_for(&job, "test-pods", "4242").unwrap();
    let spec = pod.spec.unwrap();

    // Init containers, in order, each to success.
    for container in spec.init_containers.as_deref().unwrap() {
        let entrypoint = image(work.path(), container.image.as_deref().unwrap());
        let output = volumes.command(container, &entrypoint).output().unwrap();
        assert!(
            output.status.success(),
            "init container {} failed: {output:?}",
            container.name
        );
    }
    assert!(
        work.path().join("tools/entrypoint").exists(),
        "place-entrypoint copied it"
    );

    // The sidecar waits for the test; the test runs through /tools/entrypoint.
    let sidecar_container = &spec.containers[1];
    let sidecar_image = image(work.path(), sidecar_container.image.as_deref().unwrap());
    let sidecar = volumes
        .command(sidecar_container, &sidecar_image)
        .spawn()
        .unwrap();
    let test = volumes
        .command(&spec.containers[0], Path::new("/unused"))
        .output()
        .unwrap();
    assert!(test.status.success(), "the test failed: {test:?}");
    assert_eq!(
        String::from_utf8_lossy(&test.stdout),
        format!("the PR's change\nbase tests\ndone on {head}\n"),
        "the entrypoint shows the output, as `kubectl logs` would"
    );
    let sidecar = sidecar.wait_with_output().unwrap();
    assert!(sidecar.status.success(), "the sidecar failed: {sidecar:?}");
    assert_eq!(
        std::fs::read_to_string(work.path().join("logs/marker-file.txt")).unwrap(),
        "0"
    );

    let run = s3
        .root()
        .join(BUCKET)
        .join("pr-logs/pull/acme_app/3/pull-app-test/4242");
    let read = |name: &str| {
        std::fs::read_to_string(run.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert_eq!(read("build-log.txt"), String::from_utf8_lossy(&test.stdout));
    assert_eq!(read("artifacts/junit.xml"), "<testsuite/>\n");
    let started: serde_json::Value = serde_json::from_str(&read("started.json")).unwrap();
    assert_eq!(started["pull"], "3");
    assert_eq!(
        started["repos"]["acme/app"],
        format!("main:{base},3:{head}")
    );
    let finished: serde_json::Value = serde_json::from_str(&read("finished.json")).unwrap();
    assert_eq!(finished["result"], "SUCCESS");
    assert_eq!(finished["revision"], head.as_str());
    let records: serde_json::Value = serde_json::from_str(&read("clone-records.json")).unwrap();
    assert_eq!(records[0]["failed"], false);
    assert!(read("clone-log.txt").contains("merging #3"));
    assert_eq!(
        std::fs::read_to_string(
            s3.root()
                .join(BUCKET)
                .join("pr-logs/directory/pull-app-test/latest-build.txt")
        )
        .unwrap(),
        "4242"
    );
}
