"""Deterministic, realistic Kota Metro reports for the sandbox (Indonesian text).

The same seed gives the same reports; kelurahan names come from the city's units.yaml.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

UNITS = Path(__file__).resolve().parents[2] / "shared" / "catalog" / "kota-metro" / "units.yaml"
START = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)

# (national category, title, text) - {kel} and {jalan} are filled in.
TEMPLATES = [
    ("Infrastruktur", "Jalan berlubang di {jalan}", "Jalan di {jalan}, Kelurahan {kel}, berlubang besar dan "
     "sering membuat pengendara motor jatuh, terutama saat hujan. Mohon segera diperbaiki."),
    ("Infrastruktur", "Drainase tersumbat di {jalan}", "Saluran drainase di {jalan} Kelurahan {kel} tersumbat "
     "sampah sehingga air meluap ke jalan setiap hujan deras."),
    ("Infrastruktur", "Lampu PJU mati di {jalan}", "Lampu penerangan jalan umum di {jalan}, {kel}, mati sejak "
     "dua minggu. Jalan gelap gulita dan rawan kejahatan pada malam hari."),
    ("Lingkungan Hidup", "Sampah menumpuk di TPS {kel}", "Sampah di TPS dekat {jalan} Kelurahan {kel} tidak "
     "diangkut sudah seminggu, bau menyengat dan banyak lalat."),
    ("Kependudukan", "KTP-el belum jadi", "Saya sudah rekam KTP-el di Disdukcapil tiga bulan lalu tetapi sampai "
     "sekarang belum dicetak. Alamat saya di Kelurahan {kel}."),
    ("Kesehatan", "Pelayanan puskesmas lambat", "Antrean di puskesmas wilayah {kel} sangat lama, petugas "
     "pendaftaran hanya satu orang dan pasien lansia menunggu berjam-jam."),
    ("Pendidikan", "Pungutan di sekolah negeri", "Ada pungutan uang seragam dan buku di SD negeri di {kel} "
     "padahal katanya sekolah gratis. Mohon ditindaklanjuti."),
    ("Perhubungan", "Lampu lalu lintas rusak di {jalan}", "Lampu lalu lintas di simpang {jalan} mati sejak "
     "kemarin, kendaraan saling serobot dan hampir terjadi kecelakaan."),
    ("Ketertiban Umum", "Pedagang kaki lima di trotoar {jalan}", "PKL berjualan di trotoar {jalan} Kelurahan "
     "{kel} sehingga pejalan kaki harus turun ke jalan."),
    ("Sosial", "Bantuan sosial tidak tepat sasaran", "Keluarga kami terdaftar DTKS di Kelurahan {kel} tetapi "
     "bantuan PKH tidak pernah diterima sejak awal tahun."),
    ("Air Minum", "Air PDAM tidak mengalir", "Air dari Perumda Air Minum tidak mengalir ke rumah kami di {jalan} "
     "Kelurahan {kel} sudah tiga hari."),
    ("Pelayanan Publik", "Pelayanan surat pengantar di kelurahan lambat", "Mengurus surat pengantar di kantor "
     "Kelurahan {kel} butuh tiga hari dan petugas sering tidak ada di tempat."),
]
STREETS = ["Jl. Ahmad Yani", "Jl. Jenderal Sudirman", "Jl. Cendrawasih", "Jl. Imam Bonjol", "Jl. Ki Hajar Dewantara",
           "Jl. Pattimura", "Jl. Diponegoro", "Jl. AR Prawiranegara", "Jl. Soekarno-Hatta", "Jl. Kapten Tendean"]
NAMES = ["Budi Santoso", "Siti Aminah", "Agus Wibowo", "Dewi Lestari", "Rudi Hartono", "Sri Wahyuni",
         "Joko Susilo", "Rina Marlina", "Eko Prasetyo", "Nur Hidayah"]
STATUSES = ["Belum Ditindaklanjuti"] * 6 + ["Proses"] * 3 + ["Selesai"]


def kelurahan_names() -> list[str]:
    units = yaml.safe_load(UNITS.read_text())["units"]
    return [u["name"].removeprefix("Kelurahan ") for u in units if u["kind"] == "kelurahan"]


def generate(count: int, seed: int = 2026, first_id: int = 5_100_000) -> list[dict]:
    """``count`` reports in the platform's wire shape (docs/lapor-contract.md), without seq."""
    rng, places = random.Random(seed), kelurahan_names()
    reports = []
    for n in range(count):
        category, title, text = rng.choice(TEMPLATES)
        kel, street = rng.choice(places), rng.choice(STREETS)
        created = START + timedelta(minutes=37 * n + rng.randint(0, 30))
        anonymous, secret = rng.random() < 0.15, rng.random() < 0.08
        name = rng.choice(NAMES)
        reports.append({
            "tracking_id": str(first_id + n), "versi": 1,
            "judul": title.format(kel=kel, jalan=street), "isi": text.format(kel=kel, jalan=street),
            "status": rng.choice(STATUSES), "kategori": category,
            "lokasi": {"kelurahan": kel, "alamat": street},
            "anonim": anonymous, "rahasia": secret,
            # The platform sends an anonymous reporter's identity to the agency marked anonim (assumption).
            "pelapor": {"nama": name, "telepon": f"08{rng.randint(10**9, 10**10 - 1)}",
                        "email": f"{name.split()[0].lower()}{n}@example.id"},
            "tanggal_lapor": created.isoformat(), "tanggal_disposisi": (created + timedelta(days=1)).isoformat(),
            "diperbarui": (created + timedelta(days=1)).isoformat(), "tindak_lanjut": [],
        })
    return reports
