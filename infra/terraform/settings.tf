# The environment of each function: the common settings, then only the settings its entry
# in access.tf names (a setting left null is not set, and the code's default applies).
locals {
  functions_base_url = "https://${var.region}-${var.project_id}.cloudfunctions.net"
  public_base_url    = coalesce(var.public_base_url, local.functions_base_url)

  common_settings = merge(
    {
      SIGAP_PROJECT_ID = var.project_id
      SIGAP_ENV        = "production" # the code refuses to start without the settings it needs here
      LOG_EXECUTION_ID = "true"       # set by Cloud Functions anyway; stated so that plans show no drift
      # X-Forwarded-For entries our front ends append (Google's front end; with the edge, the load
      # balancer adds its own after the client's): the abuse limits' client address (issue 14)
      SIGAP_TRUSTED_PROXY_HOPS = local.edge_enabled ? "2" : "1"
    },
    var.catalog_dir == null ? {} : { SIGAP_CATALOG_DIR = var.catalog_dir },
  )

  setting_values = {
    SIGAP_PUBLIC_BASE_URL          = local.public_base_url
    SIGAP_LAPOR_BASE_URL           = var.lapor_base_url
    SIGAP_LAPOR_PAGE_SIZE          = tostring(var.lapor_page_size)
    SIGAP_LAPOR_RUN_SECONDS        = tostring(var.lapor_run_seconds)
    SIGAP_LAPOR_MAX_ATTEMPTS       = tostring(var.lapor_max_attempts)
    SIGAP_LAPOR_SUBMIT_SOURCES     = join(",", var.lapor_submit_sources)
    SIGAP_SMTP_HOST                = var.smtp_host
    SIGAP_SMTP_PORT                = tostring(var.smtp_port)
    SIGAP_SMTP_FROM                = var.smtp_from
    SIGAP_SMTP_USER                = var.smtp_user
    SIGAP_SMTP_STARTTLS            = tostring(var.smtp_starttls)
    SIGAP_TELEGRAM_API_BASE        = var.telegram_api_base
    SIGAP_WHATSAPP_API_BASE        = var.whatsapp_api_base
    SIGAP_WHATSAPP_PHONE_NUMBER_ID = var.whatsapp_phone_number_id
    SIGAP_WEBHOOK_ALLOWLIST        = length(var.webhook_allowlist) == 0 ? null : join(",", var.webhook_allowlist)
    SIGAP_WEBHOOK_RETRY_SCHEDULE   = var.webhook_retry_schedule == null ? null : join(",", [for s in var.webhook_retry_schedule : tostring(s)])
    SIGAP_NOTIFY_RETRY_SCHEDULE    = var.notify_retry_schedule == null ? null : join(",", [for s in var.notify_retry_schedule : tostring(s)])
    SIGAP_OUTBOX_GRACE_SECONDS     = tostring(var.outbox_grace_seconds)
    SIGAP_INTAKE_PUBLISH_BEHIND    = tostring(var.intake_publish_behind)
  }

  # SIGAP_FUNCTION: the function's own name, so that in production it checks the settings it
  # needs at start (PRODUCTION_REQUIREMENTS in shared/config.py; docs/deploy.md).
  function_env = {
    for name, f in local.functions : name => merge(local.common_settings, { SIGAP_FUNCTION = name }, {
      for key in f.access.settings : key => local.setting_values[key] if local.setting_values[key] != null
    })
  }
}
