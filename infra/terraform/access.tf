# What each function uses, and so the only rights its service account gets. Derived from
# functions/main.py (the service each entry point calls), shared/bootstrap.py (the adapters
# it builds) and shared/services/*.py (what those publish); docs/deploy.md has the same
# table for people, and tests/unit/test_terraform.py checks both against infra/topology.yaml.
#
#   exposure   public:   reachable from the internet, anyone may invoke (the app checks a
#                        signature, an API key or the admin token / dashboard session)
#              admin:    reachable from the internet, invoked only by var.admin_invokers
#                        (IAM identity token) and then the admin token
#              internal: ingress from Google's own services only, invoked only by Pub/Sub push
#   firestore  user (reads and writes) or viewer (reads only)
#   publishes  topics it publishes to (events, wake-ups, alerts)
#   secrets    Secret Manager secrets it reads (keys of local.secrets in secrets.tf)
#   settings   non-secret settings it reads beyond the common ones (settings.tf)
locals {
  function_access = {
    intake = { # POST /intake/sources/{source}/complaints: receive_complaint
      exposure  = "public"
      firestore = "user"
      publishes = ["complaint-received"]
      secrets   = ["intake-secrets"]
      settings  = ["SIGAP_INTAKE_PUBLISH_BEHIND"]
    }
    cases = { # GET /cases, /cases/{id}: the admin read API; GET/DELETE /cases/routing-model (issue 12)
      exposure  = "admin"
      firestore = "user" # reads, and the reset of what routing learned (routing_corrections, routing_model)
      publishes = []
      secrets   = ["admin-token"]
      settings  = []
    }
    open311 = { # GeoReport v2: api keys in Firestore; a request becomes a case through receive_complaint
      exposure  = "public"
      firestore = "user"
      publishes = ["complaint-received"]
      secrets   = []
      settings  = []
    }
    units = { # act_on_case: unit API keys, or the admin token as coordinator
      exposure  = "public"
      firestore = "user"
      publishes = ["complaint-updated", "complaint-resolved", "complaint-triaged", "complaint-assigned"]
      secrets   = ["admin-token"]
      settings  = []
    }
    webhooks = { # outbound webhook subscriptions (admin); redrive wakes deliver_webhooks
      exposure  = "admin"
      firestore = "user"
      publishes = ["webhook-deliveries"]
      secrets   = ["admin-token"]
      settings  = ["SIGAP_WEBHOOK_ALLOWLIST"] # the SSRF guard at subscription
    }
    reports = { # figures, CSV, dashboard; people's sign-in, case page and unit inbox (docs/people.md)
      exposure  = "public"
      firestore = "user" # the inbox's actions (act_on_case) and the used sign-in nonces
      publishes = ["complaint-updated", "complaint-resolved", "complaint-triaged", "complaint-assigned"]
      # the admin token (scripts, the old login form); the link secret (links, sessions); the
      # channels a sign-in link is sent through
      secrets = ["admin-token", "link-secret", "smtp-password", "telegram-bot-token"]
      settings = ["SIGAP_PUBLIC_BASE_URL", "SIGAP_SMTP_HOST", "SIGAP_SMTP_PORT", "SIGAP_SMTP_FROM", "SIGAP_SMTP_USER",
      "SIGAP_SMTP_STARTTLS", "SIGAP_TELEGRAM_API_BASE"]
    }
    route = { # route_case
      exposure  = "internal"
      firestore = "user"
      publishes = ["complaint-assigned", "complaint-triaged", "complaint-late"]
      secrets   = []
      settings  = []
    }
    sweep_outbox = { # drain_outbox: re-publishes any event an announce() left in the outbox
      exposure  = "internal"
      firestore = "user"
      publishes = ["complaint-received", "complaint-assigned", "complaint-triaged", "complaint-late", "complaint-updated",
      "complaint-resolved", "complaint-reminder", "complaint-escalated"]
      secrets  = []
      settings = ["SIGAP_OUTBOX_GRACE_SECONDS"]
    }
    dispatch_webhooks = { # queue_deliveries, then a wake-up
      exposure  = "internal"
      firestore = "user"
      publishes = ["webhook-deliveries"]
      secrets   = []
      settings  = []
    }
    deliver_webhooks = { # deliver_due: signed POSTs to subscribers
      exposure  = "internal"
      firestore = "user"
      publishes = []
      secrets   = []
      settings  = ["SIGAP_WEBHOOK_ALLOWLIST", "SIGAP_WEBHOOK_RETRY_SCHEDULE"]
    }
    notify = { # queue_notifications: links to SIGAP_PUBLIC_BASE_URL; plans only configured channels
      exposure  = "internal"
      firestore = "user"
      publishes = ["notification-deliveries"]
      # NotificationSender.channels() plans Telegram (WhatsApp) only when the bot token (the
      # WhatsApp token) is set: notify reads them for that alone (docs/deploy.md: a
      # SIGAP_NOTIFY_CHANNELS setting would spare it). The link secret signs each case link.
      secrets  = ["telegram-bot-token", "whatsapp-token", "link-secret"]
      settings = ["SIGAP_PUBLIC_BASE_URL", "SIGAP_SMTP_HOST", "SIGAP_WHATSAPP_PHONE_NUMBER_ID"]
    }
    deliver_notifications = { # deliver_due: e-mail, Telegram, WhatsApp, JSON webhook
      exposure  = "internal"
      firestore = "user"
      publishes = []
      secrets   = ["smtp-password", "telegram-bot-token", "whatsapp-token"]
      settings = ["SIGAP_SMTP_HOST", "SIGAP_SMTP_PORT", "SIGAP_SMTP_FROM", "SIGAP_SMTP_USER", "SIGAP_SMTP_STARTTLS",
        "SIGAP_TELEGRAM_API_BASE", "SIGAP_WHATSAPP_API_BASE", "SIGAP_WHATSAPP_PHONE_NUMBER_ID",
      "SIGAP_WEBHOOK_ALLOWLIST", "SIGAP_NOTIFY_RETRY_SCHEDULE"]
    }
    telegram_webhook = { # the bot's buttons and replies: act_on_case as the person of contacts.yaml
      exposure  = "public"
      firestore = "user"
      publishes = ["complaint-updated"] # acknowledge and follow-up
      # the webhook's secret_token (checked on every update); the bot token answers the buttons
      secrets  = ["telegram-webhook-secret", "telegram-bot-token"]
      settings = ["SIGAP_TELEGRAM_API_BASE"]
    }
    reports_ingest = { # ingest_case: the report aggregates; the case's facts rows to BigQuery (issue 15)
      exposure  = "internal"
      firestore = "user"
      publishes = ["report-facts"]
      secrets   = []
      settings  = []
    }
    escalate = { # escalate_due: reminders, escalations, closing by the national completion rule
      exposure  = "internal"
      firestore = "user"
      publishes = ["complaint-reminder", "complaint-escalated", "complaint-updated"]
      secrets   = []
      settings  = []
    }
    learn_routing = { # routing_learning.learn: corrections + their cases -> routing_model/current (issue 12)
      exposure  = "internal"
      firestore = "user"
      publishes = []
      secrets   = []
      settings  = []
    }
    digest = { # daily_digest
      exposure  = "internal"
      firestore = "user"
      publishes = ["digest-daily"]
      secrets   = []
      settings  = []
    }
    sync_lapor = { # sync_from_lapor: new reports, changes pulled from LAPOR!, integration alerts
      exposure  = "internal"
      firestore = "user"
      publishes = ["complaint-received", "complaint-updated", "complaint-resolved", "complaint-triaged",
      "complaint-assigned", "sigap-alerts"]
      secrets  = ["lapor-token"]
      settings = ["SIGAP_LAPOR_BASE_URL", "SIGAP_LAPOR_PAGE_SIZE", "SIGAP_LAPOR_RUN_SECONDS"]
    }
    push_lapor = { # push_to_lapor: the lapor_outbox; a parked item raises an integration alert
      exposure  = "internal"
      firestore = "user"
      publishes = ["sigap-alerts"]
      secrets   = ["lapor-token"]
      settings  = ["SIGAP_LAPOR_BASE_URL", "SIGAP_LAPOR_MAX_ATTEMPTS"]
    }
    queue_lapor_submission = { # queue_submission, then a wake-up of push_lapor
      exposure  = "internal"
      firestore = "user"
      publishes = ["lapor-push"]
      secrets   = []
      settings  = ["SIGAP_LAPOR_SUBMIT_SOURCES"]
    }
  }

  firestore_roles = { user = "roles/datastore.user", viewer = "roles/datastore.viewer" }
  ingress = {
    public   = var.edge_domain == null ? "ALLOW_ALL" : "ALLOW_INTERNAL_AND_GCLB" # behind the edge (edge.tf)
    admin    = "ALLOW_ALL"
    internal = "ALLOW_INTERNAL_ONLY"
  }
}
