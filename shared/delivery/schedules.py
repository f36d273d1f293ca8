"""The default retry schedules, as plain seconds to wait before attempt n+1 after attempt n
failed (n = 1..len; attempts = len + 1). The settings (shared/config.py) take them as
defaults without importing the delivery engine's types, which intake never uses (its cold
start, docs/benchmarks.md). Pure; imports nothing."""

# Outbound webhooks: the Standard Webhooks schedule, about 27.6 hours in all
# (SIGAP_WEBHOOK_RETRY_SCHEDULE).
WEBHOOK_RETRY_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
# Notifications to people: 6 attempts over about 7 hours (SIGAP_NOTIFY_RETRY_SCHEDULE).
NOTIFY_RETRY_SCHEDULE: tuple[float, ...] = (30.0, 120.0, 600.0, 3600.0, 21600.0)
