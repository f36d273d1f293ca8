# Who may invoke which function (Cloud Run's run.invoker on the function's service):
#   public   -> allUsers: intake, open311, units and the reports dashboard answer the
#               internet and check a signature, an API key or the admin token themselves
#   admin    -> var.admin_invokers only (an identity token in X-Serverless-Authorization,
#               then the admin token in Authorization): cases, webhooks
#   internal -> the Pub/Sub push account only: every topic-fed and scheduled function
locals {
  public_functions = { for name, f in local.functions : name => f if f.access.exposure == "public" }
  admin_invokers = merge([
    for name, f in local.functions : { for member in var.admin_invokers : "${name}:${member}" => { function = name, member = member } }
    if f.access.exposure == "admin"
  ]...)
}

resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = local.public_functions

  location = var.region
  name     = google_cloudfunctions2_function.function[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "admin" {
  for_each = local.admin_invokers

  location = var.region
  name     = google_cloudfunctions2_function.function[each.value.function].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value.member
}

resource "google_cloud_run_v2_service_iam_member" "pubsub_push" {
  for_each = local.fed

  location = var.region
  name     = google_cloudfunctions2_function.function[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pubsub_push.email}"
}
