"""The reports dashboard: one self-contained HTML page in Bahasa Indonesia (inline CSS and
SVG charts, no script, nothing fetched from elsewhere), readable on a phone. Every number
carries a ``data-figure`` attribute naming its place in the JSON, so a test can compare
them; numbers are written the Indonesian way (``100,0``; ``1.234``).

Links are relative to the function's root (``root``: "./" or "../"), so the page works
under the gateway's /reports/ prefix, on the function's own URL and with a trailing slash.
Unit names link to the unit's drill-down (``unit/{id}``), case ids to the case page."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

_CSS = ('*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f5f7f9}'
        'header.top{background:#1f6fb2;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;'
        'align-items:center}header.top a{color:#fff}header.top .brand{font-weight:700;margin-right:auto}'
        'header.top form{margin:0}header.top button{background:transparent;border:1px solid #fff;color:#fff;'
        'padding:.25rem .6rem;border-radius:4px}'
        'main{max-width:1200px;margin:0 auto;padding:1rem}h1{font-size:22px;overflow-wrap:anywhere}'
        '.periode{margin:.6rem 0 1.2rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}'
        '.periode input,.periode button{font-size:1rem;padding:.35rem}'
        '\nh2{font-size:19px;margin-top:32px;border-bottom:2px solid #1f6fb2}'
        'p.help{color:#555;font-size:14px}\n.cards{display:flex;gap:12px;flex-wrap:wrap}'
        '.card{background:#fff;border:1px solid #ccc;border-radius:6px;padding:10px 14px;min-width:150px;flex:1}'
        '\n.card b{display:block;font-size:28px}.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}'
        'table{border-collapse:collapse;font-size:13px;margin-top:8px;background:#fff}'
        '\ntd,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}'
        'td:first-child,th:first-child{text-align:left;min-width:12rem}\nth{background:#eef4fa}'
        '.bad{color:#b00020;font-weight:bold}.none{color:#777;font-style:italic}'
        '.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}'
        '.unitrow{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:6px 0}'
        '.unitrow .name{font-size:14px;overflow-wrap:anywhere}.unitrow svg{display:block;width:100%;height:26px}'
        '.unitrow .pct{font-size:12px;color:#333}.downloads a{margin-right:1rem}'
        '#chart-trend{width:100%;max-width:100%;height:auto}')
_WIB = timezone(timedelta(hours=7), "WIB")
_DAY = timedelta(days=1)
_BLUE, _GREEN, _RED = "#1f6fb2", "#2e8b57", "#b00020"
_FIELDS = (("received", "Diterima"), ("first_response_on_time_pct", "Tanggapan tepat waktu (%)"),
           ("resolved_on_time_pct", "Selesai tepat waktu (%)"),
           ("first_response_days_median", "Median hari ke tanggapan"),
           ("first_response_days_p90", "P90 hari ke tanggapan"), ("resolution_days_median", "Median hari ke selesai"),
           ("resolution_days_p90", "P90 hari ke selesai"), ("open_now", "Terbuka sekarang"),
           ("overdue_now", "Terlambat sekarang"), ("reroutes", "Bukan kewenangan"))
NO_CASES = "tidak ada laporan"


def id_number(value: Any) -> str:
    """A figure the Indonesian way: ``1.234``, ``100,0``, ``33,3``; ``–`` when unknown."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def _num(value: Any, key: str) -> str:
    return f'<span data-figure="{escape(key)}">{escape(id_number(value))}</span>'


def _date(value: datetime | None) -> str:
    return value.astimezone(_WIB).strftime("%d-%m-%Y") if value else "–"


def _name(mapping: Mapping[str, Any], key: str) -> str:
    item = mapping.get(key)
    return escape(item.name if item else ("(belum ada unit)" if key == "-" else key))


def _unit_link(catalog: Any, key: str, root: str, query: str) -> str:
    if key not in catalog.units:
        return _name(catalog.units, key)
    return f"<a href='{root}unit/{quote(key, safe='')}{query}'>{_name(catalog.units, key)}</a>"


def _case_link(case_id: str, root: str) -> str:
    return f"<a href='{root}kasus/{quote(case_id, safe='')}'>{escape(case_id)}</a>"


def period_query(period: Mapping[str, Any]) -> str:
    start, end = period["from"].astimezone(_WIB).date(), (period["to"] - _DAY).astimezone(_WIB).date()
    return "?" + urlencode({"from": start.isoformat(), "to": end.isoformat()})


def period_form(action: str, start: date | None, end: date | None) -> str:
    """Another period in two clicks: date pickers, no URL editing."""
    return (f"<form class='periode' method='get' action='{escape(action)}'>"
            f"<label>Dari <input type='date' name='from' value='{start.isoformat() if start else ''}'></label> "
            f"<label>sampai <input type='date' name='to' value='{end.isoformat() if end else ''}'></label> "
            "<button type='submit'>Tampilkan</button></form>")


def header(root: str, person: Any = None, csrf: str = "") -> str:
    """The top bar: who is signed in, the inbox, and signing out (a form with the CSRF token)."""
    who = f"<span>{escape(person.name)}</span><a href='{root}kotak-masuk'>Kotak masuk</a>" if person else ""
    out = (f"<form method='post' action='{root}keluar'><input type='hidden' name='csrf' value='{escape(csrf)}'>"
           "<button type='submit'>Keluar</button></form>")
    return (f"<header class='top'><a class='brand' href='{root}dashboard'>Sigap Kota Metro</a>"
            f"{who}<a href='{root}dashboard'>Dasbor</a><a href='{root}dashboard/berulang'>Masalah berulang</a>"
            f"{out}</header>")


def page(title: str, body: str, root: str, person: Any = None, csrf: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{header(root, person, csrf)}"
            f"<main>{body}</main></body></html>")


def render_dashboard(report: Mapping[str, Any], catalog: Any, *, root: str = "./", person: Any = None,
                     csrf: str = "", titles: Mapping[str, str] | None = None, told: Any = None) -> str:
    """The city's dashboard. ``titles``: case id -> title to show (secret ones already hidden);
    ``told``: (unit_id, level) -> who an escalation at that level reached."""
    period = report["period"]
    query = period_query(period)
    start, end = period["from"].astimezone(_WIB).date(), (period["to"] - _DAY).astimezone(_WIB).date()
    body = ["<h1>Dasbor Akuntabilitas Pengaduan Kota Metro</h1>",
            f"<p>Periode <b>{_date(period['from'])}</b> s.d. <b>{_date(period['to'] - _DAY)}</b>; "
            f"keadaan per {escape(report['as_of'].astimezone(_WIB).strftime('%d-%m-%Y %H:%M'))} WIB. "
            "Hari dihitung sebagai hari kerja.</p>", period_form(f"{root}dashboard", start, end),
            _cards(report["total"]), "<h2>Kepatuhan per unit</h2>",
            "<p class='help'>Persentase laporan yang ditanggapi dan diselesaikan tepat waktu. "
            "Batang pendek berarti unit perlu perhatian; unit tanpa laporan ditandai "
            f"<span class='none'>{NO_CASES}</span>. Klik nama unit untuk rinciannya.</p>",
            _compliance_chart(report["units"], catalog, root, query),
            "<h2>Tren per minggu</h2>", trend_chart(report["trend"], period),
            "<h2>Kasus terlambat</h2>", overdue_table(report["overdue"], catalog, root, query, titles, told),
            "<h2>Pengaduan serupa (satu akar masalah)</h2>",
            "<p class='help'>Laporan dengan kategori, kelurahan dan isi yang mirip: "
            "selesaikan penyebabnya sekali.</p>",
            _clusters(report["clusters"], catalog, root), "<h2>Masalah yang paling sering berulang</h2>",
            _top(report["top_problems"], catalog), "<h2>Angka per unit</h2>",
            figures_table(report["units"], catalog.units, "units", "Unit", catalog, root, query),
            "<h2>Angka per kategori</h2>",
            figures_table(report["categories"], catalog.categories, "categories", "Kategori"),
            f"<p class='help downloads'>Unduh angka: <a href='{root}figures.csv{query}' download>figures.csv</a>"
            f"<a href='{root}figures.json{query}'>figures.json</a></p>"
            "<p class='help'>Identitas pelapor dan isi laporan rahasia tidak pernah ditampilkan.</p>"]
    return page("Dasbor Pengaduan Sigap", "".join(body), root, person, csrf)


def _cards(total: Mapping[str, Any]) -> str:
    cards = [("received", "Laporan diterima"), ("first_response_on_time_pct", "Tanggapan pertama tepat waktu (%)"),
             ("resolved_on_time_pct", "Selesai tepat waktu (%)"), ("open_now", "Masih terbuka"),
             ("overdue_now", "Terlambat sekarang")]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><b>{_num(total[k], 'total.' + k)}</b>{label}</div>" for k, label in cards) + "</div>"


def _compliance_chart(units: Mapping[str, Any], catalog: Any, root: str, query: str) -> str:
    """One row per unit with laporan: its full name, then two bars (0-100 %) that scale to the screen."""
    rows = [(k, f) for k, f in units.items() if f["received"]]
    if not rows:
        return "<p>Belum ada laporan pada periode ini.</p>"
    out = [f"<div class='legend'><span style='background:{_BLUE}'></span>tanggapan pertama tepat waktu"
           f"<span style='background:{_GREEN}'></span>selesai tepat waktu</div><div id='chart-compliance'>"]
    for key, f in rows:
        bars, labels = [], []
        for j, (field, colour, word) in enumerate((("first_response_on_time_pct", _BLUE, "tanggapan"),
                                                    ("resolved_on_time_pct", _GREEN, "selesai"))):
            value = f[field]
            if value is None:
                bars.append(f"<rect x='0' y='{1 + 12 * j}' width='100' height='11' fill='#eee'></rect>")
                labels.append(f"{word}: <span class='none'>belum ada yang jatuh tempo</span>")
            else:
                bars.append(f"<rect class='bar' x='0' y='{1 + 12 * j}' width='{max(value, 0.5):.1f}' height='11' "
                            f"fill='{colour}'><title>{id_number(value)}%</title></rect>")
                labels.append(f"{word}: {id_number(value)}%")
        out.append(f"<div class='unitrow'><div class='name'>{_unit_link(catalog, key, root, query)}</div>"
                   "<svg viewBox='0 0 100 25' preserveAspectRatio='none' role='img' "
                   f"aria-label='{_name(catalog.units, key)}'>{''.join(bars)}</svg>"
                   f"<div class='pct'>{' · '.join(labels)}</div></div>")
    quiet = [k for k, f in units.items() if not f["received"]]
    if quiet:
        out.append(f"<p class='help'><span class='none'>{NO_CASES}</span>: "
                   + ", ".join(_unit_link(catalog, k, root, query) for k in quiet) + "</p>")
    return "".join(out) + "</div>"


def _weeks(period: Mapping[str, Any]) -> list[str]:
    """Every ISO week the period touches (local time), in order."""
    day, last = period["from"].astimezone(_WIB).date(), (period["to"] - _DAY).astimezone(_WIB).date()
    weeks: list[str] = []
    while day <= last:
        year, week, _ = day.isocalendar()
        key = f"{year}-W{week:02d}"
        if key not in weeks:
            weeks.append(key)
        day += _DAY
    return weeks


def trend_chart(trend: list[Mapping[str, Any]], period: Mapping[str, Any]) -> str:
    """Received and resolved per week; a week without laporan is shown as zero, not dropped."""
    by_week = {w["week"]: w for w in trend}
    weeks = sorted(set(_weeks(period)) | set(by_week))
    rows = [by_week.get(w, {"week": w, "received": 0, "resolved": 0}) for w in weeks]
    if not rows:
        return "<p>Belum ada data.</p>"
    top = max(max(w["received"], w["resolved"]) for w in rows) or 1
    width = 60 * len(rows) + 40
    svg = [f"<svg id='chart-trend' role='img' aria-label='Tren per minggu' viewBox='0 0 {width} 240' "
           f"width='{width}' height='240'>"]
    for i, w in enumerate(rows):
        x = 20 + 60 * i
        for j, (field, colour) in enumerate((("received", _BLUE), ("resolved", _GREEN))):
            h = 180 * w[field] / top
            svg.append(f"<rect class='bar' x='{x + 22 * j}' y='{200 - h:.0f}' width='20' height='{max(h, 1):.0f}' "
                       f"fill='{colour}'><title>{w[field]}</title></rect>"
                       f"<text x='{x + 22 * j}' y='{195 - h:.0f}' font-size='10'>{id_number(w[field])}</text>")
        svg.append(f"<text x='{x}' y='218' font-size='10'>{escape(w['week'])}</text>")
    svg.append("</svg>")
    return (f"<div class='legend'><span style='background:{_BLUE}'></span>diterima"
            f"<span style='background:{_GREEN}'></span>diselesaikan</div><div class='scroll'>" + "".join(svg)
            + "</div>")


def overdue_table(rows: list[Mapping[str, Any]], catalog: Any, root: str, query: str,
                  titles: Mapping[str, str] | None, told: Any) -> str:
    if not rows:
        return "<p>Tidak ada kasus terlambat.</p>"
    titles = titles or {}
    body = []
    for r in rows[:200]:
        level = r["escalation_level"]
        whom = told(r["unit_id"], level) if told and level and r["unit_id"] else None
        body.append(f"<tr><td>{_case_link(r['id'], root)}<br>{escape(titles.get(r['id'], '–'))}</td>"
                    f"<td>{_unit_link(catalog, r['unit_id'] or '-', root, query)}</td>"
                    f"<td>{_name(catalog.categories, r['category'] or '-')}</td>"
                    f"<td>{escape(r['kelurahan'] or '–')}</td>"
                    f"<td>{_date(r['deadline_at'])}</td><td class='bad'>{id_number(r['working_days_overdue'])}</td>"
                    f"<td>{level}{(': ' + escape(whom)) if whom else ''}</td></tr>")
    return (f"<p>{_num(len(rows), 'overdue.length')} kasus melewati batas waktu (maks. 200 ditampilkan).</p>"
            "<div class='scroll'><table id='overdue'><tr><th>Kasus</th><th>Unit</th><th>Kategori</th>"
            "<th>Kelurahan</th><th>Batas waktu</th><th>Hari kerja terlambat</th><th>Eskalasi (level: kepada)</th></tr>"
            + "".join(body) + "</table></div>")


def _clusters(rows: list[Mapping[str, Any]], catalog: Any, root: str) -> str:
    if not rows:
        return "<p>Tidak ada pengaduan serupa.</p>"
    body = "".join(f"<tr><td>{escape(c['title'])}</td><td>{_name(catalog.categories, c['category'])}</td>"
                   f"<td>{escape(c['kelurahan'])}</td><td>{c['size']}</td><td>{c['open']}</td>"
                   f"<td>{', '.join(_case_link(i, root) for i in c['case_ids'][:10])}</td></tr>" for c in rows[:50])
    return ("<div class='scroll'><table id='clusters'><tr><th>Contoh judul</th><th>Kategori</th><th>Kelurahan</th>"
            "<th>Jumlah laporan</th><th>Masih terbuka</th><th>Kasus</th></tr>" + body + "</table></div>")


def _top(rows: list[Mapping[str, Any]], catalog: Any) -> str:
    body = "".join(f"<tr><td>{_name(catalog.categories, r['category'])}</td><td>{escape(r['kelurahan'])}</td>"
                   f"<td>{r['count']}</td></tr>" for r in rows)
    return ("<div class='scroll'><table><tr><th>Kategori</th><th>Kelurahan</th><th>Jumlah</th></tr>" + body
            + "</table></div>")


def figures_table(groups: Mapping[str, Any], names: Mapping[str, Any], prefix: str, label: str,
                  catalog: Any = None, root: str = "./", query: str = "") -> str:
    head = "".join(f"<th>{t}</th>" for _, t in _FIELDS)
    rows = []
    for key, f in groups.items():
        name = _unit_link(catalog, key, root, query) if catalog is not None else _name(names, key)
        if not f["received"] and not f["open_now"]:
            name += f" <span class='none'>({NO_CASES})</span>"
        rows.append(f"<tr><td>{name}</td>" + "".join(
            f"<td>{_num(f[k], f'{prefix}.{key}.{k}')}</td>" for k, _ in _FIELDS) + "</tr>")
    return f"<div class='scroll'><table id='{prefix}'><tr><th>{label}</th>{head}</tr>{''.join(rows)}</table></div>"
