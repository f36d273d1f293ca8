provider "google" {
  project = var.project_id
  region  = var.region

  # Every resource that takes labels carries these (the Cloud Run services of the functions too).
  default_labels = merge({ app = "sigap", managed-by = "terraform" }, var.labels)
}

data "google_project" "this" {
  project_id = var.project_id
}
