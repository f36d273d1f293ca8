# One push subscription per consumer and topic, the same ones the local stack creates:
# each pushes to its function's URL with an OIDC token of the push account, retries with
# the backoff of infra/topology.yaml, and after max_delivery_attempts hands the message
# to the dead-letter topic, where the hold subscription keeps it.
resource "google_pubsub_subscription" "push" {
  for_each = local.push_subscriptions

  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = local.functions[each.value.function].ack_deadline
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = google_cloudfunctions2_function.function[each.value.function].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = google_cloudfunctions2_function.function[each.value.function].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "${local.retry.minimum_backoff_seconds}s"
    maximum_backoff = "${local.retry.maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = local.dead_letter.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_subscriptions

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
