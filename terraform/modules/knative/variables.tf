variable "manifests_dir" {
  description = "The folder of Knative manifests with its kustomization.yaml. Default: this repository's knative/."
  type        = string
  default     = null
}

variable "config_dir" {
  description = "Your Prow configuration: a folder with config.yaml, plugins.yaml and jobs/. Default: the example configuration in knative/config."
  type        = string
  default     = null
}

variable "install_prowjob_crd" {
  description = "Manage the ProwJob CRD here. Set false when it exists already (a cluster that runs upstream Prow, whose CRD ours replaces in place): Terraform does not take over an object it did not create, unless you import it (docs/deployment.md)."
  type        = bool
  default     = true
}

variable "image_registry" {
  description = "Where scripts/build-images.sh pushed the images (its --registry)."
  type        = string
}

variable "image_tag" {
  description = "The images' tag (build-images.sh's --tag)."
  type        = string
}

variable "artifact_bucket" {
  description = "The S3 bucket of job artifacts and tide's history (the aws module's bucket)."
  type        = string
}

variable "pubsub_push_audience" {
  description = "The audience of Pub/Sub's push tokens (the gcp module's push_audience); leave the default when no jobs start from Pub/Sub."
  type        = string
  default     = "https://trigger-pubsub.prow.example.com/pubsub"
}

variable "pubsub_push_service_account" {
  description = "The service account Pub/Sub's pushes are signed as (the gcp module's push_service_account)."
  type        = string
  default     = "prow-pubsub-push@PROJECT.iam.gserviceaccount.com"
}

variable "pubsub_dead_letter_topic" {
  description = "Where trigger-pubsub puts messages that can never start a job (the gcp module's dead_letter_topic)."
  type        = string
  default     = "projects/PROJECT/topics/prow-dead-letter"
}

# The Secrets the manifests mount. Each is created when its value is given; leave one null to
# create that Secret some other way (an external secret operator, kubectl), keeping its value out
# of Terraform's state.

variable "hmac_token" {
  description = "The webhook secret GitHub signs deliveries with (Secret hmac-token, key hmac)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_token" {
  description = "The bot's GitHub token (Secret github-token, key cert). Leave null when using a GitHub App."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_app_id" {
  description = "A GitHub App's id, to act as the App instead of with a token (Secret github-app, key appid); goes with github_app_private_key."
  type        = string
  default     = null
}

variable "github_app_private_key" {
  description = "The GitHub App's private key, PEM (Secret github-app, key cert)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_cache_url" {
  description = "A Redis or Valkey URL (redis://[:password@]host:6379/0) every function shares as its GitHub response cache, so repeated reads cost no rate limit (Secret github-cache, key PROW_GITHUB_CACHE). Null: each instance keeps its own cache."
  type        = string
  default     = null
  sensitive   = true
}

variable "s3_credentials_json" {
  description = "The S3 credentials file (Secret s3-credentials, key service-account.json): the aws module's s3_credentials_json."
  type        = string
  default     = null
  sensitive   = true
}

variable "deck_github_oauth_json" {
  description = "deck's GitHub OAuth App, as JSON with client_id, client_secret and redirect_url (Secret deck-github-oauth, key config.json); without it nobody signs in to rerun or abort."
  type        = string
  default     = null
  sensitive   = true
}

variable "deck_cookie_secret" {
  description = "The secret deck signs sessions and CSRF tokens with (Secret deck-cookie, key secret); 32 random bytes or more. Null: a random one is made."
  type        = string
  default     = null
  sensitive   = true
}
