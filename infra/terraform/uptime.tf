# An uptime check on intake from Google's checkers: GET on a complaint path answers 405
# `method_not_allowed` only after the function started with its settings and catalog
# (bootstrap), and reads nothing and writes nothing.
resource "google_monitoring_uptime_check_config" "intake" {
  display_name = "Sigap intake"
  timeout      = "10s"
  period       = "300s"

  http_check {
    path           = "/intake/sources/uptime-check/complaints"
    port           = 443
    use_ssl        = true
    validate_ssl   = true
    request_method = "GET"
    accepted_response_status_codes {
      status_value = 405
    }
  }

  content_matchers {
    content = "method_not_allowed"
    matcher = "CONTAINS_STRING"
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project_id
      host       = trimprefix(local.functions_base_url, "https://")
    }
  }

  depends_on = [google_cloudfunctions2_function.function]
}
