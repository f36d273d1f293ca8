# Every grant, each scoped to the one resource it is about where IAM allows. The full list
# per account is checked by tests/unit/test_terraform.py; invokers are in invokers.tf.
locals {
  function_publishes = merge([
    for name, f in local.functions : { for topic in f.access.publishes : "${name}:${topic}" => { function = name, topic = topic } }
  ]...)
  function_secrets = merge([
    for name, f in local.functions : {
      for key in f.access.secrets : "${name}:${key}" => { function = name, secret = key } if local.secrets[key].enabled
    }
  ]...)
}

# Firestore grants are project-wide (Firestore IAM has no narrower scope for a database).
resource "google_project_iam_member" "function_firestore" {
  for_each = local.functions

  project = var.project_id
  role    = local.firestore_roles[each.value.access.firestore]
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_pubsub_topic_iam_member" "function_publisher" {
  for_each = local.function_publishes

  topic  = google_pubsub_topic.topic[each.value.topic].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

resource "google_secret_manager_secret_iam_member" "function_accessor" {
  for_each = local.function_secrets

  secret_id = google_secret_manager_secret.secret[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

resource "google_pubsub_topic_iam_member" "scheduler_publisher" {
  for_each = local.scheduled

  topic  = google_pubsub_topic.topic[each.value.topic].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.scheduler.email}"
}

# Pub/Sub mints the push subscriptions' OIDC tokens as its service agent (needed in
# projects made before April 2021, harmless after).
resource "google_service_account_iam_member" "pubsub_push_token_creator" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}
