"""The Jinja2 templates of the people's pages (shared/web/templates/, shipped inside the
package, nothing fetched from elsewhere), autoescaped, answered through
``shared.web.responses.html_response`` (security headers on every page)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Request, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shared.web.responses import html_response


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("shared.web", "templates"), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def root_of(request: Request) -> str:
    """The relative way back to the function's root from this page ("./", "../", ...), so
    the same pages work under the gateway's /reports/ prefix and on the function's own URL."""
    depth = (request.path or "/").count("/") - 1
    return "../" * depth if depth > 0 else "./"


def render(name: str, request: Request, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> Response:
    values = {"root": root_of(request), "person": None, "csrf": "", "flash": None, "flash_kind": None,
              "home": "kotak-masuk" if context.get("person") else "masuk", **context}
    return html_response(environment().get_template(name).render(**values), status, headers)


def error_page(request: Request, status: int, heading: str, message: str, *, hint: str | None = None,
               back_href: str | None = None, back_label: str | None = None,
               headers: dict[str, str] | None = None, **context: Any) -> Response:
    return render("galat.html", request, status, headers, heading=heading, message=message, hint=hint,
                  back_href=back_href, back_label=back_label, **context)
