# Applies knative/ to a cluster that runs Knative Serving and Eventing, object by object with
# server-side apply: the same objects `kustomize build knative/` renders (the manifests module
# decodes them, and the repository's tests check that the two agree and that a real API server
# accepts them).

module "manifests" {
  source = "../manifests"

  manifests_dir               = var.manifests_dir
  config_dir                  = var.config_dir
  image_registry              = var.image_registry
  image_tag                   = var.image_tag
  artifact_bucket             = var.artifact_bucket
  pubsub_push_audience        = var.pubsub_push_audience
  pubsub_push_service_account = var.pubsub_push_service_account
  pubsub_dead_letter_topic    = var.pubsub_dead_letter_topic
}

locals {
  crds    = var.install_prowjob_crd ? module.manifests.custom_resource_definitions : []
  objects = { for key, object in module.manifests.objects : key => object if var.install_prowjob_crd || !contains(module.manifests.custom_resource_definitions, key) }
  first   = toset(concat(local.crds, module.manifests.namespaces))
}

# CRDs and Namespaces first: the other objects need them to exist when they are planned.
resource "kubernetes_manifest" "foundation" {
  for_each = local.first
  manifest = local.objects[each.key]

  field_manager {
    name            = "prow-terraform"
    force_conflicts = true
  }
}

resource "kubernetes_manifest" "object" {
  for_each = { for key, object in local.objects : key => object if !contains(local.first, key) }
  manifest = each.value

  field_manager {
    name            = "prow-terraform"
    force_conflicts = true
  }

  depends_on = [kubernetes_manifest.foundation]
}

resource "random_bytes" "deck_cookie" {
  count  = var.deck_cookie_secret == null ? 1 : 0
  length = 32
}

locals {
  secrets = {
    "hmac-token"        = { hmac = var.hmac_token }
    "github-token"      = { cert = var.github_token }
    "github-app"        = { appid = var.github_app_id, cert = var.github_app_private_key }
    "s3-credentials"    = { "service-account.json" = var.s3_credentials_json }
    "deck-github-oauth" = { "config.json" = var.deck_github_oauth_json }
    "deck-cookie"       = { secret = coalesce(var.deck_cookie_secret, try(random_bytes.deck_cookie[0].base64, null)) }
    "github-cache"      = { PROW_GITHUB_CACHE = var.github_cache_url }
  }
  # Which Secrets to create: whether a value was given is not secret, the value is.
  given = {
    "hmac-token"        = nonsensitive(var.hmac_token != null)
    "github-token"      = nonsensitive(var.github_token != null)
    "github-app"        = var.github_app_id != null && nonsensitive(var.github_app_private_key != null)
    "s3-credentials"    = nonsensitive(var.s3_credentials_json != null)
    "deck-github-oauth" = nonsensitive(var.deck_github_oauth_json != null)
    "deck-cookie"       = true
    "github-cache"      = nonsensitive(var.github_cache_url != null)
  }
}

resource "kubernetes_secret_v1" "prow" {
  for_each = toset([for name, given in local.given : name if given])

  metadata {
    name      = each.key
    namespace = "prow"
  }
  data = local.secrets[each.key]

  depends_on = [kubernetes_manifest.foundation]
}
