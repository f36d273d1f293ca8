# Nothing runs as the default compute account. One account per function, holding only what
# its entry in access.tf names (iam.tf); one for Pub/Sub push, one for the scheduler jobs,
# one for the builds. No account has a key: Google's services mint short-lived tokens.
resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "sigap-${each.value.service}"
  display_name = "Sigap function ${each.key}"
  description  = "Runs the ${each.key} function; rights: infra/terraform/access.tf"

  depends_on = [google_project_service.api]
}

resource "google_service_account" "pubsub_push" {
  account_id   = "sigap-pubsub-push"
  display_name = "Sigap Pub/Sub push"
  description  = "The identity of every push subscription: invokes the topic-fed and scheduled functions, nothing else"

  depends_on = [google_project_service.api]
}

resource "google_service_account" "scheduler" {
  account_id   = "sigap-scheduler"
  display_name = "Sigap scheduler"
  description  = "Cloud Scheduler jobs publish their ticks as this account: publisher on the tick topics only"

  depends_on = [google_project_service.api]
}

resource "google_service_account" "build" {
  account_id   = "sigap-build"
  display_name = "Sigap function builds"
  description  = "Cloud Build builds the functions as this account: reads the source, writes images and build logs"

  depends_on = [google_project_service.api]
}
