"""Deterministic, realistic Kota Metro reports for the sandbox (Indonesian text).

The same seed gives the same reports. Kelurahan and unit accounts (sub-instansi) come
from the city's catalog (units.yaml, categories.yaml). The reports' ``tanggal_disposisi``
spread over September-November 2026 in working hours (WIB), whatever their number, and
each report's history agrees with its status:

- Belum Ditindaklanjuti (about 60 %): no tindak lanjut; about a quarter already disposed
  to the account of the unit its category belongs to, the rest still with the city;
- Proses (about 30 %): disposed to that unit's account, one or more instansi follow-ups
  by that account from a working day after the disposition, sometimes a reply of the
  reporter (and a second answer);
- Selesai (about 10 %): the same, ending with the unit's closing answer, then closed.

Every seeded report starts at ``versi`` 1 whatever its history: it is the sandbox's first state.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays

from shared.adapters.catalog_files import load_catalog
from shared.domain.catalog import LOCATION_UNIT, Catalog
from shared.domain.clock.calendar import WIB

PERIOD = (date(2026, 9, 1), date(2026, 11, 30))  # tanggal_disposisi falls in these days (inclusive)
HORIZON = datetime(2026, 12, 1, tzinfo=WIB)       # nothing seeded happens after this
OFFICE = (time(8, 0), time(16, 0))               # working hours, WIB


@dataclass(frozen=True)
class Template:
    kategori: str  # the platform's category name
    code: str      # Sigap's category (categories.yaml): whose account a plausible admin disposes it to
    title: str     # {kel} and {jalan} are filled in
    text: str
    answer: str    # the unit's first tindak lanjut
    done: str      # the unit's closing tindak lanjut


TEMPLATES = [
    Template("Infrastruktur", "jalan-jembatan", "Jalan berlubang di {jalan}",
             "Jalan di {jalan}, Kelurahan {kel}, berlubang besar dan sering membuat pengendara motor jatuh, "
             "terutama saat hujan. Mohon segera diperbaiki.",
             "Terima kasih atas laporannya. Tim pemeliharaan jalan Dinas PUPR sudah menjadwalkan peninjauan "
             "lokasi di {jalan}.",
             "Lubang jalan di {jalan} sudah ditambal oleh tim pemeliharaan jalan Dinas PUPR. Terima kasih atas "
             "partisipasinya."),
    Template("Infrastruktur", "drainase", "Drainase tersumbat di {jalan}",
             "Saluran drainase di {jalan} Kelurahan {kel} tersumbat sampah sehingga air meluap ke jalan setiap "
             "hujan deras.",
             "Laporan diterima. Petugas Dinas PUPR akan memeriksa saluran drainase di {jalan}.",
             "Saluran drainase di {jalan} sudah dibersihkan dari sampah dan endapan lumpur."),
    Template("Infrastruktur", "penerangan-jalan", "Lampu PJU mati di {jalan}",
             "Lampu penerangan jalan umum di {jalan}, {kel}, mati sejak dua minggu. Jalan gelap gulita dan rawan "
             "kejahatan pada malam hari.",
             "Laporan diterima. Petugas akan memeriksa lampu PJU di {jalan} dalam minggu ini.",
             "Lampu PJU di {jalan} sudah diganti dan kembali menyala."),
    Template("Lingkungan Hidup", "sampah-kebersihan", "Sampah menumpuk di TPS {kel}",
             "Sampah di TPS dekat {jalan} Kelurahan {kel} tidak diangkut sudah seminggu, bau menyengat dan banyak "
             "lalat.",
             "Terima kasih, laporan sudah diteruskan ke petugas kebersihan DLH wilayah {kel}.",
             "Sampah di TPS {kel} sudah diangkut dan jadwal pengangkutan ditambah menjadi dua kali seminggu."),
    Template("Kependudukan", "adminduk", "KTP-el belum jadi",
             "Saya sudah rekam KTP-el di Disdukcapil tiga bulan lalu tetapi sampai sekarang belum dicetak. Alamat "
             "saya di Kelurahan {kel}.",
             "Mohon kirimkan NIK melalui balasan ini agar kami dapat memeriksa status pencetakan KTP-el Anda.",
             "KTP-el pelapor sudah dicetak dan dapat diambil di kantor Disdukcapil dengan membawa bukti perekaman."),
    Template("Kesehatan", "kesehatan", "Pelayanan puskesmas lambat",
             "Antrean di puskesmas wilayah {kel} sangat lama, petugas pendaftaran hanya satu orang dan pasien "
             "lansia menunggu berjam-jam.",
             "Laporan sudah kami sampaikan kepada kepala puskesmas untuk evaluasi pelayanan pendaftaran.",
             "Puskesmas menambah petugas pendaftaran dan membuka loket khusus lansia mulai pekan ini."),
    Template("Pendidikan", "pendidikan", "Pungutan di sekolah negeri",
             "Ada pungutan uang seragam dan buku di SD negeri di {kel} padahal katanya sekolah gratis. Mohon "
             "ditindaklanjuti.",
             "Dinas Pendidikan akan memanggil kepala sekolah yang bersangkutan untuk klarifikasi.",
             "Pungutan sudah dihentikan dan sekolah diminta mengembalikan uang yang telah dibayarkan orang tua."),
    Template("Perhubungan", "lalu-lintas", "Lampu lalu lintas rusak di {jalan}",
             "Lampu lalu lintas di simpang {jalan} mati sejak kemarin, kendaraan saling serobot dan hampir terjadi "
             "kecelakaan.",
             "Petugas Dishub sudah dijadwalkan memeriksa lampu lalu lintas di simpang {jalan}.",
             "Lampu lalu lintas di simpang {jalan} sudah diperbaiki dan berfungsi normal."),
    Template("Ketertiban Umum", "ketertiban", "Pedagang kaki lima di trotoar {jalan}",
             "PKL berjualan di trotoar {jalan} Kelurahan {kel} sehingga pejalan kaki harus turun ke jalan.",
             "Satpol PP akan mendata dan menyosialisasikan aturan kepada PKL di trotoar {jalan}.",
             "PKL di trotoar {jalan} sudah ditertibkan dan dipindahkan ke lokasi yang disediakan."),
    Template("Sosial", "bantuan-sosial", "Bantuan sosial tidak tepat sasaran",
             "Keluarga kami terdaftar DTKS di Kelurahan {kel} tetapi bantuan PKH tidak pernah diterima sejak awal "
             "tahun.",
             "Mohon kirimkan nomor KK agar kami dapat memeriksa data penerima di DTKS.",
             "Data keluarga pelapor sudah diperbarui dan diusulkan sebagai penerima PKH pada periode berikutnya."),
    Template("Air Minum", "air-bersih", "Air PDAM tidak mengalir",
             "Air dari Perumda Air Minum tidak mengalir ke rumah kami di {jalan} Kelurahan {kel} sudah tiga hari.",
             "Petugas Perumda Air Minum sedang memeriksa jaringan pipa di sekitar {jalan}.",
             "Pipa yang bocor di {jalan} sudah diperbaiki dan aliran air kembali normal."),
    Template("Pelayanan Publik", "layanan-kelurahan", "Pelayanan surat pengantar di kelurahan lambat",
             "Mengurus surat pengantar di kantor Kelurahan {kel} butuh tiga hari dan petugas sering tidak ada di "
             "tempat.",
             "Lurah sudah menegur petugas pelayanan dan menetapkan jadwal piket pelayanan.",
             "Kelurahan {kel} kini menyelesaikan surat pengantar pada hari yang sama selama jam kerja."),
]
REPLIES = ["Terima kasih, mohon dikabari jika sudah ada tindakan.",
           "Sampai hari ini belum ada petugas yang datang ke lokasi.",
           "Data yang diminta sudah saya kirimkan melalui pesan ini.",
           "Terima kasih atas tanggapannya, kami tunggu penanganannya."]
SECOND_ANSWER = "Terima kasih atas informasinya. Petugas sudah dijadwalkan ke lokasi minggu ini."
STREETS = ["Jl. Ahmad Yani", "Jl. Jenderal Sudirman", "Jl. Cendrawasih", "Jl. Imam Bonjol", "Jl. Ki Hajar Dewantara",
           "Jl. Pattimura", "Jl. Diponegoro", "Jl. AR Prawiranegara", "Jl. Soekarno-Hatta", "Jl. Kapten Tendean"]
NAMES = ["Budi Santoso", "Siti Aminah", "Agus Wibowo", "Dewi Lestari", "Rudi Hartono", "Sri Wahyuni",
         "Joko Susilo", "Rina Marlina", "Eko Prasetyo", "Nur Hidayah"]
SHARES = (("Proses", 0.3), ("Selesai", 0.1))  # the rest: Belum Ditindaklanjuti


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def accounts() -> dict[str, str]:
    """The city's unit accounts on the platform (sub-instansi id -> name), from units.yaml."""
    return {u.lapor_account: u.name for u in catalog().units.values() if u.lapor_account}


def kelurahan_names() -> list[str]:
    return [u.name.removeprefix("Kelurahan ") for u in catalog().kelurahan()]


def account_for(code: str, kelurahan: str) -> str | None:
    """The account a plausible city admin disposes a report of Sigap category ``code`` to."""
    unit_id = catalog().categories[code].default_unit
    if unit_id == LOCATION_UNIT:
        unit_id = next(u.id for u in catalog().kelurahan() if u.name == f"Kelurahan {kelurahan}")
    return catalog().units[unit_id].lapor_account


# ---- working time (WIB, Monday-Friday 08:00-16:00, Indonesian public holidays off) ----------

@lru_cache(maxsize=1)
def _holidays() -> frozenset[date]:
    return frozenset(holidays.Indonesia(years=range(PERIOD[0].year, PERIOD[1].year + 2)).keys())


def _working(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays()


def _next_working(day: date) -> date:
    day += timedelta(days=1)
    while not _working(day):
        day += timedelta(days=1)
    return day


def _office(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, OFFICE[0], WIB), datetime.combine(day, OFFICE[1], WIB)


@lru_cache(maxsize=4)
def _period_days(start: date, end: date) -> tuple[date, ...]:
    return tuple(d for d in (start + timedelta(days=n) for n in range((end - start).days + 1)) if _working(d))


def _in_period(position: float) -> datetime:
    """``position`` in [0, 1): that share of the period's working minutes, as a WIB instant."""
    days = _period_days(*PERIOD)
    minutes_a_day = int((_office(days[0])[1] - _office(days[0])[0]).total_seconds() // 60)
    minute = int(position * len(days) * minutes_a_day)
    return _office(days[minute // minutes_a_day])[0] + timedelta(minutes=minute % minutes_a_day)


def _later(after: datetime, rng: random.Random, low: int, high: int) -> datetime:
    """A moment in working hours on the ``low``..``high``-th working day after ``after`` (0: that day, later on)."""
    day = after.astimezone(WIB).date()
    for _ in range(rng.randint(low, high)):
        day = _next_working(day)
    if not _working(day):
        day = _next_working(day)
    opens, closes = _office(day)
    floor = max(opens, after + timedelta(minutes=5))
    if floor >= closes - timedelta(minutes=5):
        opens, closes = _office(_next_working(day))
        floor = opens
    return (floor + timedelta(minutes=rng.randint(0, int((closes - floor).total_seconds() // 60)))) \
        .replace(second=0, microsecond=0)


# ---- reports ----------------------------------------------------------------------------------

def _follow_up(tracking_id: str, n: int, oleh: str, text: str, at: datetime, account: str | None) -> dict[str, Any]:
    return {"id": f"tl-{tracking_id}-{n}", "oleh": oleh, "isi": text, "tanggal": at.isoformat(),
            "sub_instansi": account, "client_ref": None}


def _history(tracking_id: str, status: str, template: Template, account: str | None, disposed: datetime,
             fill: dict[str, str], rng: random.Random) -> tuple[str, dict | None, list[dict], datetime]:
    """The report's status, disposition, follow-ups and last change, agreeing with each other."""
    if status == "Belum Ditindaklanjuti" and (account is None or rng.random() >= 0.25):
        return status, None, [], disposed
    at = _later(disposed, rng, 0, 1)
    disposition = {"sub_instansi": account, "tanggal": at.isoformat(), "client_ref": None}
    items: list[dict] = []

    def add(oleh: str, text: str, when: datetime, by: str | None) -> datetime:
        items.append(_follow_up(tracking_id, len(items) + 1, oleh, text, when, by))
        return when

    if status != "Belum Ditindaklanjuti":
        at = add("instansi", template.answer.format(**fill), _later(at, rng, 1, 4), account)
        if rng.random() < 0.4:
            at = add("pelapor", rng.choice(REPLIES), at + timedelta(minutes=rng.randint(60, 2 * 24 * 60)), None)
            if rng.random() < 0.5:
                at = add("instansi", SECOND_ANSWER, _later(at, rng, 1, 3), account)
    if status == "Selesai":
        at = add("instansi", template.done.format(**fill), _later(at, rng, 1, 5), account)
        at = _later(at, rng, 0, 1)  # closed
    return _until_horizon(status, disposition, items, at, disposed)


def _until_horizon(status: str, disposition: dict, items: list[dict], changed: datetime,
                   disposed: datetime) -> tuple[str, dict | None, list[dict], datetime]:
    """A story that runs past HORIZON keeps what happened before it, and the status that goes with that."""
    if changed <= HORIZON:
        return status, disposition, items, changed
    items = [i for i in items if datetime.fromisoformat(i["tanggal"]) <= HORIZON]
    kept = disposition if datetime.fromisoformat(disposition["tanggal"]) <= HORIZON else None
    answered = any(i["oleh"] == "instansi" for i in items)
    last = max([disposed, *(datetime.fromisoformat(x["tanggal"]) for x in [*items, *([kept] if kept else [])])])
    return ("Proses" if answered else "Belum Ditindaklanjuti"), kept, items, last


def _statuses(count: int, rng: random.Random) -> list[str]:
    """The statuses of ``count`` reports in the shares of SHARES, shuffled."""
    statuses = [s for s, share in SHARES for _ in range(round(count * share))]
    statuses += ["Belum Ditindaklanjuti"] * (count - len(statuses))
    rng.shuffle(statuses)
    return statuses


def generate(count: int, seed: int = 2026, first_id: int = 5_100_000) -> list[dict]:
    """``count`` reports in the platform's wire shape (docs/lapor-contract.md), without seq."""
    rng, places = random.Random(seed), kelurahan_names()
    reports = []
    for n, planned in enumerate(_statuses(count, rng)):
        template = rng.choice(TEMPLATES)
        kel, street = rng.choice(places), rng.choice(STREETS)
        fill = {"kel": kel, "jalan": street}
        disposed = _in_period((n + rng.random()) / count)
        created = (disposed - timedelta(minutes=rng.randint(60, 3 * 24 * 60))).replace(second=0, microsecond=0)
        anonymous, secret = rng.random() < 0.15, rng.random() < 0.08
        name, tracking_id = rng.choice(NAMES), str(first_id + n)
        status, disposition, follow_ups, changed = _history(
            tracking_id, planned, template, account_for(template.code, kel), disposed, fill, rng)
        reports.append({
            "tracking_id": tracking_id, "versi": 1,
            "judul": template.title.format(**fill), "isi": template.text.format(**fill),
            "status": status, "kategori": template.kategori,
            "lokasi": {"kelurahan": kel, "alamat": street},
            "anonim": anonymous, "rahasia": secret,
            # The platform sends an anonymous reporter's identity to the agency marked anonim (assumption).
            "pelapor": {"nama": name, "telepon": f"08{rng.randint(10**9, 10**10 - 1)}",
                        "email": f"{name.split()[0].lower()}{n}@example.id"},
            "tanggal_lapor": created.isoformat(), "tanggal_disposisi": disposed.isoformat(),
            "diperbarui": changed.isoformat(), "disposisi": disposition, "tindak_lanjut": follow_ups,
            "client_ref": None,
        })
    return reports
