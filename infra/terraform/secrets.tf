# Secret Manager secrets: containers only. Their values are added by people with gcloud
# (docs/deploy.md, "Secret values"), never by Terraform or git, so no value is ever in the
# state or the repository. Each is mounted only into the functions access.tf names, as the
# environment variable shared/config.py reads; an optional channel's secret only when the
# channel is on.
locals {
  secrets = {
    intake-secrets = {
      env         = "SIGAP_INTAKE_SECRETS"
      enabled     = true
      description = "JSON object {\"source-id\": \"whsec_...\"}: the Standard Webhooks secret of each intake source"
    }
    admin-token = {
      env         = "SIGAP_ADMIN_TOKEN"
      enabled     = true
      description = "The admin bearer token (at least 16 characters) of cases, units, webhooks and reports"
    }
    lapor-token = {
      env         = "SIGAP_LAPOR_TOKEN"
      enabled     = true
      description = "The access token of the LAPOR! integration API"
    }
    smtp-password = {
      env         = "SIGAP_SMTP_PASSWORD"
      enabled     = var.smtp_user != null
      description = "The password of SIGAP_SMTP_USER on the SMTP relay"
    }
    telegram-bot-token = {
      env         = "SIGAP_TELEGRAM_BOT_TOKEN"
      enabled     = var.telegram_enabled
      description = "The Telegram Bot API token of the notification bot"
    }
  }
}

resource "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  secret_id = "sigap-${each.key}"
  labels    = { purpose = each.key }
  annotations = {
    description = each.value.description
    env         = each.value.env
  }

  replication {
    user_managed {
      replicas {
        location = var.region # stays in Indonesia
      }
    }
  }

  depends_on = [google_project_service.api]
}
