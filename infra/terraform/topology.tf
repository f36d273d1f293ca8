# The one description of Sigap's functions, triggers, schedules, timeouts, topics and
# dead-lettering is infra/topology.yaml; the local stack reads the same file. Nothing
# here restates it: every function, topic, subscription and job is a for_each over it.
locals {
  topology    = yamldecode(file("${path.module}/../topology.yaml"))
  dead_letter = local.topology.dead_letter
  retry       = local.topology.retry

  # name (the entry point in functions/main.py) => what Terraform needs of it
  functions = {
    for f in local.topology.functions : f.name => {
      trigger         = f.trigger
      service         = replace(f.name, "_", "-") # the Cloud Functions / Cloud Run name
      topic           = try(f.topic, null)        # one feeding topic (or a schedule's topic)
      topics          = try(f.topics, [])         # several feeding topics, one subscription each
      cron            = try(f.cron, null)
      timeout_seconds = try(f.timeout_seconds, 60)
      ack_deadline    = try(f.ack_deadline_seconds, local.topology.ack_deadline_seconds)
      # A function in topology.yaml without an entry in access.tf fails here, naming it.
      access = local.function_access[f.name]
    }
  }

  # Push subscriptions, named as the local stack names them (infra/local): "<function>-push"
  # for a function's one topic, "<function>-<topic>" for each of several.
  push_subscriptions = merge(
    { for name, f in local.functions : "${name}-push" => { function = name, topic = f.topic } if f.topic != null },
    { for pair in flatten([for name, f in local.functions : [for t in f.topics : { function = name, topic = t }]]) :
    "${pair.function}-${pair.topic}" => pair },
  )

  scheduled = { for name, f in local.functions : name => f if f.trigger == "schedule" }
  http      = { for name, f in local.functions : name => f if f.trigger == "http" }
  fed       = { for name, f in local.functions : name => f if f.trigger != "http" } # called by Pub/Sub push

  default_max_instances = { http = 20, topic = 10, schedule = 5 }

  # Composite indexes: infra/firestore.indexes.json, the file the emulator tests check too.
  firestore_indexes = {
    for i in jsondecode(file("${path.module}/../firestore.indexes.json")).indexes :
    "${i.collectionGroup}:${lower(i.queryScope)}:${join(",", [for f in i.fields : "${f.fieldPath}-${lower(try(f.order, f.arrayConfig))}"])}" => i
  }
}
