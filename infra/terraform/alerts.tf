# Cloud Monitoring alert policies; what each means and what to do is in docs/deploy.md,
# "Alerts". Series are grouped by service, so a new revision never reads as a gap.
locals {
  services_regex = join("|", sort([for f in local.functions : f.service]))
  runbook        = "Runbook: docs/deploy.md in the Sigap repository, section \"Alerts\"."
  user_metric    = "metric.type = \"logging.googleapis.com/user"
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "Sigap: messages in the dead-letter hold"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "${local.dead_letter.hold_subscription} holds undelivered messages"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.label.subscription_id = \"${google_pubsub_subscription.dead_letter_hold.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "60s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "A message failed ${local.dead_letter.max_delivery_attempts} deliveries to its function and waits in ${local.dead_letter.hold_subscription}. ${local.runbook}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "error_ratio" {
  display_name          = "Sigap: function error ratio"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "More than ${var.error_ratio_threshold * 100}% of a function's requests answered 5xx over 10 minutes"
    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND resource.label.service_name = monitoring.regex.full_match(\"${local.services_regex}\") AND metric.type = \"run.googleapis.com/request_count\" AND metric.label.response_code_class = \"5xx\""
      denominator_filter = "resource.type = \"cloud_run_revision\" AND resource.label.service_name = monitoring.regex.full_match(\"${local.services_regex}\") AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.error_ratio_threshold
      duration           = "300s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    content   = "A function fails more than it should; its logs name the error (severity ERROR). ${local.runbook}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "lapor_sync_stalled" {
  display_name          = "Sigap: LAPOR! sync not advancing"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "No completed LAPOR! sync run for 30 minutes"
    condition_absent {
      filter   = "resource.type = \"cloud_run_revision\" AND ${local.user_metric}/${google_logging_metric.lapor_sync_completed.name}\""
      duration = "1800s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    content   = "sync_lapor has not finished a run (outcome done or budget) for 30 minutes: reports on LAPOR! are not reaching Sigap. ${local.runbook}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "outbox_stale" {
  display_name          = "Sigap: outbox events older than 10 minutes"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "The oldest outbox event is older than 10 minutes"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND ${local.user_metric}/${google_logging_metric.outbox_oldest_age.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 600
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  conditions {
    display_name = "The outbox sweep has not reported for 10 minutes"
    condition_absent {
      filter   = "resource.type = \"cloud_run_revision\" AND ${local.user_metric}/${google_logging_metric.outbox_oldest_age.name}\""
      duration = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_COUNT"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    content   = "Committed events are not being published: consumers (routing, notifications, webhooks) do not hear of changes. ${local.runbook}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "deliveries_parked" {
  display_name          = "Sigap: parked webhook, notification or LAPOR! deliveries"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.alert_channels

  conditions {
    display_name = "A webhook or notification delivery was parked"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND ${local.user_metric}/${google_logging_metric.deliveries_parked.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.destination_id"]
      }
    }
  }

  conditions {
    display_name = "A LAPOR! outbox item was parked as dead"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND ${local.user_metric}/${google_logging_metric.lapor_items_parked.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    content   = "A delivery used its last attempt and waits for a re-drive after the cause is fixed. ${local.runbook}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "intake_down" {
  display_name          = "Sigap: intake unreachable"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = local.alert_channels

  conditions {
    display_name = "The intake uptime check fails from more than one region"
    condition_threshold {
      filter          = "resource.type = \"uptime_url\" AND metric.type = \"monitoring.googleapis.com/uptime_check/check_passed\" AND metric.label.check_id = \"${google_monitoring_uptime_check_config.intake.uptime_check_id}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "600s"
      aggregations {
        alignment_period     = "1200s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.host"]
      }
    }
  }

  documentation {
    content   = "City systems cannot deliver complaints (they retry, but nothing new arrives). ${local.runbook}"
    mime_type = "text/markdown"
  }
}
