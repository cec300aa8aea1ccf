output "bucket" {
  description = "The artifact bucket's name (the knative module's artifact_bucket)."
  value       = aws_s3_bucket.artifacts.bucket
}

output "s3_credentials_json" {
  description = "The functions' S3 credentials in upstream's s3_credentials_secret format (the knative module's s3_credentials_json)."
  sensitive   = true
  value = jsonencode({
    region     = data.aws_region.current.name
    access_key = aws_iam_access_key.functions.id
    secret_key = aws_iam_access_key.functions.secret
  })
}

output "hook_function_url" {
  description = "The Lambda hook's webhook URL for GitHub (the function URL with /hook), when hook_on_lambda."
  value       = var.hook_on_lambda ? "${trimsuffix(aws_lambda_function_url.hook[0].function_url, "/")}/hook" : null
}

output "hook_api_url" {
  description = "The HTTP API's webhook URL, when hook_api_gateway."
  value       = length(aws_apigatewayv2_api.hook) > 0 ? "${aws_apigatewayv2_stage.hook[0].invoke_url}/hook" : null
}
