# The edge (issue 14): an external HTTPS load balancer in front of the public functions, with
# a Cloud Armor policy of rate-based rules per client address. Created only when
# var.edge_domain is set; the public functions then take traffic only through it
# (ingress ALLOW_INTERNAL_AND_GCLB, access.tf), so the edge cannot be bypassed.
#
# What the edge limits and what the functions limit (shared/web/limits.py, docs/operations.md):
#   - per client address, every request: here (Cloud Armor counts at Google's front end, for
#     free per request beyond the policy's price); the functions count it too, in Firestore,
#     with a higher limit (SIGAP_LIMIT_ADDRESS_PER_MINUTE), as a second line and for make run;
#   - per source, per API key, and the lockout after failed authentications: in the functions
#     only, because the edge cannot see which source or key a request is, nor whether it failed.
locals {
  edge_enabled   = var.edge_domain != null
  edge_functions = local.edge_enabled ? { for name, a in local.function_access : name => a if a.exposure == "public" } : {}
  # requests per client address per minute, at the edge (throttled past it: 429)
  edge_rates = {
    all    = { priority = 1000, per_minute = 600, expression = "true" }
    intake = { priority = 900, per_minute = 300, expression = "request.path.startsWith('/intake/')" }
    signin = { priority = 800, per_minute = 30, expression = "request.path.startsWith('/reports/login') || request.path.startsWith('/reports/masuk')" }
  }
}

resource "google_compute_security_policy" "edge" {
  count       = local.edge_enabled ? 1 : 0
  project     = var.project_id
  name        = "sigap-edge"
  description = "Sigap: rate limits per client address in front of the public functions"

  advanced_options_config {
    log_level    = "NORMAL"
    json_parsing = "STANDARD"
  }

  rule {
    action      = "deny(403)"
    priority    = 100
    description = "Log4j CVE-2021-44228 probes (checkov CKV_GCP_73)"
    match {
      expr {
        expression = "evaluatePreconfiguredExpr('cve-canary')"
      }
    }
  }

  dynamic "rule" {
    for_each = local.edge_rates
    content {
      action      = "throttle"
      priority    = rule.value.priority
      description = "at most ${rule.value.per_minute} requests a minute per address (${rule.key})"
      match {
        expr {
          expression = rule.value.expression
        }
      }
      rate_limit_options {
        conform_action = "allow"
        exceed_action  = "deny(429)"
        enforce_on_key = "IP"
        rate_limit_threshold {
          count        = rule.value.per_minute
          interval_sec = 60
        }
      }
    }
  }

  rule {
    action      = "allow"
    priority    = 2147483647
    description = "everything else"
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

resource "google_compute_region_network_endpoint_group" "edge" {
  for_each              = local.edge_functions
  project               = var.project_id
  name                  = "sigap-edge-${replace(each.key, "_", "-")}"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloudfunctions2_function.function[each.key].service_config[0].service
  }
}

resource "google_compute_backend_service" "edge" {
  for_each              = local.edge_functions
  project               = var.project_id
  name                  = "sigap-edge-${replace(each.key, "_", "-")}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.edge[0].id
  backend {
    group = google_compute_region_network_endpoint_group.edge[each.key].id
  }
  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

resource "google_compute_url_map" "edge" {
  count           = local.edge_enabled ? 1 : 0
  project         = var.project_id
  name            = "sigap-edge"
  default_service = google_compute_backend_service.edge["intake"].id

  host_rule {
    hosts        = [var.edge_domain]
    path_matcher = "functions"
  }

  path_matcher {
    name            = "functions"
    default_service = google_compute_backend_service.edge["intake"].id
    # /<function>/... reaches the function as /... (the paths of the local gateway, make run)
    dynamic "route_rules" {
      for_each = { for i, name in sort(keys(local.edge_functions)) : name => i }
      content {
        priority = route_rules.value + 1
        service  = google_compute_backend_service.edge[route_rules.key].id
        match_rules {
          prefix_match = "/${route_rules.key}/"
        }
        route_action {
          url_rewrite {
            path_prefix_rewrite = "/"
          }
        }
      }
    }
  }
}

resource "google_compute_ssl_policy" "edge" {
  count           = local.edge_enabled ? 1 : 0
  project         = var.project_id
  name            = "sigap-edge"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_managed_ssl_certificate" "edge" {
  count   = local.edge_enabled ? 1 : 0
  project = var.project_id
  name    = "sigap-edge"
  managed {
    domains = [var.edge_domain]
  }
}

resource "google_compute_target_https_proxy" "edge" {
  count            = local.edge_enabled ? 1 : 0
  project          = var.project_id
  name             = "sigap-edge"
  url_map          = google_compute_url_map.edge[0].id
  ssl_certificates = [google_compute_managed_ssl_certificate.edge[0].id]
  ssl_policy       = google_compute_ssl_policy.edge[0].id
}

resource "google_compute_global_address" "edge" {
  count   = local.edge_enabled ? 1 : 0
  project = var.project_id
  name    = "sigap-edge"
}

resource "google_compute_global_forwarding_rule" "edge" {
  count                 = local.edge_enabled ? 1 : 0
  project               = var.project_id
  name                  = "sigap-edge"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.edge[0].id
  port_range            = "443"
  target                = google_compute_target_https_proxy.edge[0].id
}
