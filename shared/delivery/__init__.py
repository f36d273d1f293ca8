"""One delivery engine for everything Sigap sends out: outbound webhooks, notifications
to people, and the LAPOR! push.

- ``policy``: ``RetryPolicy`` (a fixed schedule or jittered exponential backoff, a
  maximum of attempts, ``Retry-After`` honoured up to a cap) and the one
  ``parse_retry_after`` (delta-seconds and HTTP-date). Pure.
- ``state``: ``Outcome`` (what one attempt gave), ``Delivery`` (one message to one
  destination) and the pure transitions: claimed, after an attempt (delivered /
  retry at / parked), re-driven. Pure.
- the Protocols it talks through live with the other ports: shared/ports/delivery.py
  (``Destination``, ``Sender``, ``DeliveryStore``, ``SignedPoster``), webhooks.py and
  notifications.py (the two stores that feed it).
- ``engine``: ``deliver_due`` (per-destination slots, claims, a time budget) and
  ``redrive``.

This package imports nothing at import time, so the pure modules can be imported from
the domain without pulling in the engine's threads.
"""
