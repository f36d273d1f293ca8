# Where alerts go: an e-mail channel per var.alert_emails, plus var.alert_notification_channels.
resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  display_name = "Sigap alerts: ${each.key}"
  type         = "email"
  labels = {
    email_address = each.key
  }

  depends_on = [google_project_service.api]
}

locals {
  alert_channels = concat(var.alert_notification_channels, [for c in google_monitoring_notification_channel.email : c.id])
}
