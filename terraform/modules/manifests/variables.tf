variable "manifests_dir" {
  description = "The folder of Knative manifests to deploy, with its kustomization.yaml (the resources it lists are the ones decoded). Default: this repository's knative/."
  type        = string
  default     = null
}

variable "config_dir" {
  description = "The Prow configuration to mount: a folder with config.yaml, plugins.yaml and a jobs/ folder (every *.yaml below it becomes a key of the job-config ConfigMap, its path's slashes as dashes). Default: the manifests folder's config/ (the example configuration)."
  type        = string
  default     = null
}

variable "image_registry" {
  description = "Where scripts/build-images.sh pushed the images: each function's image is <image_registry>/<function>:<image_tag>."
  type        = string
  default     = "registry.example.com/prow"
}

variable "image_tag" {
  description = "The images' tag (build-images.sh's --tag)."
  type        = string
  default     = "latest"
}

variable "artifact_bucket" {
  description = "The S3 bucket of job artifacts and tide's history (tide's --history-uri is s3://<bucket>/tide)."
  type        = string
  default     = "prow-artifacts"
}

variable "pubsub_push_audience" {
  description = "The audience of the OIDC tokens Pub/Sub's push subscription sends to trigger-pubsub (the gcp module's push_audience)."
  type        = string
  default     = "https://trigger-pubsub.prow.example.com/pubsub"
}

variable "pubsub_push_service_account" {
  description = "The service account Pub/Sub's pushes are signed as (the gcp module's push_service_account)."
  type        = string
  default     = "prow-pubsub-push@PROJECT.iam.gserviceaccount.com"
}

variable "pubsub_dead_letter_topic" {
  description = "Where trigger-pubsub puts messages that can never start a job, projects/<project>/topics/<topic> (the gcp module's dead_letter_topic)."
  type        = string
  default     = "projects/PROJECT/topics/prow-dead-letter"
}
