"""The national LAPOR! platform: its API client and Sigap's sync and push state."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_lapor import FirestoreLaporStore
    from shared.adapters.lapor_client import HttpLaporClient


class LaporParts(Core):
    @cached_property
    def lapor_client(self) -> HttpLaporClient | None:
        """The national platform's API, or None when SIGAP_LAPOR_BASE_URL is not set."""
        url, token = self.settings.lapor_base_url, self.settings.lapor_token
        if not url or not token:  # Settings refuses a URL without its token
            return None
        from shared.adapters.lapor_client import HttpLaporClient
        return HttpLaporClient(url, token)

    @cached_property
    def lapor_store(self) -> FirestoreLaporStore:
        from shared.adapters.firestore_lapor import FirestoreLaporStore
        return FirestoreLaporStore(self.firestore)
