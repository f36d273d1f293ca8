"""The people's pages: who is who (contacts.yaml) and the used sign-in links."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from shared.wiring.core import Core

if TYPE_CHECKING:
    from shared.adapters.firestore_sign_in import FirestoreUsedNonces
    from shared.domain.people import People


class PeopleParts(Core):
    @cached_property
    def people(self) -> People:
        """Admins, heads and coordinators with the units each sees (shared/domain/people.py)."""
        from shared.domain.people import build_people
        return build_people(self.escalation.contacts, self.catalog)

    @cached_property
    def used_nonces(self) -> FirestoreUsedNonces:
        from shared.adapters.firestore_sign_in import FirestoreUsedNonces
        return FirestoreUsedNonces(self.firestore)
