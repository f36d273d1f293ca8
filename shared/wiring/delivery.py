"""Outbound webhooks and notifications: their stores and senders."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_notifications import FirestoreNotificationStore
    from shared.adapters.firestore_webhooks import FirestoreWebhookStore
    from shared.adapters.http_webhooks import HttpWebhookSender
    from shared.adapters.notification_senders import NotificationSender


class DeliveryParts(Core):
    @cached_property
    def webhook_store(self) -> FirestoreWebhookStore:
        from shared.adapters.firestore_webhooks import FirestoreWebhookStore
        return FirestoreWebhookStore(self.firestore)

    @cached_property
    def webhook_sender(self) -> HttpWebhookSender:
        from shared.adapters.http_webhooks import HttpWebhookSender
        from shared.domain.integrations.url_safety import UrlPolicy
        return HttpWebhookSender(UrlPolicy.parse(self.settings.webhook_allow_http, self.settings.webhook_allowlist))

    @cached_property
    def notification_store(self) -> FirestoreNotificationStore:
        from shared.adapters.firestore_notifications import FirestoreNotificationStore
        return FirestoreNotificationStore(self.firestore)

    @cached_property
    def notification_sender(self) -> NotificationSender:
        from shared.adapters.notification_senders import NotificationSender, SmtpSettings
        s = self.settings
        smtp = SmtpSettings(s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_user, s.smtp_password,
                            s.smtp_starttls) if s.smtp_host else None
        return NotificationSender(smtp=smtp, telegram_base=s.telegram_api_base, telegram_token=s.telegram_bot_token,
                                  webhook_sender=self.webhook_sender)
