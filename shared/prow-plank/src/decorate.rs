//! Pod decoration (upstream `decorate.decorate`): a job with a `decoration_config` gets the pod
//! utilities. Init containers `clonerefs` (when there are refs to clone), `initupload` and
//! `place-entrypoint`; each test container's command is replaced by `/tools/entrypoint`, which
//! runs the original command with the timeout; a `sidecar` container uploads the logs and
//! artifacts when the tests end. Volumes `logs` (`/logs`), `tools` (`/tools`), `code`
//! (`/home/prow/go`) and the storage credentials Secret. Options travel as upstream's JSON
//! environment variables, so upstream's utility images work here and ours work there.

use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvVar, PodSecurityContext, PodSpec, SecretVolumeSource,
    Volume, VolumeMount,
};
use prow_api::pod_utilities::{
    CLONEREFS_OPTIONS, ClonerefsOptions, ENTRYPOINT_OPTIONS, EntrypointOptions, INITUPLOAD_OPTIONS,
    InitUploadOptions, SIDECAR_OPTIONS, SidecarOptions, UploadOptions, WrapperOptions, go_nanos,
};
use prow_api::{DecorationConfig, ProwJob, Refs};

pub const LOGS_PATH: &str = "/logs";
pub const ARTIFACTS_PATH: &str = "/logs/artifacts";
pub const CODE_PATH: &str = "/home/prow/go";
pub const TOOLS_PATH: &str = "/tools";
const CLONE_LOG: &str = "/logs/clone.json";
const GIT_USER_NAME: &str = "ci-robot";
const GIT_USER_EMAIL: &str = "ci-robot@k8s.io";

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..VolumeMount::default()
    }
}

fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

fn secret(name: &str, secret_name: &str) -> Volume {
    Volume {
        name: name.into(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(secret_name.into()),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    }
}

fn env(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value),
        value_from: None,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Where the checked-out code of `refs` is in the pod (upstream `clone.PathForRefs`).
pub fn clone_path(refs: &Refs) -> String {
    format!("{CODE_PATH}/src/{}", prow_api::downward::source_path(refs))
}

/// The storage volumes, their mounts and the upload options (upstream `BlobStorageOptions`).
fn storage(config: &DecorationConfig) -> (Vec<Volume>, Vec<VolumeMount>, UploadOptions) {
    let mut options = UploadOptions {
        storage: config.gcs_configuration.clone().unwrap_or_default(),
        ..UploadOptions::default()
    };
    let (mut volumes, mut mounts) = (Vec::new(), Vec::new());
    if let Some(name) = config
        .gcs_credentials_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        volumes.push(secret("gcs-credentials", name));
        mounts.push(mount("gcs-credentials", "/secrets/gcs"));
        options.gcs_credentials_file = "/secrets/gcs/service-account.json".into();
    }
    if let Some(name) = config
        .s3_credentials_secret
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        volumes.push(secret("s3-credentials", name));
        mounts.push(mount("s3-credentials", "/secrets/s3-storage"));
        options.s3_credentials_file = "/secrets/s3-storage/service-account.json".into();
    }
    (volumes, mounts, options)
}

/// Adds the pod utilities to `spec`, the pod of `job` whose `JOB_SPEC` is `job_spec`.
/// The job's environment is already in the test containers.
pub fn decorate(spec: &mut PodSpec, job: &ProwJob, job_spec: &str) {
    let Some(config) = job.spec.decoration_config.as_ref() else {
        return;
    };
    let images = config.utility_images.clone().unwrap_or_default();
    let resources = config.resources.clone().unwrap_or_default();
    let logs = mount("logs", LOGS_PATH);
    let tools = mount("tools", TOOLS_PATH);
    let code = mount("code", CODE_PATH);
    let (storage_volumes, storage_mounts, upload) = storage(config);

    let refs: Vec<Refs> = job
        .spec
        .refs
        .iter()
        .chain(&job.spec.extra_refs)
        .cloned()
        .collect();
    let cloning = !refs.is_empty() && config.skip_cloning != Some(true);
    let mut init = Vec::new();
    if cloning {
        let options = ClonerefsOptions {
            src_root: CODE_PATH.into(),
            log: CLONE_LOG.into(),
            git_user_name: GIT_USER_NAME.into(),
            git_user_email: GIT_USER_EMAIL.into(),
            refs: refs.clone(),
            host_fingerprints: config.ssh_host_fingerprints.clone(),
            github_api_endpoints: config.github_api_endpoints.clone(),
            github_app_id: config.github_app_id.clone(),
            ..ClonerefsOptions::default()
        };
        init.push(Container {
            name: "clonerefs".into(),
            image: Some(images.clonerefs.clone()),
            env: Some(vec![env(CLONEREFS_OPTIONS, json(&options))]),
            volume_mounts: Some(vec![logs.clone(), code.clone()]),
            resources: resources.clonerefs.clone(),
            ..Container::default()
        });
    }
    let mut init_mounts = Vec::new();
    if cloning {
        init_mounts.push(logs.clone());
    }
    init_mounts.extend(storage_mounts.iter().cloned());
    let init_upload = InitUploadOptions {
        upload: upload.clone(),
        log: if cloning {
            CLONE_LOG.into()
        } else {
            String::new()
        },
    };
    init.push(Container {
        name: "initupload".into(),
        image: Some(images.initupload.clone()),
        env: Some(vec![
            env("JOB_SPEC", job_spec.to_string()),
            env(INITUPLOAD_OPTIONS, json(&init_upload)),
        ]),
        volume_mounts: Some(init_mounts),
        resources: resources.initupload.clone(),
        ..Container::default()
    });
    init.push(Container {
        name: "place-entrypoint".into(),
        image: Some(images.entrypoint.clone()),
        args: Some(vec!["--copy-mode-only".into()]),
        volume_mounts: Some(vec![tools.clone()]),
        resources: resources.place_entrypoint.clone(),
        ..Container::default()
    });
    let mut existing_init = spec.init_containers.take().unwrap_or_default();
    // clonerefs first, the job's own init containers, then initupload and place-entrypoint.
    let (clonerefs, rest): (Vec<_>, Vec<_>) = init.into_iter().partition(|c| c.name == "clonerefs");
    let mut all_init = clonerefs;
    all_init.append(&mut existing_init);
    all_init.extend(rest);
    spec.init_containers = Some(all_init);

    let single = spec.containers.len() == 1;
    let timeout = config.timeout.map(|t| go_nanos(t.as_std())).unwrap_or(0);
    let grace = config
        .grace_period
        .map(|t| go_nanos(t.as_std()))
        .unwrap_or(0);
    let mut wrappers = Vec::new();
    let workdir = cloning.then(|| {
        refs.iter()
            .find(|r| r.workdir)
            .or(refs.first())
            .map(clone_path)
            .unwrap_or_default()
    });
    for container in &mut spec.containers {
        let prefix = if single {
            String::new()
        } else {
            format!("{}-", container.name)
        };
        let mut args = container.command.take().unwrap_or_default();
        args.extend(container.args.take().unwrap_or_default());
        let wrapper = WrapperOptions {
            args,
            container_name: container.name.clone(),
            process_log: if single {
                format!("{LOGS_PATH}/process-log.txt")
            } else {
                format!("{LOGS_PATH}/{prefix}log.txt")
            },
            marker_file: if single {
                format!("{LOGS_PATH}/marker-file.txt")
            } else {
                format!("{LOGS_PATH}/{prefix}marker.txt")
            },
            metadata_file: format!("{ARTIFACTS_PATH}/{prefix}metadata.json"),
        };
        let options = EntrypointOptions {
            timeout,
            grace_period: grace,
            artifact_dir: ARTIFACTS_PATH.into(),
            wrapper: wrapper.clone(),
            ..EntrypointOptions::default()
        };
        container.command = Some(vec![format!("{TOOLS_PATH}/entrypoint")]);
        container
            .env
            .get_or_insert_with(Vec::new)
            .push(env(ENTRYPOINT_OPTIONS, json(&options)));
        let mounts = container.volume_mounts.get_or_insert_with(Vec::new);
        mounts.push(logs.clone());
        mounts.push(tools.clone());
        if cloning {
            mounts.push(code.clone());
            if let Some(dir) = &workdir {
                container.working_dir = Some(dir.clone());
            }
        }
        if let Some(memory) = &config.default_memory_request {
            let requests = container
                .resources
                .get_or_insert_with(Default::default)
                .requests
                .get_or_insert_with(Default::default);
            requests
                .entry("memory".into())
                .or_insert_with(|| memory.clone());
        }
        if config.set_limit_equals_memory_request == Some(true)
            && let Some(resources) = container.resources.as_mut()
            && let Some(memory) = resources
                .requests
                .as_ref()
                .and_then(|r| r.get("memory"))
                .cloned()
        {
            resources
                .limits
                .get_or_insert_with(Default::default)
                .insert("memory".into(), memory);
        }
        wrappers.push(wrapper);
    }

    let mut sidecar_upload = upload;
    sidecar_upload.items.push(ARTIFACTS_PATH.into());
    let sidecar = SidecarOptions {
        gcs_options: sidecar_upload,
        entries: wrappers,
        entry_error: false,
        ignore_interrupts: config.upload_ignores_interrupts == Some(true),
        censoring_options: None,
    };
    let mut sidecar_mounts = vec![logs];
    sidecar_mounts.extend(storage_mounts);
    spec.containers.push(Container {
        name: "sidecar".into(),
        image: Some(images.sidecar.clone()),
        env: Some(vec![
            env(SIDECAR_OPTIONS, json(&sidecar)),
            env("JOB_SPEC", job_spec.to_string()),
        ]),
        volume_mounts: Some(sidecar_mounts),
        resources: resources.sidecar.clone(),
        termination_message_policy: Some("FallbackToLogsOnError".into()),
        ..Container::default()
    });

    let volumes = spec.volumes.get_or_insert_with(Vec::new);
    volumes.push(empty_dir("logs"));
    volumes.push(empty_dir("tools"));
    volumes.extend(storage_volumes);
    if cloning {
        volumes.push(empty_dir("code"));
    }

    if config.run_as_user.is_some() || config.run_as_group.is_some() || config.fs_group.is_some() {
        let security = spec
            .security_context
            .get_or_insert_with(PodSecurityContext::default);
        security.run_as_user = security.run_as_user.or(config.run_as_user);
        security.run_as_group = security.run_as_group.or(config.run_as_group);
        security.fs_group = security.fs_group.or(config.fs_group);
    }
    if let Some(scheduling) = &config.scheduling_options {
        if spec.affinity.is_none() {
            spec.affinity = scheduling.affinity.clone();
        }
        if spec.tolerations.is_none() && !scheduling.tolerations.is_empty() {
            spec.tolerations = Some(scheduling.tolerations.clone());
        }
    }
    if spec.termination_grace_period_seconds.is_none()
        && let Some(grace) = config.grace_period
    {
        // The pod's grace covers stopping the test and uploading after it: 80/20.
        let seconds = i64::try_from(grace.as_std().as_secs()).unwrap_or(i64::MAX);
        spec.termination_grace_period_seconds = Some(seconds.saturating_mul(5) / 4);
    }
    if spec.service_account_name.is_none() {
        spec.service_account_name = config.default_service_account_name.clone();
    }
}
