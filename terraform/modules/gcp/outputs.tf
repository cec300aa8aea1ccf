output "push_audience" {
  description = "The push tokens' audience (the knative module's pubsub_push_audience)."
  value       = local.push_audience
}

output "push_service_account" {
  description = "The identity pushes are signed as (the knative module's pubsub_push_service_account)."
  value       = google_service_account.push.email
}

output "dead_letter_topic" {
  description = "projects/<project>/topics/<topic> (the knative module's pubsub_dead_letter_topic)."
  value       = google_pubsub_topic.dead_letter.id
}

output "job_topic" {
  description = "The topic to publish job-starting messages to."
  value       = google_pubsub_topic.jobs.id
}

output "report_topic" {
  description = "The topic crier reports to, when made."
  value       = try(google_pubsub_topic.reports[0].id, null)
}
