"""``GET /reports/dashboard/berulang``: recurring problems over the year (issue 15), one page
in Bahasa Indonesia, readable on a phone, no script: per kelurahan its top problems with
their count per week and their trend, and the clusters of similar complaints that came
back after one of them had been resolved (a root cause not fixed).

From the aggregates (shared/domain/reports/aggregates.py ``recurring``) once the backfill
has completed; before that (or with ``?exact=1``) the same function runs over the case
facts of a rescan, turned into the same documents in memory. ``from``/``to`` as on the
dashboard; the default is the last 52 weeks. Same access as the dashboard (admin token or
a browser session: shared/web/reports.py). No text of a secret report: it never joins a
cluster, so its title is never shown.

``?kelurahan=<key>`` (each kelurahan on the page links it) adds that kelurahan's own view at
the top, read from its (kelurahan, category, week) aggregates alone: every category with
its complaints received and resolved, per week and trend, for a lurah or a camat."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from html import escape
from typing import Any

from flask import Request, Response

from shared import logs
from shared.domain.reports.aggregates import (
    EMPTY,
    KELURAHAN,
    UNIT,
    apply_changes,
    changes,
    contribution,
    kelurahan_problems,
    recurring,
    weeks_of,
)
from shared.domain.reports.figures import Period
from shared.domain.routing.text import place_key
from shared.web.auth import BEARER, SESSION
from shared.web.contract import Operation, Reply, errors
from shared.web.errors import read_query
from shared.web.report_models import RecurringQuery
from shared.web.responses import html_response

DEFAULT_DAYS = 364
_HTML = {"type": "string", "contentMediaType": "text/html"}
_CSS = ("*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f5f7f9}"
        "header{background:#1f6fb2;color:#fff;padding:.6rem 1rem}header a{color:#fff;margin-right:1rem}"
        "main{max-width:760px;margin:0 auto;padding:1rem}h1{font-size:21px}h2{font-size:18px;margin-top:28px;"
        "border-bottom:2px solid #1f6fb2}p.help{color:#555;font-size:14px}"
        ".item{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 10px;margin:8px 0}"
        ".item b{overflow-wrap:anywhere}.weeks{display:flex;align-items:flex-end;gap:1px;height:28px;margin-top:4px}"
        ".weeks span{flex:1;background:#1f6fb2;min-height:1px}.up{color:#b00020}.down{color:#2e8b57}"
        "form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.6rem 0}"
        "form input,form button{font-size:1rem;padding:.35rem}")

OPERATION = Operation(
    "Recurring problems over the year (BI): top problems per kelurahan with their trend, clusters that came back",
    query=RecurringQuery, security=((BEARER,), (SESSION,)),
    replies={200: Reply("the page", None, media="text/html", schema=_HTML), **errors(401, 422)})


def handle(request: Request, app: Any) -> Response:
    from shared.web.reports import _period  # the dashboard's period rules (shared/web/reports.py)
    args: Mapping[str, str] = request.args
    cal = app.escalation.rules.calendar
    if not args.get("from") and not args.get("to"):
        today = cal.local_date(app.clock.now())
        args = {**args, "from": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), "to": today.isoformat()}
    period = _period(args, app.clock.now(), cal)
    if isinstance(period, Response):
        return period
    query = read_query(RecurringQuery, request.args)
    if isinstance(query, Response):
        return query
    shown = {"from": cal.local_date(period.start).isoformat(),  # the period as answered (one end may be a default)
             "to": (cal.local_date(period.end) - timedelta(days=1)).isoformat()}
    if query.kelurahan:
        problems = _kelurahan(request, app, period, query.kelurahan)
        logs.info("kelurahan problems built", kelurahan=query.kelurahan, categories=len(problems))
        return html_response(render_kelurahan(_place_name(app.catalog, query.kelurahan), query.kelurahan,
                                              problems, app.catalog, period_args=shown))
    found = _recurring(request, app, period)
    logs.info("recurring problems built", places=len(found["kelurahan"]), returning=len(found["returning"]))
    return html_response(render(found, app.catalog, period_args=shown))


def _store(request: Request, app: Any) -> Any:
    """The aggregates, once the backfill has completed and unless ``?exact=1`` asks for a rescan."""
    store = None if request.args.get("exact") == "1" else getattr(app, "aggregate_store", None)
    return store if store is not None and store.ready() else None


def _rescanned(app: Any, period: Period) -> list[dict[str, Any]]:
    """The aggregate documents the period's cases would make, built in memory from a rescan."""
    cal, policy = app.escalation.rules.calendar, app.escalation.rules.policy
    docs: dict[str, dict[str, Any]] = {}
    for facts in app.report_source.facts(period, app.clock.now()):
        apply_changes(docs, *changes(EMPTY, contribution(facts, policy, cal)))
    return list(docs.values())


def _recurring(request: Request, app: Any, period: Period) -> dict[str, Any]:
    cal, store = app.escalation.rules.calendar, _store(request, app)
    if store is not None:
        return recurring(store.unit_documents(*weeks_of(period, cal)), period, cal)
    return recurring([d for d in _rescanned(app, period) if d.get("kind") == UNIT], period, cal)


def _kelurahan(request: Request, app: Any, period: Period, place: str) -> list[dict[str, Any]]:
    cal, store = app.escalation.rules.calendar, _store(request, app)
    if store is not None:
        return kelurahan_problems(store.kelurahan_documents(place, *weeks_of(period, cal)), period, cal)
    return kelurahan_problems([d for d in _rescanned(app, period)
                               if d.get("kind") == KELURAHAN and d.get("kelurahan") == place], period, cal)


def _place_name(catalog: Any, place: str) -> str:
    """The kelurahan's name in the catalog (its key when the catalog has no such kelurahan)."""
    for unit in catalog.kelurahan():
        if place_key(unit.name) == place:
            return str(unit.name)
    return place


def _category(catalog: Any, code: str) -> str:
    category = getattr(catalog, "categories", {}).get(code)
    return getattr(category, "name", None) or code


def _bars(weeks: Mapping[str, int]) -> str:
    top = max(weeks.values(), default=0) or 1
    return "<div class='weeks' aria-hidden='true'>" + "".join(
        f"<span style='height:{max(4, round(100 * n / top))}%' title='{escape(w)}: {n}'></span>"
        for w, n in sorted(weeks.items())) + "</div>"


def _trend(n: int) -> str:
    if n > 0:
        return f"<span class='up'>naik {n}</span>"
    return f"<span class='down'>turun {-n}</span>" if n < 0 else "tetap"


def _page(title: str, period_args: Mapping[str, str], help_text: str, body: str, hidden: str = "") -> str:
    """The page around a view: header links, the title, the period and its form (``hidden``: inputs kept)."""
    form = (f"<form method='get' action='berulang'>{hidden}<label>Dari<br><input type='date' name='from' "
            f"value='{escape(period_args['from'])}'></label><label>Sampai<br><input type='date' name='to' "
            f"value='{escape(period_args['to'])}'></label><button type='submit'>Tampilkan</button></form>")
    return ("<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            "<header><a href='../dashboard'>Dasbor</a><a href='berulang'>Masalah berulang</a></header><main>"
            f"<h1>{escape(title)}</h1><p class='help'>Periode {escape(period_args['from'])} sampai "
            f"{escape(period_args['to'])}.{help_text}</p>{form}{body}</main></body></html>")


def render(found: Mapping[str, Any], catalog: Any, *, period_args: Mapping[str, str]) -> str:
    places = "".join(
        f"<div class='item'><b><a href='{escape(_kelurahan_link(p['kelurahan'], period_args))}'>"
        f"{escape(p['kelurahan'])}</a></b>: <span data-figure='received'>{p['received']}</span> "
        "laporan" + "".join(
            f"<div>{escape(_category(catalog, x['category']))}: {x['count']} laporan, tren {_trend(x['trend'])}"
            f"{_bars(x['weeks'])}</div>" for x in p["problems"]) + "</div>"
        for p in found["kelurahan"][:30]) or "<p class='help'>Tidak ada laporan pada periode ini.</p>"
    returning = "".join(
        f"<div class='item'><b>{escape(c['title'])}</b><br>{escape(_category(catalog, c['category']))}, "
        f"{escape(c['kelurahan'])}: {c['size']} laporan, <span data-figure='returned'>{c['returned']}</span> "
        f"muncul lagi setelah ada yang diselesaikan; {c['open']} masih terbuka</div>"
        for c in found["returning"][:30]) or "<p class='help'>Tidak ada masalah yang muncul kembali.</p>"
    return _page("Masalah berulang", period_args, "", (
        "<h2>Muncul lagi setelah diselesaikan</h2><p class='help'>Laporan serupa (kategori, kelurahan dan judul "
        "mirip) yang datang lagi setelah laporan sebelumnya diselesaikan: akar masalahnya belum teratasi.</p>"
        f"{returning}<h2>Masalah utama per kelurahan</h2><p class='help'>Tren: laporan paruh kedua periode "
        f"dikurangi paruh pertama; batang: laporan per minggu.</p>{places}"))


def _kelurahan_link(name: str, period_args: Mapping[str, str]) -> str:
    return f"berulang?kelurahan={place_key(name)}&from={period_args['from']}&to={period_args['to']}"


def render_kelurahan(name: str, place: str, problems: list[dict[str, Any]], catalog: Any, *,
                     period_args: Mapping[str, str]) -> str:
    """One kelurahan's view: each category with its complaints received and resolved."""
    rows = "".join(
        f"<div class='item'><b>{escape(_category(catalog, x['category']))}</b>: "
        f"<span data-figure='received'>{x['received']}</span> laporan masuk, "
        f"<span data-figure='resolved'>{x['resolved']}</span> selesai, tren {_trend(x['trend'])}"
        f"{_bars(x['weeks'])}</div>" for x in problems) or "<p class='help'>Tidak ada laporan pada periode ini.</p>"
    return _page(f"Masalah di {name}", period_args,
                 " Laporan per kategori di kelurahan ini: yang masuk, yang sudah selesai, dan trennya (paruh kedua "
                 "periode dikurangi paruh pertama); batang: laporan per minggu.", f"<h2>Per kategori</h2>{rows}",
                 hidden=f"<input type='hidden' name='kelurahan' value='{escape(place)}'>")
