terraform {
  # No provider: this module only reads files, so it also runs where no provider can be installed
  # (the tests decode knative/ through it offline).
  required_version = ">= 1.5.0"
}
