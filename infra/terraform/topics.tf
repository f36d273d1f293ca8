# The topics of infra/topology.yaml, the dead-letter topic and its hold subscription.
# Messages are stored only in var.region. Events carry identifiers, never personal data
# (shared/domain/events.py), so Google-managed encryption is enough here.
locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "topic" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption: messages carry case ids and event types, never personal data or complaint text
  for_each = toset(local.topology.topics)

  name = each.key
  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  depends_on = [google_project_service.api]
}

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption: dead letters are the same id-only messages as their topics
  name = local.dead_letter.topic
  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  depends_on = [google_project_service.api]
}

# Pull only, so nothing dead-lettered is lost: kept 31 days (the maximum), acknowledged ones
# too, so a re-drive can be undone with a seek (docs/deploy.md, "Re-drive dead letters").
resource "google_pubsub_subscription" "dead_letter_hold" {
  name                       = local.dead_letter.hold_subscription
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "2678400s"
  retain_acked_messages      = true
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = "" # never deleted for inactivity (the default would after 31 quiet days)
  }
}

# Pub/Sub forwards undeliverable messages as its service agent: it publishes to the
# dead-letter topic and acknowledges on each source subscription (subscriptions.tf).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}
