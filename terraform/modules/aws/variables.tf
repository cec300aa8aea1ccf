variable "bucket_name" {
  description = "The artifact bucket: job logs and artifacts (upstream's layout: logs/, pr-logs/) and tide's history (tide/)."
  type        = string
}

variable "artifact_retention_days" {
  description = "How long job artifacts are kept. Default 7 days: sinker's max_prowjob_age, so a job's files go when its ProwJob does and deck never links to files that are gone."
  type        = number
  default     = 7
}

variable "functions_user_name" {
  description = "The IAM user whose access key the functions read from the s3-credentials Secret (upstream's s3_credentials_secret format). It may only read and write the artifact bucket."
  type        = string
  default     = "prow-functions"
}

variable "hook_on_lambda" {
  description = "Run hook on AWS Lambda (behind a function URL and, if hook_api_gateway, an HTTP API) instead of, or beside, Knative."
  type        = bool
  default     = false
}

variable "hook_package" {
  description = "The zip scripts/package-lambda.sh writes (dist/hook-lambda.zip); needed when hook_on_lambda."
  type        = string
  default     = null
}

variable "hook_api_gateway" {
  description = "Also put an API Gateway HTTP API (POST /hook) in front of the Lambda hook, for a custom domain or WAF; the function URL alone is enough for GitHub."
  type        = bool
  default     = false
}

variable "hook_memory_mb" {
  description = "The Lambda hook's memory (CPU grows with it). hook's peak is under 64 MiB with Kubernetes' configuration; 256 gives it a fair share of CPU for a quick start."
  type        = number
  default     = 256
}

variable "hook_environment" {
  description = "The Lambda hook's environment beyond its secrets: K_SINK (where events go on: the Knative broker's ingress, reachable from the Lambda), PROW_GITHUB_ENDPOINT."
  type        = map(string)
  default     = {}
}

variable "hmac_token" {
  description = "The webhook secret, for the Lambda hook (PROW_HMAC_SECRET; Lambda encrypts environment variables at rest, with hook_kms_key_arn if given)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_token" {
  description = "The bot's GitHub token, for the Lambda hook (PROW_GITHUB_TOKEN)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_app_id" {
  description = "A GitHub App's id, for the Lambda hook to act as the App (PROW_GITHUB_APP_ID), with github_app_private_key."
  type        = string
  default     = null
}

variable "github_app_private_key" {
  description = "The GitHub App's private key, PEM (PROW_GITHUB_APP_PRIVATE_KEY)."
  type        = string
  default     = null
  sensitive   = true
}

variable "hook_kms_key_arn" {
  description = "A KMS key to encrypt the Lambda hook's environment with, instead of the AWS-managed key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags on everything this module creates."
  type        = map(string)
  default     = {}
}
