"""Indonesian-aware text normalisation for routing complaints.

Complaints are written the way citizens type: abbreviations ("jln", "yg",
"gk"), spelling variants ("e-KTP", "akte", "lobang"), reduplication with a
digit ("anak2"). ``words`` turns such text into plain lower-case words,
``stemmed_words`` also reduces each word to its root with the Sastrawi stemmer
("berlubang" -> "lubang"), and ``place_key`` folds a place name so that
"Ganjaragung" and "Kel. Ganjar Agung" compare equal.

Pure. The stemmer is built lazily, once per process, on first use; stems are
cached per word.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# Written forms that contain punctuation or spaces, rewritten before splitting; each
# with a text it cannot match without (most titles skip every pattern).
_PHRASE_VARIANTS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (needle, re.compile(pattern), replacement)
    for needle, pattern, replacement in (
        ("ktp", r"\be[\s.\-]*ktp(?:[\s.\-]*el)?\b", "ktp"),
        ("ktp", r"\bktp[\s.\-]*el\b", "ktp"),
        ("s/d", r"\bs/d\b", "sampai"),
        ("2", r"\b([a-z]{2,})2\b", r"\1"),  # reduplication: "anak2" -> "anak"
    )
)

# One written word -> its standard form (may be several words).
ABBREVIATIONS: dict[str, str] = {
    # roads and places
    "jl": "jalan", "jln": "jalan", "gg": "gang", "perum": "perumahan",
    "kec": "kecamatan", "kel": "kelurahan", "dpn": "depan", "dkt": "dekat",
    "blkg": "belakang", "sblh": "sebelah", "lobang": "lubang", "lobangnya": "lubang",
    # identity documents and services
    "ektp": "ktp", "ktpel": "ktp", "akte": "akta", "capil": "dukcapil",
    "rs": "rumah sakit", "rsu": "rsud", "puskes": "puskesmas", "jukir": "juru parkir",
    "sampa": "sampah", "mampat": "mampet",
    # informal function words
    "tdk": "tidak", "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak",
    "ngga": "tidak", "gx": "tidak", "enggak": "tidak", "engga": "tidak", "tak": "tidak",
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "sdh": "sudah", "udh": "sudah",
    "udah": "sudah", "blm": "belum", "blum": "belum", "krn": "karena", "karna": "karena",
    "utk": "untuk", "tp": "tapi", "dr": "dari", "dri": "dari", "sy": "saya", "sya": "saya",
    "aja": "saja", "jg": "juga", "lg": "lagi", "msh": "masih", "bnyk": "banyak",
    "byk": "banyak", "bgt": "banget", "skrg": "sekarang", "kmrn": "kemarin",
    "org": "orang", "bpk": "bapak", "pd": "pada", "spt": "seperti", "sm": "sama",
    "kalo": "kalau", "klo": "kalau", "trs": "terus", "hrs": "harus", "mhn": "mohon",
    "tlg": "tolong", "thn": "tahun", "bln": "bulan", "mlm": "malam", "sampe": "sampai",
    "gmn": "bagaimana", "gimana": "bagaimana", "bbrp": "beberapa", "dlm": "dalam",
    # colloquial verb forms the stemmer does not know
    "numpuk": "menumpuk", "ngelupas": "mengelupas", "dateng": "datang", "ngurus": "mengurus",
    "nunggu": "menunggu", "ngalir": "mengalir", "ngangkut": "mengangkut", "dipake": "dipakai",
    "nyumbat": "menyumbat", "keluarin": "mengeluarkan", "ketutup": "tertutup",
}

# Roots Sastrawi gets wrong ("mencemari" -> "cari") or would merge although routing
# must keep them apart ("kebakaran" is a fire, "pembakaran" burning something on purpose).
STEM_OVERRIDES: dict[str, str] = {
    "kebakaran": "kebakaran", "terbakar": "terbakar",
    "mencemari": "cemar", "dicemari": "cemar", "tercemari": "cemar",
    "ditelantarkan": "lantar", "menelantarkan": "lantar", "telantar": "lantar",
}

_PLACE_PREFIX = re.compile(r"^(?:kelurahan|kel|kecamatan|kec|desa|kampung)(?=[^a-z0-9]|$)[^a-z0-9]*")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+")
# Clause punctuation: , ; ! ? ( ) new line, and a full stop after a word of 4+ letters
# ("Jl." or "Kel." do not end a clause); a comma between digits ("1,2 juta") neither.
_CLAUSE_BREAK = re.compile(r"(?<![0-9]),|,(?![0-9])|[;!?()\n]|(?<=[a-z]{4})\.(?=\s|$)")
CLAUSE_BREAK = "|"  # the marker ``words(..., clause_breaks=True)`` puts between clauses
_WORD_OR_BREAK = re.compile(r"[a-z0-9]+|\|")

_stemmer: Any = None


def _ascii_lower(text: str) -> str:
    lowered = text.lower()
    if lowered.isascii():  # most complaints: nothing to decompose
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def normalize(text: str) -> str:
    """Lower-case words with punctuation removed and abbreviations expanded."""
    return " ".join(words(text))


def words(text: str, clause_breaks: bool = False) -> list[str]:
    """The words of ``text`` in standard spelling, in order; with ``clause_breaks``,
    ``CLAUSE_BREAK`` marks where punctuation ends a clause."""
    lowered = _ascii_lower(text)
    for needle, pattern, replacement in _PHRASE_VARIANTS:
        if needle in lowered:
            lowered = pattern.sub(replacement, lowered)
    if clause_breaks:
        lowered = _CLAUSE_BREAK.sub(f" {CLAUSE_BREAK} ", lowered)
    result: list[str] = []
    for word in (_WORD_OR_BREAK if clause_breaks else _WORD).findall(lowered):
        result.extend(ABBREVIATIONS.get(word, word).split())
    return result


def _get_stemmer() -> Any:
    global _stemmer
    if _stemmer is None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _stemmer = StemmerFactory().create_stemmer()
    return _stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The root of one normalised word ("kelurahan" -> "lurah"); digits and short words unchanged."""
    if word in STEM_OVERRIDES:
        return STEM_OVERRIDES[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    return _get_stemmer().stem(word) or word


def stemmed_words(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


@lru_cache(maxsize=4096)  # a city has a few dozen place names, written a few ways each
def place_key(name: str) -> str:
    """A loose key for a place name: no case, spaces, punctuation or leading "kelurahan"/"kec."."""
    lowered = _ascii_lower(name).strip()
    return _NON_ALNUM.sub("", _PLACE_PREFIX.sub("", lowered))
