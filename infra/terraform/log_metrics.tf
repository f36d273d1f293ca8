# Figures that only the logs know (shared/logs.py writes one JSON object per line; Cloud
# Logging reads it as jsonPayload). Each filter names the exact message the code logs.
locals {
  log_base = "resource.type=\"cloud_run_revision\""
}

# A LAPOR! pull that finished its work: every page stored, or its time budget used with
# the cursor moved (shared/services/lapor_sync.py). None for 30 minutes: the sync is stuck.
resource "google_logging_metric" "lapor_sync_completed" {
  name        = "sigap/lapor_sync_completed"
  description = "LAPOR! sync runs that completed (outcome done or budget)"
  filter      = "${local.log_base} AND jsonPayload.message=\"lapor sync finished\" AND (jsonPayload.outcome=\"done\" OR jsonPayload.outcome=\"budget\")"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

# The age of the oldest event still in the outbox, as the sweep logs it each run
# (`outbox sweep checked`, field oldest_age_seconds, by drain_outbox in shared/services/outbox.py).
resource "google_logging_metric" "outbox_oldest_age" {
  name            = "sigap/outbox_oldest_age_seconds"
  description     = "Age in seconds of the oldest outbox event at each sweep"
  filter          = "${local.log_base} AND jsonPayload.message=\"outbox sweep checked\""
  value_extractor = "EXTRACT(jsonPayload.oldest_age_seconds)"
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "s"
  }
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 20
      growth_factor      = 2
      scale              = 1
    }
  }
}

# An outbound webhook or notification delivery parked after its last attempt
# (shared/services/webhooks.py; notification channels are subscriptions notify-email, ...).
resource "google_logging_metric" "deliveries_parked" {
  name        = "sigap/deliveries_parked"
  description = "Webhook and notification deliveries parked after their last attempt"
  filter      = "${local.log_base} AND jsonPayload.message=\"delivery parked after its last attempt; its destination is flagged\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "destination_id"
      value_type  = "STRING"
      description = "The webhook subscription, or notify-<channel>"
    }
  }
  label_extractors = { # shared/delivery/engine.py logs the destination as destination_id
    destination_id = "EXTRACT(jsonPayload.destination_id)"
  }
}

# A LAPOR! outbox item parked as dead (shared/services/lapor_push.py).
resource "google_logging_metric" "lapor_items_parked" {
  name        = "sigap/lapor_items_parked"
  description = "LAPOR! outbox items parked as dead after their last attempt"
  filter      = "${local.log_base} AND jsonPayload.message=\"lapor push: an item is parked as dead; re-drive it after fixing the cause\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}
