# Every value a city sets for its deployment. Secret values are never variables: they are
# added to Secret Manager by people (docs/deploy.md, "Secret values"); here only which
# version each function mounts.

# --- Where ---------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "The Google Cloud project that holds Sigap, and nothing else (its alerts and IAM assume so)."
}

variable "region" {
  type        = string
  default     = "asia-southeast2"
  description = "Region of the functions, topics' storage, scheduler jobs, source bucket and secrets (asia-southeast2 is Jakarta)."
}

variable "firestore_location" {
  type        = string
  default     = "asia-southeast2"
  description = "Location of the (default) Firestore database, Native mode. It cannot be changed once the database exists."
}

variable "labels" {
  type        = map(string)
  default     = {}
  description = "Extra labels on every resource that takes labels (app=sigap and managed-by=terraform are always set)."
}

# --- Settings the functions read (shared/config.py) -------------------------------------------

variable "public_base_url" {
  type        = string
  default     = null
  description = "SIGAP_PUBLIC_BASE_URL: where case links in notifications point ({base}/cases/{id}); https. Default: the functions' own https://REGION-PROJECT.cloudfunctions.net."
  validation {
    condition     = var.public_base_url == null || can(regex("^https://[^/]+", var.public_base_url))
    error_message = "public_base_url must be an https:// URL."
  }
}

variable "lapor_base_url" {
  type        = string
  description = "SIGAP_LAPOR_BASE_URL: the national LAPOR! integration API (docs/lapor-contract.md). Required: production always syncs with LAPOR!."
  validation {
    condition     = can(regex("^https://[^/]+", var.lapor_base_url))
    error_message = "lapor_base_url must be an https:// URL."
  }
}

variable "lapor_page_size" {
  type        = number
  default     = 100
  description = "SIGAP_LAPOR_PAGE_SIZE: reports per page of a LAPOR! pull (1-100)."
  validation {
    condition     = var.lapor_page_size >= 1 && var.lapor_page_size <= 100
    error_message = "lapor_page_size must be from 1 to 100."
  }
}

variable "lapor_run_seconds" {
  type        = number
  default     = 240
  description = "SIGAP_LAPOR_RUN_SECONDS: a sync run stops starting pages after this; below the sync_lapor timeout of infra/topology.yaml."
  validation {
    condition     = var.lapor_run_seconds >= 1 && var.lapor_run_seconds <= 280
    error_message = "lapor_run_seconds must be from 1 to 280 (the function's timeout is 300 s)."
  }
}

variable "lapor_max_attempts" {
  type        = number
  default     = 8
  description = "SIGAP_LAPOR_MAX_ATTEMPTS: push attempts before a LAPOR! outbox item is parked dead (and alerted)."
  validation {
    condition     = var.lapor_max_attempts >= 1 && var.lapor_max_attempts <= 100
    error_message = "lapor_max_attempts must be from 1 to 100."
  }
}

variable "lapor_submit_sources" {
  type        = list(string)
  default     = ["*"]
  description = "SIGAP_LAPOR_SUBMIT_SOURCES: intake sources whose complaints are submitted to LAPOR! (\"*\" = every source)."
}

variable "smtp_host" {
  type        = string
  default     = null
  description = "SIGAP_SMTP_HOST: the SMTP relay for e-mail notifications; null: no e-mail channel (then telegram_enabled must be true)."
  validation {
    condition     = var.smtp_host != null || var.telegram_enabled
    error_message = "Production notifies people: set smtp_host (e-mail), telegram_enabled (Telegram), or both."
  }
}

variable "smtp_port" {
  type        = number
  default     = 587
  description = "SIGAP_SMTP_PORT."
}

variable "smtp_from" {
  type        = string
  default     = "Sigap Kota Metro <sigap@metrokota.go.id>"
  description = "SIGAP_SMTP_FROM: the sender of e-mail notifications."
}

variable "smtp_user" {
  type        = string
  default     = null
  description = "SIGAP_SMTP_USER: the SMTP login; when set, the secret sigap-smtp-password is mounted as SIGAP_SMTP_PASSWORD."
}

variable "smtp_starttls" {
  type        = bool
  default     = true
  description = "SIGAP_SMTP_STARTTLS: upgrade the SMTP connection with STARTTLS."
}

variable "telegram_enabled" {
  type        = bool
  default     = false
  description = "Whether the Telegram channel is used: mounts the secret sigap-telegram-bot-token as SIGAP_TELEGRAM_BOT_TOKEN (add its value first)."
}

variable "telegram_api_base" {
  type        = string
  default     = "https://api.telegram.org"
  description = "SIGAP_TELEGRAM_API_BASE: the Bot API base URL."
  validation {
    condition     = can(regex("^https://[^/]+", var.telegram_api_base))
    error_message = "telegram_api_base must be an https:// URL."
  }
}

variable "whatsapp_phone_number_id" {
  type        = string
  default     = null
  description = "SIGAP_WHATSAPP_PHONE_NUMBER_ID: the WhatsApp Business sending number's id; set, it mounts the secret sigap-whatsapp-token as SIGAP_WHATSAPP_TOKEN (add its value first) and heads get escalations on WhatsApp."
}

variable "whatsapp_api_base" {
  type        = string
  default     = "https://graph.facebook.com/v21.0"
  description = "SIGAP_WHATSAPP_API_BASE: the WhatsApp Business Cloud API base URL (with its Graph API version)."
  validation {
    condition     = can(regex("^https://[^/]+", var.whatsapp_api_base))
    error_message = "whatsapp_api_base must be an https:// URL."
  }
}

variable "webhook_allowlist" {
  type        = list(string)
  default     = []
  description = "SIGAP_WEBHOOK_ALLOWLIST: CIDRs that outbound webhooks and JSON notifications may reach although private (the SSRF guard refuses private addresses otherwise)."
  validation {
    condition     = alltrue([for cidr in var.webhook_allowlist : can(cidrhost(cidr, 0))])
    error_message = "Every webhook_allowlist entry must be a CIDR such as 10.20.0.0/16."
  }
}

variable "webhook_retry_schedule" {
  type        = list(number)
  default     = null
  description = "SIGAP_WEBHOOK_RETRY_SCHEDULE: seconds between outbound webhook attempts; null: the code's schedule (about 27 hours)."
}

variable "notify_retry_schedule" {
  type        = list(number)
  default     = null
  description = "SIGAP_NOTIFY_RETRY_SCHEDULE: seconds between notification attempts; null: the code's schedule (about 7 hours)."
}

variable "outbox_grace_seconds" {
  type        = number
  default     = 30
  description = "SIGAP_OUTBOX_GRACE_SECONDS: the outbox sweep publishes events left behind for longer than this."
}

variable "intake_publish_behind" {
  type        = bool
  default     = true
  description = "SIGAP_INTAKE_PUBLISH_BEHIND: intake answers once a complaint is committed and publishes its event behind the answer while the instance serves other requests (the last request in flight waits for every event); false publishes before each answer (docs/firestore-schema.md, Outbox)."
}

variable "catalog_dir" {
  type        = string
  default     = null
  description = "SIGAP_CATALOG_DIR: the city's catalog folder inside the deployed source; null: the bundled shared/catalog/kota-metro."
}

# --- Secrets -------------------------------------------------------------------------------------

variable "secret_versions" {
  type        = map(string)
  default     = {}
  description = "Secret Manager version each function mounts, by secret key (intake-secrets, admin-token, lapor-token, smtp-password, telegram-bot-token, telegram-webhook-secret, whatsapp-token); default \"latest\". Pin a number to roll a rotation out (and back) as a reviewed change."
  validation {
    condition     = alltrue([for v in values(var.secret_versions) : can(regex("^(latest|[1-9][0-9]*)$", v))])
    error_message = "secret_versions values must be \"latest\" or a version number."
  }
}

# --- Capacity and access -----------------------------------------------------------------------

variable "function_memory" {
  type        = string
  default     = "512M"
  description = "Memory of every function (gen2 available_memory)."
}

variable "max_instances" {
  type        = map(number)
  default     = {}
  description = "Maximum instances per function name, over the defaults (HTTP 20, topic-fed 10, scheduled 5)."
}

variable "request_concurrency" {
  type        = map(number)
  default     = { intake = 16 }
  description = "Requests one instance serves at once, per function name; default 1. Above 1 the instance gets a whole CPU (gen2 needs it) and its concurrent commits share round trips (docs/firestore-schema.md, group commit)."
  validation {
    condition     = alltrue([for n in values(var.request_concurrency) : n >= 1 && n <= 80])
    error_message = "request_concurrency values must be between 1 and 80."
  }
}

variable "min_instances" {
  type        = map(number)
  default     = {}
  description = "Minimum (warm) instances per function name; default 0. E.g. { intake = 1 } to spare callers a cold start."
}

variable "admin_invokers" {
  type        = list(string)
  default     = []
  description = "IAM members (e.g. group:sigap-admins@metrokota.go.id) who may call the admin APIs cases and webhooks; they also need the admin token."
}

# --- Operations ----------------------------------------------------------------------------------

variable "alert_notification_channels" {
  type        = list(string)
  default     = []
  description = "Existing Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) every alert goes to."
}

variable "alert_emails" {
  type        = list(string)
  default     = []
  description = "E-mail addresses to get a notification channel each, for every alert (added to alert_notification_channels)."
}

variable "error_ratio_threshold" {
  type        = number
  default     = 0.05
  description = "Alert when a function answers more than this share of its requests with 5xx over 10 minutes."
  validation {
    condition     = var.error_ratio_threshold > 0 && var.error_ratio_threshold < 1
    error_message = "error_ratio_threshold must be between 0 and 1."
  }
}

variable "source_dir" {
  type        = string
  default     = null
  description = "The staged function source (infra.deploy.stage_source() output); null: build/functions of this repository."
}

variable "edge_domain" {
  type        = string
  default     = null
  description = "The domain of the edge (issue 14, edge.tf): an HTTPS load balancer with Cloud Armor rate limits in front of the public functions, which then take traffic only through it. Unset: no edge."
}
