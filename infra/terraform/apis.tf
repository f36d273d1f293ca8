# The APIs Sigap uses. Service Usage and Cloud Resource Manager must be on before Terraform
# can enable anything (docs/deploy.md, "Bootstrap"); they are listed so that they stay on.
# Disabling an API on destroy would break whatever else uses it: never done from here.
locals {
  apis = toset([
    "artifactregistry.googleapis.com", # function images
    "bigquery.googleapis.com",         # the events for the analysts (bigquery.tf)
    "cloudbuild.googleapis.com",       # function builds
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # gen2 functions are Cloud Run services
    "secretmanager.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "api" {
  for_each = local.apis

  project            = var.project_id
  service            = each.key
  disable_on_destroy = false
}
