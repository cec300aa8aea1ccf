# Decodes knative/ the way `kustomize build knative/` renders it, so that Terraform and kustomize
# deploy the same objects from one source: the files kustomization.yaml lists, each function's
# image set from image_registry and image_tag, and the ConfigMaps of its configMapGenerator made
# from config_dir.

locals {
  manifests_dir = coalesce(var.manifests_dir, "${path.module}/../../../knative")
  config_dir    = coalesce(var.config_dir, "${local.manifests_dir}/config")
  kustomization = yamldecode(file("${local.manifests_dir}/kustomization.yaml"))

  # The placeholders the manifests carry, as the kustomization's `images:` and the comments in
  # the manifests name them.
  texts = [
    for resource in local.kustomization.resources : replace(replace(replace(replace(replace(
      file("${local.manifests_dir}/${resource}"),
      "/image: prow\\/([a-z-]+)\\n/", "image: ${var.image_registry}/$1:${var.image_tag}\n"),
      "s3://BUCKET/", "s3://${var.artifact_bucket}/"),
      "\"https://trigger-pubsub.prow.example.com/pubsub\"", jsonencode(var.pubsub_push_audience)),
      "\"prow-pubsub-push@PROJECT.iam.gserviceaccount.com\"", jsonencode(var.pubsub_push_service_account)),
    "\"projects/PROJECT/topics/prow-dead-letter\"", jsonencode(var.pubsub_dead_letter_topic))
  ]
  # A file holds several documents; one of comments alone (yamldecode refuses it) holds no object.
  objects = flatten([
    for text in local.texts : [
      for document in split("\n---\n", "\n${replace(text, "\r\n", "\n")}\n") :
      yamldecode(document) if length(regexall("(?m)^[^#\\s]", document)) > 0
    ]
  ])

  job_files = fileset("${local.config_dir}/jobs", "**/*.yaml")
  config_maps = [
    {
      apiVersion = "v1"
      kind       = "ConfigMap"
      metadata   = { name = "config", namespace = "prow" }
      data       = { "config.yaml" = file("${local.config_dir}/config.yaml") }
    },
    {
      apiVersion = "v1"
      kind       = "ConfigMap"
      metadata   = { name = "plugins", namespace = "prow" }
      data       = { "plugins.yaml" = file("${local.config_dir}/plugins.yaml") }
    },
    {
      apiVersion = "v1"
      kind       = "ConfigMap"
      metadata   = { name = "job-config", namespace = "prow" }
      data = {
        for path in local.job_files : replace(path, "/", "-") => file("${local.config_dir}/jobs/${path}")
      }
    },
  ]
  generated = [for generator in local.kustomization.configMapGenerator : generator.name]
}

check "config_maps_match_the_kustomization" {
  assert {
    condition     = toset(local.generated) == toset([for map in local.config_maps : map.metadata.name])
    error_message = "kustomization.yaml generates the ConfigMaps ${join(", ", local.generated)}; this module makes config, plugins and job-config"
  }
}
