# The (default) Firestore database in Native mode, its composite indexes (from
# infra/firestore.indexes.json) and TTL policies for the collections that only grow.
resource "google_firestore_database" "main" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED" # 7 days to read or restore from
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON" # terraform destroy never deletes the cases

  depends_on = [google_project_service.api]
}

resource "google_firestore_index" "index" {
  for_each = local.firestore_indexes

  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = each.value.collectionGroup
  query_scope = each.value.queryScope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

# TTL: Firestore deletes a document (within about a day) once its `expire_at` timestamp has
# passed. Documents without the field are kept, so a policy deletes nothing until the code
# writes the field (docs/deploy.md, "TTL"). The field is not indexed: TTL timestamps make
# hot index ranges and no query filters on them.
locals {
  ttl_field = "expire_at"
  ttl_collections = {
    idempotency_keys   = "the unit API's recorded answers to an Idempotency-Key: created_at + 30 days"
    deliveries         = "which case an intake webhook delivery created: created_at + 30 days"
    webhook_deliveries = "outbound webhook deliveries: delivered_at + 30 days once delivered; pending and parked ones keep none"
    notifications      = "notification deliveries: delivered_at + 30 days once delivered; pending and parked ones keep none"
    outbox             = "events left behind: created_at + 30 days (the sweep publishes them within minutes; an alert fires after 10)"
    limits             = "abuse limits' windows and lockouts (shared/adapters/firestore_limits.py): their end + 1 minute"
  }
}

resource "google_firestore_field" "ttl" {
  for_each = local.ttl_collections

  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = each.key
  field      = local.ttl_field

  ttl_config {}
  index_config {}
}
