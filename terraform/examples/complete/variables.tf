variable "kubeconfig" {
  description = "The kubeconfig of the cluster running Knative Serving and Eventing."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Its context to use; null for the current one."
  type        = string
  default     = null
}

variable "knative_domain" {
  description = "Knative Serving's domain for the prow namespace's Services: hook is reached at https://hook.prow.<domain>, deck at https://deck.prow.<domain> (Knative's default domain template {{.Name}}.{{.Namespace}}.{{.Domain}})."
  type        = string
}

variable "config_dir" {
  description = "Your Prow configuration: config.yaml, plugins.yaml and jobs/. Default: the example in knative/config."
  type        = string
  default     = null
}

variable "image_registry" {
  description = "Where scripts/build-images.sh pushed the images (its --registry)."
  type        = string
}

variable "image_tag" {
  description = "The images' tag (its --tag)."
  type        = string
}

variable "hmac_token" {
  description = "The webhook secret: GitHub's webhook settings and hook share it. Generate one: openssl rand -hex 32."
  type        = string
  sensitive   = true
}

variable "github_token" {
  description = "The bot account's GitHub token; null when github_app_id and github_app_private_key are given."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_app_id" {
  description = "A GitHub App's id, to act as the App instead of with a token."
  type        = string
  default     = null
}

variable "github_app_private_key" {
  description = "The GitHub App's private key (PEM)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_cache_url" {
  description = "A Redis or Valkey every function shares as its GitHub response cache (redis://[:password@]host:6379/0); null: each instance keeps its own (docs/github-budget.md)."
  type        = string
  default     = null
  sensitive   = true
}

variable "deck_github_oauth_json" {
  description = "deck's GitHub OAuth App as JSON (client_id, client_secret, redirect_url https://deck.prow.<domain>/github-login/redirect); null: nobody signs in to rerun or abort."
  type        = string
  default     = null
  sensitive   = true
}

variable "aws_region" {
  description = "The AWS region of the artifact bucket (and of hook on Lambda)."
  type        = string
  default     = "us-east-1"
}

variable "artifact_bucket" {
  description = "The artifact bucket's name (globally unique)."
  type        = string
}

variable "artifact_retention_days" {
  description = "How long job artifacts are kept; default sinker's max_prowjob_age, 7 days."
  type        = number
  default     = 7
}

variable "hook_on_lambda" {
  description = "Also run hook on AWS Lambda behind a function URL (scripts/package-lambda.sh makes hook_package); point GitHub at hook_lambda_url instead of hook_url."
  type        = bool
  default     = false
}

variable "hook_package" {
  description = "The Lambda zip (dist/hook-lambda.zip), when hook_on_lambda."
  type        = string
  default     = null
}

variable "hook_lambda_sink" {
  description = "Where the Lambda hook sends events on: the Knative broker's ingress as reachable from AWS (an address you expose, with authentication in front)."
  type        = string
  default     = null
}

variable "gcp_project" {
  description = "The Google Cloud project for Pub/Sub; null to start no jobs from Pub/Sub (and create nothing on Google Cloud)."
  type        = string
  default     = null
}
