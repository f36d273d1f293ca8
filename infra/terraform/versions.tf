# Terraform and provider versions, pinned exactly: a new provider version is a reviewed change
# (bump here, run `terraform init -upgrade`, commit .terraform.lock.hcl with it).
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "6.50.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "2.7.1"
    }
  }

  # State lives in a versioned GCS bucket made once per project (docs/deploy.md, "State bucket"):
  #   terraform init -backend-config="bucket=<project>-tfstate"
  backend "gcs" {
    prefix = "sigap"
  }
}
