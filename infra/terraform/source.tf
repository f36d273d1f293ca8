# The functions' source: infra.deploy.stage_source() lays out build/functions (main.py at the
# top, shared/ beside it, requirements.txt, and the checked-hash bytecode of every module, so a
# new instance does not compile Sigap on its cold start); Terraform zips it and uploads the
# archive under its hash, so an unchanged source redeploys nothing and a changed one redeploys
# every function.
locals {
  source_dir = coalesce(var.source_dir, "${path.module}/../../build/functions")
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.source_dir
  output_path = "${path.module}/../../build/sigap-source.zip"
}

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Holds only the function archives, written by Terraform and read by Cloud Build; Cloud Audit Logs record access, a second log bucket adds nothing
  name                        = "${var.project_id}-sigap-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket_object" "source" {
  name         = "functions/sigap-${data.archive_file.source.output_md5}.zip"
  bucket       = google_storage_bucket.source.name
  source       = data.archive_file.source.output_path
  content_type = "application/zip"
}

# The images Cloud Build makes of the functions; the ten newest of each are kept, so a
# rollback to an earlier revision finds its image (docs/deploy.md, "Roll back").
resource "google_artifact_registry_repository" "functions" {
  #checkov:skip=CKV_GCP_84:Google-managed encryption: the images hold Sigap's code and its dependencies, never data or secrets
  repository_id          = "sigap-functions"
  location               = var.region
  format                 = "DOCKER"
  description            = "Images of Sigap's functions, built by Cloud Build"
  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s" # 30 days, unless among the ten newest
    }
  }

  depends_on = [google_project_service.api]
}
