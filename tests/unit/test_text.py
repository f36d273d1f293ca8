"""Indonesian text normalisation, stemming and place-name keys."""
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.routing.text import CLAUSE_BREAK, normalize, place_key, stem, stemmed_words, words

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("written, expected", [
    ("Jln. AH Nasution rusak", "jalan ah nasution rusak"),
    ("jl sudirman", "jalan sudirman"),
    ("yg gk diangkut", "yang tidak diangkut"),
    ("sdh lapor tp blm ada tindakan", "sudah lapor tapi belum ada tindakan"),
    ("ga bisa, gak jelas, tdk ada", "tidak bisa tidak jelas tidak ada"),
    ("Urus e-KTP, KTP-el, ektp dan E KTP", "urus ktp ktp ktp dan ktp"),
    ("Akte kelahiran", "akta kelahiran"),
    ("dibawa ke RS", "dibawa ke rumah sakit"),
    ("anak2 sekolah", "anak sekolah"),
    ("Kantor Kel. Ganjar Asri", "kantor kelurahan ganjar asri"),
    ("Sampah numpuk!!!", "sampah menumpuk"),
    ("Café résumé", "cafe resume"),
])
def test_normalize_expands_abbreviations_and_variants(written, expected):
    assert normalize(written) == expected


def test_clause_breaks_mark_punctuation_but_not_abbreviations_or_decimals():
    found = words("Dibuang ke saluran, air hitam. Jl. AH Nasution harga 1,2 juta", clause_breaks=True)
    assert found == ["dibuang", "ke", "saluran", CLAUSE_BREAK, "air", "hitam", CLAUSE_BREAK,
                     "jalan", "ah", "nasution", "harga", "1", "2", "juta"]
    assert CLAUSE_BREAK not in words("saluran, air")


@pytest.mark.parametrize("word, root", [
    ("berlubang", "lubang"), ("tersumbat", "sumbat"), ("diangkut", "angkut"),
    ("kelurahan", "lurah"), ("pelayanan", "layan"), ("perizinan", "izin"),
    # overrides: Sastrawi would say "cari", or merge a fire with burning rubbish
    ("mencemari", "cemar"), ("kebakaran", "kebakaran"), ("pembakaran", "bakar"),
    # abbreviations and numbers are left alone
    ("pkh", "pkh"), ("bpjs", "bpjs"), ("2024", "2024"),
])
def test_stem_reduces_words_to_their_root(word, root):
    assert stem(word) == root


def test_stemmed_words_normalises_first():
    assert stemmed_words("Jln berlubang2 yg tdk diperbaiki") == ["jalan", "lubang", "yang", "tidak", "baik"]


def test_stem_results_are_cached_per_word():
    stem("penggilingan")
    before = stem.cache_info().hits
    stem("penggilingan")
    assert stem.cache_info().hits == before + 1


def test_importing_text_builds_no_stemmer():
    code = ("import sys, shared.domain.routing.text as t; "
            "assert t._stemmer is None and 'Sastrawi' not in sys.modules; "
            "t.stem('berlubang'); assert t._stemmer is not None")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("one, other", [
    ("Ganjaragung", "Ganjar Agung"),
    ("Iring Mulyo", "Iringmulyo"),
    ("Kelurahan Tejo Agung", "tejoagung"),
    ("Kel. Hadimulyo-Barat", "HADIMULYO BARAT"),
    ("kec. Metro Pusat", "Metro Pusat"),
])
def test_place_key_ignores_case_spacing_punctuation_and_prefix(one, other):
    assert place_key(one) == place_key(other)


@pytest.mark.parametrize("one, other", [
    ("Ganjar Agung", "Ganjar Asri"),
    ("Purwosari", "Purwoasri"),
    ("Hadimulyo Barat", "Hadimulyo Timur"),
])
def test_place_key_keeps_different_places_apart(one, other):
    assert place_key(one) != place_key(other)


def test_place_key_strips_only_a_whole_prefix_word():
    assert place_key("Kelapa Gading") == "kelapagading"
    assert place_key("Kelurahan") == ""


@given(st.text())
def test_words_are_always_plain_lowercase_ascii(text):
    for word in words(text, clause_breaks=True):
        assert word == CLAUSE_BREAK or (word.isascii() and word.isalnum() and word == word.lower())


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)))
def test_normalize_ignores_case_for_ascii_text(text):
    assert normalize(text) == normalize(text.upper())


def _words_without_shortcuts(text: str) -> list[str]:
    """``words`` as first written: every text decomposed, every phrase pattern applied."""
    import unicodedata

    from shared.domain.routing import text as module
    lowered = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    for _, pattern, replacement in module._PHRASE_VARIANTS:
        lowered = pattern.sub(replacement, lowered)
    return [part for word in module._WORD.findall(lowered) for part in module.ABBREVIATIONS.get(word, word).split()]


@given(st.lists(st.sampled_from(list("aeiktpsdlnr2 /.-éÉ,ñ") + ["ktp", "e-", "s/d", "anak2", "KTP-el"]),
                max_size=20).map("".join))
def test_words_shortcuts_change_nothing(text):
    """The ASCII fast path and the patterns skipped when their text is absent give the same words."""
    assert words(text) == _words_without_shortcuts(text)
