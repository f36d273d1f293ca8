# Every function of infra/topology.yaml: gen2, Python 3.11, its own service account, its
# timeout, its settings and only its secrets. All are HTTP services to Cloud Functions:
# the topic-fed and scheduled ones are called by their push subscriptions (subscriptions.tf),
# and functions-framework turns the push body into the CloudEvent their handlers take.
resource "google_cloudfunctions2_function" "function" {
  #checkov:skip=CKV_GCP_124:Ingress is per function (access.tf): ALLOW_ALL only for intake, open311, units, reports (the internet's entry points) and the IAM-gated admin APIs; every topic-fed or scheduled function is ALLOW_INTERNAL_ONLY
  for_each = local.functions

  name        = each.value.service
  location    = var.region
  description = "Sigap ${each.key} (${each.value.trigger}; infra/topology.yaml)"

  build_config {
    runtime           = "python311"
    entry_point       = each.key
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function[each.key].email
    timeout_seconds                  = each.value.timeout_seconds
    available_memory                 = var.function_memory
    max_instance_count               = lookup(var.max_instances, each.key, local.default_max_instances[each.value.trigger])
    min_instance_count               = lookup(var.min_instances, each.key, 0)
    max_instance_request_concurrency = lookup(var.request_concurrency, each.key, 1)
    available_cpu                    = lookup(var.request_concurrency, each.key, 1) > 1 ? "1" : null
    ingress_settings                 = local.ingress[each.value.access.exposure]
    all_traffic_on_latest_revision   = true
    environment_variables            = local.function_env[each.key]

    dynamic "secret_environment_variables" {
      for_each = [for key in each.value.access.secrets : key if local.secrets[key].enabled]
      content {
        key        = local.secrets[secret_environment_variables.value].env
        project_id = var.project_id
        secret     = google_secret_manager_secret.secret[secret_environment_variables.value].secret_id
        version    = lookup(var.secret_versions, secret_environment_variables.value, "latest")
      }
    }
  }

  # A function starts only once it may read its secrets and use Firestore.
  depends_on = [
    google_secret_manager_secret_iam_member.function_accessor,
    google_project_iam_member.function_firestore,
    google_project_iam_member.build_log_writer,
    google_artifact_registry_repository_iam_member.build_writer,
    google_storage_bucket_iam_member.build_source_reader,
    google_firestore_database.main,
  ]
}
