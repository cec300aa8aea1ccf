# A whole Prow: the functions on Knative, the artifact bucket on S3, job messages from Google
# Pub/Sub. Copy terraform.tfvars.example to terraform.tfvars, fill it in, then
# `terraform init && terraform apply` (docs/deployment.md walks through it).

locals {
  trigger_pubsub_url = "https://trigger-pubsub.prow.${var.knative_domain}"
}

module "aws" {
  source = "../../modules/aws"

  bucket_name             = var.artifact_bucket
  artifact_retention_days = var.artifact_retention_days
  hook_on_lambda          = var.hook_on_lambda
  hook_package            = var.hook_package
  hmac_token              = var.hmac_token
  github_token            = var.github_token
  github_app_id           = var.github_app_id
  github_app_private_key  = var.github_app_private_key
  hook_environment        = var.hook_lambda_sink == null ? {} : { K_SINK = var.hook_lambda_sink }
}

module "gcp" {
  source = "../../modules/gcp"
  count  = var.gcp_project == null ? 0 : 1

  project            = var.gcp_project
  trigger_pubsub_url = local.trigger_pubsub_url
}

module "knative" {
  source = "../../modules/knative"

  config_dir             = var.config_dir
  image_registry         = var.image_registry
  image_tag              = var.image_tag
  artifact_bucket        = module.aws.bucket
  hmac_token             = var.hmac_token
  github_token           = var.github_token
  github_app_id          = var.github_app_id
  github_app_private_key = var.github_app_private_key
  s3_credentials_json    = module.aws.s3_credentials_json
  deck_github_oauth_json = var.deck_github_oauth_json
  github_cache_url       = var.github_cache_url

  pubsub_push_audience        = try(module.gcp[0].push_audience, "https://trigger-pubsub.prow.example.com/pubsub")
  pubsub_push_service_account = try(module.gcp[0].push_service_account, "prow-pubsub-push@PROJECT.iam.gserviceaccount.com")
  pubsub_dead_letter_topic    = try(module.gcp[0].dead_letter_topic, "projects/PROJECT/topics/prow-dead-letter")
}
