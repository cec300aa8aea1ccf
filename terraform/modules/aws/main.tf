# AWS for Prow: the artifact bucket, the identity the functions use for it, and optionally hook
# on Lambda.

resource "aws_s3_bucket" "artifacts" {
  bucket = var.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  # Job artifacts go with their ProwJobs (sinker's max_prowjob_age).
  dynamic "rule" {
    for_each = ["logs/", "pr-logs/"]
    content {
      id     = "expire-${trimsuffix(rule.value, "/")}"
      status = "Enabled"
      filter {
        prefix = rule.value
      }
      expiration {
        days = var.artifact_retention_days
      }
    }
  }

  # hook's delivery records (webhook recovery looks back hours; GitHub keeps deliveries 3 days).
  rule {
    id     = "expire-hook-deliveries"
    status = "Enabled"
    filter {
      prefix = "hook/deliveries/"
    }
    expiration {
      days = 7
    }
  }

  # An upload cut off by a function scaled to zero leaves parts behind.
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# The functions' identity: an access key for the s3-credentials Secret, allowed only this bucket.
resource "aws_iam_user" "functions" {
  name = var.functions_user_name
  tags = var.tags
}

resource "aws_iam_access_key" "functions" {
  user = aws_iam_user.functions.name
}

data "aws_iam_policy_document" "artifacts" {
  statement {
    sid       = "ListTheBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.artifacts.arn]
  }
  statement {
    sid       = "ReadAndWriteArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.artifacts.arn}/*"]
  }
}

resource "aws_iam_user_policy" "artifacts" {
  name   = "prow-artifacts"
  user   = aws_iam_user.functions.name
  policy = data.aws_iam_policy_document.artifacts.json
}

data "aws_region" "current" {}

# --- hook on Lambda ---

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "hook" {
  count              = var.hook_on_lambda ? 1 : 0
  name               = "prow-hook"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = var.tags
}

# Logs only: hook reaches GitHub and the broker over HTTPS with its own credentials.
resource "aws_iam_role_policy_attachment" "hook_logs" {
  count      = var.hook_on_lambda ? 1 : 0
  role       = aws_iam_role.hook[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "hook" {
  count            = var.hook_on_lambda ? 1 : 0
  function_name    = "prow-hook"
  role             = aws_iam_role.hook[0].arn
  filename         = var.hook_package
  source_code_hash = var.hook_package == null ? null : filebase64sha256(var.hook_package)
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = ["x86_64"]
  memory_size      = var.hook_memory_mb
  # GitHub waits 10 s for an answer.
  timeout     = 10
  kms_key_arn = var.hook_kms_key_arn

  environment {
    variables = merge(
      var.hook_environment,
      { PROW_HMAC_SECRET = var.hmac_token },
      var.github_token == null ? {} : { PROW_GITHUB_TOKEN = var.github_token },
      var.github_app_id == null ? {} : {
        PROW_GITHUB_APP_ID          = var.github_app_id
        PROW_GITHUB_APP_PRIVATE_KEY = var.github_app_private_key
      },
    )
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.hook_package != null
      error_message = "hook_on_lambda needs hook_package: run scripts/package-lambda.sh and give the zip's path."
    }
    precondition {
      condition     = nonsensitive(var.hmac_token != null)
      error_message = "hook_on_lambda needs hmac_token: hook refuses every webhook without the secret."
    }
  }
}

# GitHub signs every delivery and hook checks the signature, so the URL itself needs no AWS auth.
resource "aws_lambda_function_url" "hook" {
  count              = var.hook_on_lambda ? 1 : 0
  function_name      = aws_lambda_function.hook[0].function_name
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_api" "hook" {
  count         = var.hook_on_lambda && var.hook_api_gateway ? 1 : 0
  name          = "prow-hook"
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "hook" {
  count                  = length(aws_apigatewayv2_api.hook)
  api_id                 = aws_apigatewayv2_api.hook[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.hook[0].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_route" "hook" {
  count     = length(aws_apigatewayv2_api.hook)
  api_id    = aws_apigatewayv2_api.hook[0].id
  route_key = "POST /hook"
  target    = "integrations/${aws_apigatewayv2_integration.hook[0].id}"
}

resource "aws_apigatewayv2_stage" "hook" {
  count       = length(aws_apigatewayv2_api.hook)
  api_id      = aws_apigatewayv2_api.hook[0].id
  name        = "$default"
  auto_deploy = true
  tags        = var.tags
}

resource "aws_lambda_permission" "api_gateway" {
  count         = length(aws_apigatewayv2_api.hook)
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hook[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.hook[0].execution_arn}/*/*/hook"
}
