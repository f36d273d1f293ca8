"""The security schemes of Sigap's HTTP functions, by the names the OpenAPI documents
give them; ``shared/web/auth.py`` (and the intake's signature check) enforce them."""
from __future__ import annotations

BEARER, UNIT_KEY, OPEN311_KEY, SESSION = "adminToken", "unitKey", "open311Key", "dashboardSession"
WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE = "webhookId", "webhookTimestamp", "webhookSignature"
SIGNED = (WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE)  # Standard Webhooks: all three together
TELEGRAM_SECRET = "telegramSecret"

SCHEMES: dict[str, dict[str, str]] = {
    BEARER: {"type": "http", "scheme": "bearer", "description": "the admin token (SIGAP_ADMIN_TOKEN)"},
    UNIT_KEY: {"type": "apiKey", "in": "header", "name": "X-Api-Key",
               "description": "a unit's API key (scope unit): it sees only its unit's cases; "
                              "a key of the coordinating unit (diskominfo) is the coordinator"},
    OPEN311_KEY: {"type": "apiKey", "in": "query", "name": "api_key",
                  "description": "an API key of scope open311; GeoReport v2 clients send it as a form field "
                                 "of the POST, which is accepted as well"},
    SESSION: {"type": "apiKey", "in": "cookie", "name": "sigap_dasbor",
              "description": "the dashboard's signed session cookie, set by POST /login"},
    WEBHOOK_ID: {"type": "apiKey", "in": "header", "name": "webhook-id",
                 "description": "Standard Webhooks: the delivery's id (at most 256 characters), "
                                "the idempotency key of the delivery"},
    WEBHOOK_TIMESTAMP: {"type": "apiKey", "in": "header", "name": "webhook-timestamp",
                        "description": "Standard Webhooks: Unix seconds, at most 5 minutes off"},
    WEBHOOK_SIGNATURE: {"type": "apiKey", "in": "header", "name": "webhook-signature",
                        "description": "Standard Webhooks: space-separated 'v1,<base64 HMAC-SHA256>' of "
                                       "'{id}.{timestamp}.{body}', keyed with the source's whsec_ secret"},
    TELEGRAM_SECRET: {"type": "apiKey", "in": "header", "name": "X-Telegram-Bot-Api-Secret-Token",
                      "description": "the secret_token given to Telegram's setWebhook (SIGAP_TELEGRAM_WEBHOOK_SECRET)"},
}
