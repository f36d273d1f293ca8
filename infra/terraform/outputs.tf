output "function_urls" {
  description = "Each function's URL (https://REGION-PROJECT.cloudfunctions.net/NAME): the path shape the local gateway serves."
  value       = { for name, f in google_cloudfunctions2_function.function : name => f.url }
}

output "intake_url" {
  description = "Where city systems POST complaints: {intake_url}/sources/{source}/complaints."
  value       = google_cloudfunctions2_function.function["intake"].url
}

output "public_base_url" {
  description = "SIGAP_PUBLIC_BASE_URL as deployed: the base of case links in notifications."
  value       = local.public_base_url
}

output "service_accounts" {
  description = "The service account of each function, and of push, scheduler and builds."
  value = merge(
    { for name, a in google_service_account.function : name => a.email },
    {
      "(pubsub push)" = google_service_account.pubsub_push.email
      "(scheduler)"   = google_service_account.scheduler.email
      "(build)"       = google_service_account.build.email
    },
  )
}

output "secrets" {
  description = "Secret Manager secrets (containers only) whose values people add, and whether each is mounted."
  value       = { for key, s in local.secrets : google_secret_manager_secret.secret[key].secret_id => { env = s.env, mounted = s.enabled } }
}

output "dead_letter_hold" {
  description = "The pull subscription that keeps every dead-lettered message (docs/deploy.md, \"Re-drive dead letters\")."
  value       = google_pubsub_subscription.dead_letter_hold.id
}
