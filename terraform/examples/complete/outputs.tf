output "hook_url" {
  description = "GitHub's webhook URL (content type application/json, the hmac_token as secret)."
  value       = "https://hook.prow.${var.knative_domain}/hook"
}

output "hook_lambda_url" {
  description = "The Lambda hook's webhook URL, when hook_on_lambda."
  value       = module.aws.hook_function_url
}

output "deck_url" {
  description = "deck."
  value       = "https://deck.prow.${var.knative_domain}"
}

output "job_topic" {
  description = "Publish job-starting messages here, when Pub/Sub is set up."
  value       = try(module.gcp[0].job_topic, null)
}
