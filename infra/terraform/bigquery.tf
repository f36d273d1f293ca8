# Every domain event in BigQuery for the analysts (issue 15, docs/reports.md "BigQuery"):
# one Pub/Sub BigQuery subscription per domain event topic writes each message as a row of
# sigap_events.events, and one on report-facts writes the case facts rows the reports_ingest
# consumer publishes into sigap_events.case_facts (the published figures and the recurring-
# problem analysis read those: infra/bigquery/*.sql). Both tables are partitioned by day and
# clustered by unit. No message carries a reporter or a complaint's text (events carry
# identifiers, shared/domain/events.py; facts rows carry figures only, never a title:
# tests/unit/test_report_aggregates.py and tests/unit/test_event_payloads.py check it).
locals {
  bigquery_dataset = "sigap_events"
  # the topics of shared/domain/events.py TOPICS (tests/unit/test_terraform.py checks they are the same)
  bigquery_event_topics = toset([
    "complaint-received", "complaint-assigned", "complaint-triaged", "complaint-updated", "complaint-resolved",
    "complaint-reminder", "complaint-escalated", "complaint-late", "digest-daily", "sigap-alerts",
  ])
  bigquery_subscriptions = merge(
    { for t in local.bigquery_event_topics : "bigquery-${t}" => { topic = t, table = "events" } },
    { "bigquery-report-facts" = { topic = "report-facts", table = "case_facts" } },
  )
}

resource "google_bigquery_dataset" "events" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption: the rows are event identifiers and case figures, never personal data or complaint text (as the topics, topics.tf)
  dataset_id    = local.bigquery_dataset
  friendly_name = "Sigap events"
  description   = "Every Sigap domain event and the case facts rows (issue 15); no personal data, no complaint text."
  location      = var.region

  depends_on = [google_project_service.api]
}

resource "google_bigquery_table" "events" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption: event identifiers only (see the dataset)
  dataset_id          = google_bigquery_dataset.events.dataset_id
  table_id            = "events"
  description         = "One row per domain event message (shared/domain/events.py DomainEvent.to_message)."
  schema              = file("${path.module}/../bigquery/events.schema.json")
  clustering          = ["unit_id"]
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = "occurred_at"
  }
}

resource "google_bigquery_table" "case_facts" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption: case figures only (see the dataset)
  dataset_id          = google_bigquery_dataset.events.dataset_id
  table_id            = "case_facts"
  description         = "Case facts rows (shared/domain/reports/aggregates.py facts_rows): the newest publication per case is its state."
  schema              = file("${path.module}/../bigquery/case_facts.schema.json")
  clustering          = ["unit_id"]
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = "recorded_at"
  }
}

# The Pub/Sub service agent writes the rows: data editor and metadata viewer on the dataset only.
resource "google_bigquery_dataset_iam_member" "pubsub_writer" {
  for_each = toset(["roles/bigquery.dataEditor", "roles/bigquery.metadataViewer"])

  dataset_id = google_bigquery_dataset.events.dataset_id
  role       = each.key
  member     = local.pubsub_agent
}

resource "google_pubsub_subscription" "bigquery" {
  for_each = local.bigquery_subscriptions

  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = local.topology.ack_deadline_seconds
  message_retention_duration = "604800s"

  bigquery_config {
    table               = "${var.project_id}.${google_bigquery_dataset.events.dataset_id}.${each.value.table}"
    use_table_schema    = true # the message's JSON fields are the columns
    drop_unknown_fields = true # a field added to a message later does not stop the rows
    write_metadata      = false
  }

  retry_policy {
    minimum_backoff = "${local.retry.minimum_backoff_seconds}s"
    maximum_backoff = "${local.retry.maximum_backoff_seconds}s"
  }

  # a row BigQuery refuses (schema) goes to the dead-letter topic, where the hold subscription keeps it
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = local.dead_letter.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_dataset_iam_member.pubsub_writer, google_bigquery_table.events,
  google_bigquery_table.case_facts, google_pubsub_topic_iam_member.dead_letter_publisher]
}

resource "google_pubsub_subscription_iam_member" "bigquery_dead_letter_subscriber" {
  for_each = local.bigquery_subscriptions

  subscription = google_pubsub_subscription.bigquery[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
