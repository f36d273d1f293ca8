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
    link-secret = {
      env         = "SIGAP_LINK_SECRET"
      enabled     = true
      description = "At least 32 characters: signs people's case links, one-time sign-in links and sessions"
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
    telegram-webhook-secret = {
      env         = "SIGAP_TELEGRAM_WEBHOOK_SECRET"
      enabled     = var.telegram_enabled
      description = "16-256 characters of A-Z a-z 0-9 _ -: the secret_token given to setWebhook, checked on every update"
    }
    whatsapp-token = {
      env         = "SIGAP_WHATSAPP_TOKEN"
      enabled     = var.whatsapp_phone_number_id != null
      description = "The WhatsApp Business Cloud API access token (a system user's) of the sending number"
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
