"""gunicorn's error and access logs as Sigap's JSON lines (shared/logs.py): the
``logger_class`` of the local gateway's server (infra/local/gateway.py). Apart from
shared/logs.py so that importing the logs does not import gunicorn."""
from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from shared.logs import JsonHandler


class GunicornLogger(Logger):  # type: ignore[misc,unused-ignore]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.addHandler(JsonHandler())
            logger.propagate = False
