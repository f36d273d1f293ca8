# One Cloud Scheduler job per scheduled function, on its cron in Asia/Jakarta (WIB). A job
# publishes its tick {"schedule": "<function>"} to the function's topic through the Pub/Sub
# API as the scheduler account, which may publish to the tick topics and nothing else; the
# push subscription then delivers it like any message, with retries and dead-lettering.
resource "google_cloud_scheduler_job" "tick" {
  for_each = local.scheduled

  name             = "tick-${each.value.service}"
  region           = var.region
  description      = "Tick of ${each.key}: ${each.value.cron} WIB onto ${each.value.topic}"
  schedule         = each.value.cron
  time_zone        = "Asia/Jakarta"
  attempt_deadline = "30s"

  retry_config {
    retry_count          = 2
    min_backoff_duration = "5s"
    max_backoff_duration = "30s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://pubsub.googleapis.com/v1/${google_pubsub_topic.topic[each.value.topic].id}:publish"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode(jsonencode({ messages = [{ data = base64encode(jsonencode({ schedule = each.key })) }] }))

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/pubsub"
    }
  }

  depends_on = [google_pubsub_topic_iam_member.scheduler_publisher]
}
