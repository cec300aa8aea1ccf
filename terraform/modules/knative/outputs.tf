output "hook_url" {
  description = "Where GitHub sends webhooks: set it as the webhook URL (path /hook) once Knative gives the Service its address."
  value       = try("${kubernetes_manifest.object["serving.knative.dev/v1/Service/prow/hook"].object.status.url}/hook", null)
}

output "deck_url" {
  description = "deck's address."
  value       = try(kubernetes_manifest.object["serving.knative.dev/v1/Service/prow/deck"].object.status.url, null)
}

output "trigger_pubsub_url" {
  description = "trigger-pubsub's address: the gcp module's push endpoint is <this>/pubsub."
  value       = try(kubernetes_manifest.object["serving.knative.dev/v1/Service/prow/trigger-pubsub"].object.status.url, null)
}
