variable "project" {
  description = "The Google Cloud project the topics and the subscription live in."
  type        = string
}

variable "trigger_pubsub_url" {
  description = "trigger-pubsub's public address (the knative module's trigger_pubsub_url, e.g. https://trigger-pubsub.prow.example.com); pushes go to <this>/pubsub."
  type        = string
}

variable "push_audience" {
  description = "The audience the push tokens are minted for. Default: the push endpoint itself (<trigger_pubsub_url>/pubsub), which trigger-pubsub checks."
  type        = string
  default     = null
}

variable "job_topic" {
  description = "The topic whose messages start jobs (upstream's Pub/Sub trigger: prow.k8s.io/pubsub.* attributes)."
  type        = string
  default     = "prow-jobs"
}

variable "dead_letter_topic" {
  description = "Where messages go that trigger-pubsub cannot turn into a job after max_delivery_attempts, and where it puts those that can never succeed."
  type        = string
  default     = "prow-dead-letter"
}

variable "report_topic" {
  description = "A topic crier reports job states to (jobs name it in their prow.k8s.io/pubsub.topic annotation); null for none."
  type        = string
  default     = "prow-reports"
}

variable "max_delivery_attempts" {
  description = "How often Pub/Sub pushes a message that trigger-pubsub answers with an error (5xx: retry later) before dead-lettering it."
  type        = number
  default     = 5
}

variable "publisher_members" {
  description = "IAM members (e.g. serviceAccount:crier@...) that may publish to the report topic and to the dead-letter topic: crier's and trigger's Google identities."
  type        = list(string)
  default     = []
}
