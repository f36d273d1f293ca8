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
    from shared.adapters.telegram import TelegramReplies
    from shared.services.notify import CaseLink


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
        whatsapp = None
        if s.whatsapp_token and s.whatsapp_phone_number_id:
            from shared.adapters.whatsapp import WhatsAppClient
            whatsapp = WhatsAppClient(base_url=s.whatsapp_api_base, phone_number_id=s.whatsapp_phone_number_id,
                                      token=s.whatsapp_token)
        return NotificationSender(smtp=smtp, telegram_base=s.telegram_api_base, telegram_token=s.telegram_bot_token,
                                  webhook_sender=self.webhook_sender, whatsapp=whatsapp)

    @cached_property
    def case_link(self) -> CaseLink:
        """The case page's link in a message: signed for its recipient (SIGAP_LINK_SECRET), else bare."""
        from shared.services.notify import unsigned_case_link
        s = self.settings
        if not s.link_secret:
            return unsigned_case_link(s.public_base_url)
        from shared.web.links import signed_case_url
        secret, base = s.link_secret, s.public_base_url
        return lambda case_id, recipient: signed_case_url(base, case_id, recipient, secret=secret,
                                                          now=self.clock.now())

    @cached_property
    def chat_replies(self) -> TelegramReplies | None:
        """The Telegram bot's answers to its webhook's updates (None without a bot token)."""
        if not self.settings.telegram_bot_token:
            return None
        from shared.adapters.telegram import TelegramClient, TelegramReplies
        return TelegramReplies(TelegramClient(base_url=self.settings.telegram_api_base,
                                              token=self.settings.telegram_bot_token))
