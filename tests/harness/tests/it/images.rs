//! Every function's image, built by `scripts/build-images.sh` and pushed to a registry on loopback,
//! runs: its binary starts inside the image's own root filesystem (nothing of this machine's),
//! as the image's user, with the command, arguments, environment and mounted ConfigMaps and
//! Secrets of its Knative Service as kustomize renders it, sees the Kubernetes API as a pod does
//! (in-cluster service account files), and answers `/healthz`.

use prow_test_harness::KubeTestEnv;
use prow_test_harness::deploy::{
    BINARIES, DeployTools, Registry, built_binaries, on_path, repo_root, run_script,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What each Secret the manifests mount holds in this test, by Secret name: file name, contents.
fn secret_files(secret: &str) -> Vec<(&'static str, String)> {
    match secret {
        "hmac-token" => vec![("hmac", "image-test-secret".into())],
        "github-token" => vec![("cert", "ghp_imagetest".into())],
        "s3-credentials" => vec![(
            "service-account.json",
            serde_json::json!({"region": "us-east-1", "endpoint": "http://127.0.0.1:1",
                "s3_force_path_style": true, "access_key": "a", "secret_key": "b"})
            .to_string(),
        )],
        "deck-github-oauth" => vec![(
            "config.json",
            serde_json::json!({"client_id": "id", "client_secret": "secret",
                "redirect_url": "https://deck.example.com/github-login/redirect"})
            .to_string(),
        )],
        "deck-cookie" => vec![("secret", "c".repeat(64))],
        "slack-token" => vec![("token", "xoxb-imagetest".into())],
        // Optional: without it, the token is used.
        "github-app" => vec![],
        // Optional: without it, Gerrit is read anonymously.
        "gerrit-cookiefile" => vec![("cookiefile", "prow-bot:imagetest".into())],
        // The optional build clusters: none, so jobs run in this cluster.
        "build-clusters" => vec![],
        other => panic!("a manifest mounts the Secret {other}, which this test does not know"),
    }
}

/// A started function, stopped when dropped, so a failing assertion leaves no process behind.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn write(path: &Path, contents: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_image_starts_in_its_own_root_filesystem_and_answers_healthz() {
    let Some(binaries) = built_binaries().unwrap() else {
        return;
    };
    let Some(tools) = DeployTools::get().unwrap() else {
        return;
    };
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    if !is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the image test runs binaries with chroot, which needs root"
        );
        eprintln!("SKIPPED: the image test runs binaries with chroot, which needs root");
        return;
    }
    let chroot = on_path("chroot").expect("chroot (coreutils) on the PATH");
    let registry = Registry::start(&tools).unwrap();
    let repository = format!(
        "localhost:{}/prow",
        registry.address.rsplit(':').next().unwrap()
    );
    let built = run_script(
        "build-images.sh",
        &[
            "--registry",
            &repository,
            "--tag",
            "image-test",
            "--binaries",
            binaries.to_str().unwrap(),
        ],
    )
    .unwrap();
    let mut images = BTreeMap::new();
    for line in built.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 3, "build-images.sh printed {line:?}");
        let size: u64 = fields[2].parse().unwrap();
        eprintln!("image {}: {} bytes compressed", fields[0], size);
        images.insert(fields[0].to_string(), fields[1].to_string());
    }
    assert_eq!(
        images.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut all = BINARIES.to_vec();
            all.sort();
            all
        },
        "one image per binary"
    );

    // The Kubernetes API as a pod sees it: the service host and port, and the service account's
    // token and CA at their well-known paths.
    let kubeconfig: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(env.kubeconfig()).unwrap()).unwrap();
    let server = kubeconfig["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap();
    let (host, api_port) = server
        .trim_start_matches("https://")
        .rsplit_once(':')
        .unwrap();
    let token = kubeconfig["users"][0]["user"]["token"].as_str().unwrap();
    let ca = std::fs::read(
        kubeconfig["clusters"][0]["cluster"]["certificate-authority"]
            .as_str()
            .unwrap(),
    )
    .unwrap();

    let rendered = tools.kustomize_build(&repo_root().join("knative")).unwrap();
    let config_maps: BTreeMap<&str, &Value> = rendered
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .map(|o| (o["metadata"]["name"].as_str().unwrap(), &o["data"]))
        .collect();
    let services: Vec<&Value> = rendered
        .iter()
        .filter(|o| o["kind"] == "Service" && o["apiVersion"] == "serving.knative.dev/v1")
        .collect();
    assert!(services.len() >= 8, "{} Services", services.len());

    for service in services {
        let name = service["metadata"]["name"].as_str().unwrap();
        let pod = &service["spec"]["template"]["spec"];
        let container = &pod["containers"][0];
        let command = crate::strings(&container["command"]);
        let function = command[0].trim_start_matches('/');
        let reference = &images[function];

        let root = tempfile::tempdir().unwrap();
        let tarball = root.path().join("image.tar");
        let exported = Command::new(tools.crane())
            .args(["export", reference])
            .arg(&tarball)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(exported.success(), "crane export {reference}");
        let fs = root.path().join("fs");
        std::fs::create_dir(&fs).unwrap();
        let unpacked = Command::new("tar")
            .arg("-xf")
            .arg(&tarball)
            .arg("-C")
            .arg(&fs)
            .status()
            .unwrap();
        assert!(unpacked.success());
        let config: Value = serde_json::from_slice(
            &Command::new(tools.crane())
                .args(["config", reference])
                .stderr(Stdio::null())
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(command),
            "{name}: the manifest's command is the image's entrypoint"
        );
        let user = config["config"]["User"].as_str().unwrap();
        assert_eq!(user, "65532:65532", "{name} runs as the unprivileged user");

        // The volumes, as the kubelet would mount them.
        let volumes: BTreeMap<&str, &Value> = pod["volumes"]
            .as_array()
            .map(|v| v.iter().map(|v| (v["name"].as_str().unwrap(), v)).collect())
            .unwrap_or_default();
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let volume = volumes[mount["name"].as_str().unwrap()];
            let at = fs.join(mount["mountPath"].as_str().unwrap().trim_start_matches('/'));
            std::fs::create_dir_all(&at).unwrap();
            if let Some(map) = volume["configMap"]["name"].as_str() {
                let data = config_maps.get(map).unwrap_or_else(|| {
                    panic!("{name} mounts ConfigMap {map}, which is not rendered")
                });
                for (key, value) in data.as_object().unwrap() {
                    write(&at.join(key), value.as_str().unwrap().as_bytes());
                }
            } else if let Some(secret) = volume["secret"]["secretName"].as_str() {
                for (file, contents) in secret_files(secret) {
                    write(&at.join(file), contents.as_bytes());
                }
            }
        }
        let account = fs.join("var/run/secrets/kubernetes.io/serviceaccount");
        write(&account.join("token"), token.as_bytes());
        write(&account.join("ca.crt"), &ca);
        write(&account.join("namespace"), b"prow");

        let port = prow_test_harness::free_port().unwrap();
        // Found on this test's PATH: the process itself gets no environment but the pod's.
        let mut run = Command::new(&chroot);
        run.arg(format!("--userspec={user}"))
            .arg(&fs)
            .args(&command)
            .args(
                container["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| a.as_str().unwrap()),
            )
            .env_clear()
            .env("PORT", port.to_string())
            .env("KUBERNETES_SERVICE_HOST", host)
            .env("KUBERNETES_SERVICE_PORT", api_port)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for source in container["envFrom"].as_array().into_iter().flatten() {
            // An optional Secret (the shared GitHub cache's address) is absent here, as in a
            // cluster that has none: the function runs without it.
            if source["secretRef"]["optional"] == true {
                continue;
            }
            let map = source["configMapRef"]["name"].as_str().unwrap();
            let data = config_maps.get(map).unwrap_or_else(|| {
                panic!("{name} takes its environment from ConfigMap {map}, which is not rendered")
            });
            for (key, value) in data.as_object().unwrap() {
                run.env(key, value.as_str().unwrap());
            }
        }
        for variable in container["env"].as_array().into_iter().flatten() {
            let key = variable["name"].as_str().unwrap();
            if let Some(value) = variable["value"].as_str() {
                run.env(key, value);
                continue;
            }
            // From a Secret: set only when the Secret has the key, as the kubelet does for an
            // optional reference.
            let reference = &variable["valueFrom"]["secretKeyRef"];
            let secret = reference["name"].as_str().unwrap();
            let wanted = reference["key"].as_str().unwrap();
            match secret_files(secret)
                .into_iter()
                .find(|(file, _)| *file == wanted)
            {
                Some((_, value)) => {
                    run.env(key, value);
                }
                None => assert_eq!(
                    reference["optional"], true,
                    "{name}: {key} needs key {wanted} of Secret {secret}"
                ),
            }
        }
        for variable in config["config"]["Env"].as_array().into_iter().flatten() {
            let (key, value) = variable.as_str().unwrap().split_once('=').unwrap();
            run.env(key, value);
        }
        let mut child = Stopped(run.spawn().unwrap());
        let started = Instant::now();
        let healthz = format!("http://127.0.0.1:{port}/healthz");
        let answered = loop {
            if let Ok(response) = reqwest::get(&healthz).await {
                break response.status().as_u16();
            }
            if let Some(status) = child.0.try_wait().unwrap() {
                let mut stderr = String::new();
                use std::io::Read;
                child
                    .0
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                panic!("{name} exited ({status}) in its image before answering:\n{stderr}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{name} did not answer /healthz within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        drop(child);
        assert_eq!(answered, 200, "{name}: /healthz");
        eprintln!(
            "{name}: /healthz answered {:.0} ms after start in its image",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
