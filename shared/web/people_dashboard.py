"""The dashboard for people (shared/web/reports.py calls these): who may open it in a
browser (the admin token's old session cookie, or a person's session of a coordinator or
a head), the page with its links, and friendly Indonesian error pages instead of JSON."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Request, Response

from shared.domain.clock.escalation import recipients
from shared.domain.people import Person, PersonKind
from shared.web import dashboard_session
from shared.web.people_pages import people_of, viewer_of
from shared.web.people_templates import error_page, root_of
from shared.web.people_views import title_of
from shared.web.reports_dashboard import page, period_form, render_dashboard
from shared.web.responses import html_response


@dataclass(frozen=True)
class Browser:
    """A browser allowed to read the figures: a person (None: the admin token's session)."""
    person: Person | None
    csrf: str = ""


def browser_of(request: Request, app: Any) -> Browser | None:
    """The dashboard's browser session, if the request has one that may read the figures."""
    secret = _secret(app)
    if secret is not None:
        viewer = viewer_of(request, app, secret)
        if viewer.person is not None and viewer.person.kind in (PersonKind.COORDINATOR, PersonKind.HEAD):
            return Browser(viewer.person, viewer.csrf)
    token = app.settings.admin_token
    if token and dashboard_session.session_valid(request.cookies.get(dashboard_session.COOKIE), token,
                                                 app.clock.now()):
        return Browser(None)
    return None


def _secret(app: Any) -> str | None:
    return app.settings.link_secret or None


def signed_in_elsewhere(request: Request, app: Any) -> tuple[Person, str] | None:
    """A person signed in whose role does not open the dashboard (a unit admin), with the CSRF token."""
    secret = _secret(app)
    viewer = viewer_of(request, app, secret) if secret is not None else None
    return (viewer.person, viewer.csrf) if viewer is not None and viewer.person is not None else None


def told_text(app: Any) -> Any:
    def told(unit_id: str, level: int) -> str | None:
        if unit_id not in app.catalog.units or level < 1:
            return None
        heads = [r["name"] for r in recipients(unit_id, level, app.catalog, app.escalation) if r["role"] == "head"]
        return ", ".join(heads) or None
    return told


def titles_of(app: Any, ids: list[str]) -> Mapping[str, str]:
    try:
        cases = app.repo.get_many(ids[:200]) if ids else {}
    except Exception:  # the titles are a convenience: the figures answer without them
        return {}
    return {i: title_of(c) for i, c in cases.items()}


def dashboard_page(request: Request, app: Any, report: Mapping[str, Any]) -> Response:
    browser = browser_of(request, app)
    titles = titles_of(app, [r["id"] for r in report["overdue"]])
    return html_response(render_dashboard(report, app.catalog, root=root_of(request),
                                          person=browser.person if browser else None,
                                          csrf=browser.csrf if browser else "", titles=titles,
                                          told=told_text(app)))


def period_problem(request: Request, app: Any, action: str = "dashboard") -> Response:
    """The dashboard's answer to a period it cannot show (reversed, too long, not a date)."""
    browser = browser_of(request, app)
    root = root_of(request)
    body = ("<h1>Periode tidak dapat ditampilkan</h1><p class='bad'>Tanggal awal harus sebelum atau sama dengan "
            "tanggal akhir, paling lama 366 hari, dan ditulis sebagai tanggal yang sah.</p>"
            "<p>Pilih periode lain:</p>" + period_form(f"{root}{action}", None, None))
    return html_response(page("Periode tidak sah", body, root, browser.person if browser else None,
                              browser.csrf if browser else ""), 422)


def sign_in_choice(request: Request, app: Any, status: int = 401) -> Response:
    """The dashboard without a session: personal sign-in first, the admin token form for scripts' owners."""
    signed_in = signed_in_elsewhere(request, app)
    if signed_in is not None:
        return error_page(request, 403, "Dasbor untuk koordinator dan pimpinan",
                          "Dasbor kota dibuka oleh koordinator (Diskominfo) dan pimpinan unit. Kasus unit Anda "
                          "ada di kotak masuk.", back_href="kotak-masuk", back_label="Ke kotak masuk",
                          person=signed_in[0], csrf=signed_in[1])
    return dashboard_session.login_form(status=status, root=root_of(request))


__all__ = ["Browser", "browser_of", "dashboard_page", "people_of", "period_problem", "sign_in_choice"]
