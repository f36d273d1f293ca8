"""The reports dashboard: one self-contained HTML page in Bahasa Indonesia (inline CSS and
SVG charts, no script, nothing fetched from elsewhere). Every number carries a
``data-figure`` attribute naming its place in the JSON, so a test can compare them."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

_CSS = ('.periode{margin:.6rem 0 1.2rem}'
        'body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}h1{font-size:24px}'
        '\nh2{font-size:19px;margin-top:32px;border-bottom:2px solid #1f6fb2}'
        'p.help{color:#555;font-size:14px}\n.cards{display:flex;gap:12px;flex-wrap:wrap}'
        '.card{border:1px solid #ccc;border-radius:6px;padding:10px 14px;min-width:170px}'
        '\n.card b{display:block;font-size:28px}'
        'table{border-collapse:collapse;font-size:13px;margin-top:8px}'
        '\ntd,th{border:1px solid #ccc;padding:4px 8px;text-align:right}'
        'td:first-child,th:first-child{text-align:left}\nth{background:#eef4fa}'
        '.bad{color:#b00020;font-weight:bold}'
        '.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}')
_WIB = timezone(timedelta(hours=7), "WIB")
_DAY = timedelta(days=1)
_BLUE, _GREEN, _RED = "#1f6fb2", "#2e8b57", "#b00020"
_FIELDS = (("received", "Diterima"), ("first_response_on_time_pct", "Tanggapan tepat waktu (%)"),
           ("resolved_on_time_pct", "Selesai tepat waktu (%)"),
           ("first_response_days_median", "Median hari ke tanggapan"),
           ("first_response_days_p90", "P90 hari ke tanggapan"), ("resolution_days_median", "Median hari ke selesai"),
           ("resolution_days_p90", "P90 hari ke selesai"), ("open_now", "Terbuka sekarang"),
           ("overdue_now", "Terlambat sekarang"), ("reroutes", "Bukan kewenangan"))


def _num(value: Any, key: str) -> str:
    shown = "–" if value is None else str(value)
    return f'<span data-figure="{escape(key)}">{escape(shown)}</span>'


def _date(value: datetime | None) -> str:
    return value.astimezone(_WIB).strftime("%d-%m-%Y") if value else "–"


def _name(mapping: Mapping[str, Any], key: str) -> str:
    item = mapping.get(key)
    return escape(item.name if item else ("(belum ada unit)" if key == "-" else key))


def _period_form(period: Mapping[str, Any]) -> str:
    """Another period in two clicks: date pickers, no URL editing."""
    start, end = period["from"].astimezone(_WIB).date(), (period["to"] - _DAY).astimezone(_WIB).date()
    return ("<form class='periode' method='get' action='dashboard'>"
            f"<label>Dari <input type='date' name='from' value='{start.isoformat()}'></label> "
            f"<label>sampai <input type='date' name='to' value='{end.isoformat()}'></label> "
            "<button type='submit'>Tampilkan</button></form>")


def render_dashboard(report: Mapping[str, Any], catalog: Any) -> str:
    period = report["period"]
    parts = [f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>Dasbor Pengaduan Sigap</title>"
             f"<style>{_CSS}</style></head><body><h1>Dasbor Akuntabilitas Pengaduan Kota Metro</h1>",
             f"<p>Periode <b>{_date(period['from'])}</b> s.d. <b>{_date(period['to'] - _DAY)}</b>; "
             f"keadaan per {escape(report['as_of'].astimezone(_WIB).strftime('%d-%m-%Y %H:%M'))} WIB. "
             "Hari dihitung sebagai hari kerja.</p>", _period_form(period),
             _cards(report["total"]), "<h2>Kepatuhan per unit</h2>",
             "<p class='help'>Persentase laporan yang ditanggapi dan diselesaikan tepat waktu. "
             "Batang pendek berarti unit perlu perhatian.</p>", _compliance_chart(report["units"], catalog),
             "<h2>Tren per minggu</h2>", _trend_chart(report["trend"]),
             "<h2>Kasus terlambat</h2>", _overdue_table(report["overdue"], catalog),
             "<h2>Pengaduan serupa (satu akar masalah)</h2>",
             "<p class='help'>Laporan dengan kategori, kelurahan dan isi yang mirip: "
             "selesaikan penyebabnya sekali.</p>",
             _clusters(report["clusters"], catalog), "<h2>Masalah yang paling sering berulang</h2>",
             _top(report["top_problems"], catalog), "<h2>Angka per unit</h2>",
             _table(report["units"], catalog.units, "units", "Unit"), "<h2>Angka per kategori</h2>",
             _table(report["categories"], catalog.categories, "categories", "Kategori"),
             "<p class='help'>Unduh angka: <code>figures.csv</code> atau <code>figures.json</code>. "
             "Identitas pelapor dan isi laporan rahasia tidak pernah ditampilkan.</p></body></html>"]
    return "".join(parts)


def _cards(total: Mapping[str, Any]) -> str:
    cards = [("received", "Laporan diterima"), ("first_response_on_time_pct", "Tanggapan pertama tepat waktu (%)"),
             ("resolved_on_time_pct", "Selesai tepat waktu (%)"), ("open_now", "Masih terbuka"),
             ("overdue_now", "Terlambat sekarang")]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><b>{_num(total[k], 'total.' + k)}</b>{label}</div>" for k, label in cards) + "</div>"


def _compliance_chart(units: Mapping[str, Any], catalog: Any) -> str:
    rows = [(k, f) for k, f in units.items() if f["received"]]
    height = 30 * len(rows) + 30
    svg = [f"<svg id='chart-compliance' role='img' aria-label='Kepatuhan per unit' width='1000' height='{height}'>"]
    for i, (key, f) in enumerate(rows):
        y = 20 + 30 * i
        svg.append(f"<text x='0' y='{y + 12}' font-size='12'>{_name(catalog.units, key)[:40]}</text>")
        bars = (("first_response_on_time_pct", _BLUE), ("resolved_on_time_pct", _GREEN))
        for j, (field, colour) in enumerate(bars):
            value = f[field] or 0
            svg.append(f"<rect class='bar' x='300' y='{y + 12 * j}' width='{value * 5:.0f}' height='11' "
                       f"fill='{colour}'><title>{value}%</title></rect>"
                       f"<text x='{305 + value * 5:.0f}' y='{y + 12 * j + 10}' "
                       f"font-size='10'>{'–' if f[field] is None else f[field]}%</text>")
    svg.append("</svg>")
    legend = (f"<div class='legend'><span style='background:{_BLUE}'></span>tanggapan pertama tepat waktu"
              f"<span style='background:{_GREEN}'></span>selesai tepat waktu</div>")
    return legend + "".join(svg) if rows else "<p>Belum ada laporan pada periode ini.</p>"


def _trend_chart(trend: list[Mapping[str, Any]]) -> str:
    if not trend:
        return "<p>Belum ada data.</p>"
    top = max(max(w["received"], w["resolved"]) for w in trend) or 1
    svg = [f"<svg id='chart-trend' role='img' aria-label='Tren per minggu' width='{60 * len(trend) + 40}' "
           "height='240'>"]
    for i, w in enumerate(trend):
        x = 20 + 60 * i
        for j, (field, colour) in enumerate((("received", _BLUE), ("resolved", _GREEN))):
            h = 180 * w[field] / top
            svg.append(f"<rect class='bar' x='{x + 22 * j}' y='{200 - h:.0f}' width='20' height='{h:.0f}' "
                       f"fill='{colour}'><title>{w[field]}</title></rect>"
                       f"<text x='{x + 22 * j}' y='{195 - h:.0f}' font-size='10'>{w[field]}</text>")
        svg.append(f"<text x='{x}' y='218' font-size='10'>{escape(w['week'])}</text>")
    svg.append("</svg>")
    return (f"<div class='legend'><span style='background:{_BLUE}'></span>diterima"
            f"<span style='background:{_GREEN}'></span>diselesaikan</div>" + "".join(svg))


def _overdue_table(rows: list[Mapping[str, Any]], catalog: Any) -> str:
    if not rows:
        return "<p>Tidak ada kasus terlambat.</p>"
    body = "".join(f"<tr><td>{escape(r['id'])}</td><td>{_name(catalog.units, r['unit_id'] or '-')}</td>"
                   f"<td>{_name(catalog.categories, r['category'] or '-')}</td><td>{escape(r['kelurahan'] or '–')}</td>"
                   f"<td>{_date(r['deadline_at'])}</td><td class='bad'>{r['working_days_overdue']}</td>"
                   f"<td>{r['escalation_level']}</td></tr>" for r in rows[:200])
    return (f"<p>{_num(len(rows), 'overdue.length')} kasus melewati batas waktu (maks. 200 ditampilkan).</p>"
            "<table id='overdue'><tr><th>Kasus</th><th>Unit</th><th>Kategori</th><th>Kelurahan</th>"
            "<th>Batas waktu</th><th>Hari kerja terlambat</th><th>Level eskalasi</th></tr>" + body + "</table>")


def _clusters(rows: list[Mapping[str, Any]], catalog: Any) -> str:
    if not rows:
        return "<p>Tidak ada pengaduan serupa.</p>"
    body = "".join(f"<tr><td>{escape(c['title'])}</td><td>{_name(catalog.categories, c['category'])}</td>"
                   f"<td>{escape(c['kelurahan'])}</td><td>{c['size']}</td><td>{c['open']}</td>"
                   f"<td>{escape(', '.join(c['case_ids'][:10]))}</td></tr>" for c in rows[:50])
    return ("<table id='clusters'><tr><th>Contoh judul</th><th>Kategori</th><th>Kelurahan</th><th>Jumlah laporan</th>"
            "<th>Masih terbuka</th><th>Kasus</th></tr>" + body + "</table>")


def _top(rows: list[Mapping[str, Any]], catalog: Any) -> str:
    body = "".join(f"<tr><td>{_name(catalog.categories, r['category'])}</td><td>{escape(r['kelurahan'])}</td>"
                   f"<td>{r['count']}</td></tr>" for r in rows)
    return "<table><tr><th>Kategori</th><th>Kelurahan</th><th>Jumlah</th></tr>" + body + "</table>"


def _table(groups: Mapping[str, Any], names: Mapping[str, Any], prefix: str, label: str) -> str:
    head = "".join(f"<th>{t}</th>" for _, t in _FIELDS)
    body = "".join(f"<tr><td>{_name(names, key)}</td>" + "".join(
        f"<td>{_num(f[k], f'{prefix}.{key}.{k}')}</td>" for k, _ in _FIELDS) + "</tr>" for key, f in groups.items())
    return f"<table id='{prefix}'><tr><th>{label}</th>{head}</tr>{body}</table>"

