# Google Cloud for Prow: the Pub/Sub topics jobs start from and report to, and the push
# subscription that delivers job messages to trigger-pubsub with an OIDC token, dead-lettering
# what cannot be delivered.

locals {
  push_endpoint = "${trimsuffix(var.trigger_pubsub_url, "/")}/pubsub"
  push_audience = coalesce(var.push_audience, local.push_endpoint)
  pubsub_agent  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

data "google_project" "this" {
  project_id = var.project
}

resource "google_pubsub_topic" "jobs" {
  project = var.project
  name    = var.job_topic
}

resource "google_pubsub_topic" "dead_letter" {
  project = var.project
  name    = var.dead_letter_topic
}

resource "google_pubsub_topic" "reports" {
  count   = var.report_topic == null ? 0 : 1
  project = var.project
  name    = var.report_topic
}

# The identity pushes are signed as; trigger-pubsub accepts tokens from it alone
# (TRIGGER_PUSH_SERVICE_ACCOUNT).
resource "google_service_account" "push" {
  project      = var.project
  account_id   = "prow-pubsub-push"
  display_name = "Prow: Pub/Sub pushes to trigger"
}

# Pub/Sub's own service agent mints the push tokens for that identity...
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_pubsub_subscription" "trigger" {
  project              = var.project
  name                 = "prow-trigger"
  topic                = google_pubsub_topic.jobs.id
  ack_deadline_seconds = 60

  push_config {
    push_endpoint = local.push_endpoint
    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.push_audience
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  depends_on = [google_service_account_iam_member.push_token_creator]
}

# ...and moves undeliverable messages: it must read the subscription and publish to the
# dead-letter topic.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  project = var.project
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "agent_reads_for_dead_letters" {
  project      = var.project
  subscription = google_pubsub_subscription.trigger.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_topic_iam_member" "report_publishers" {
  for_each = var.report_topic == null ? toset([]) : toset(var.publisher_members)
  project  = var.project
  topic    = google_pubsub_topic.reports[0].name
  role     = "roles/pubsub.publisher"
  member   = each.value
}

resource "google_pubsub_topic_iam_member" "dead_letter_publishers" {
  for_each = toset(var.publisher_members)
  project  = var.project
  topic    = google_pubsub_topic.dead_letter.name
  role     = "roles/pubsub.publisher"
  member   = each.value
}
