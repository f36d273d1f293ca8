"""Routing complaints to the unit with authority: mechanism, configuration, and
accuracy on realistic Kota Metro complaints (tests/data/routing_heldout.jsonl).

The data file has two halves: "heldout" lines were written before the rules and
never used to tune them; "tune" lines are the ones the rules were adjusted on.
Labelling guide: a service at the kelurahan office (letters, opening hours) is
layanan-kelurahan; asking for money, bribes, brokers or civil servants skipping
work is pungli-aparatur; school levies are pendidikan; several unrelated
problems in one complaint, or none, go to triage.
"""
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.domain.catalog import CatalogError
from shared.domain.routing import Location, RoutingDecision, build_routing_rules, route

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_heldout.jsonl"
RULES_SEEN = {"explicit-category", "inferred-category", "location", "authority-rule",
              "triage-no-match", "triage-ambiguous", "triage-no-location"}
CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
CASES = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def decide(title: str, description: str = "", rules=RULES, **kwargs) -> RoutingDecision:
    return route(CATALOG, rules, title=title, description=description, **kwargs)


def small_rules(categories: dict, **thresholds):
    """Rules for one mechanism, independent of how the Kota Metro file is tuned."""
    raw = {"thresholds": {"title_weight": 2, "min_score": 2, "min_margin": 1, **thresholds},
           "skip_words": ["di", "ke", "dan"], "landmark_words": ["depan"],
           "categories": {code: {"terms": terms} for code, terms in categories.items()}}
    return build_routing_rules(raw, CATALOG)


# --- explicit category ---------------------------------------------------------------

def test_explicit_known_category_wins_over_the_text():
    decision = decide("Jalan rusak berlubang", "aspal hancur", category="air-bersih")
    assert (decision.status, decision.unit_id, decision.category) == ("assigned", "perumda-air-minum", "air-bersih")
    assert decision.rule == "explicit-category" and decision.confidence == 1.0


def test_unknown_explicit_category_is_ignored_and_inferred_instead():
    decision = decide("Got mampet", "selokan meluap tiap hujan", category="saluran-got")
    assert (decision.unit_id, decision.category, decision.rule) == ("dinas-pupr", "drainase", "inferred-category")
    assert decision.reason.startswith("unknown category 'saluran-got' ignored; category 'drainase' inferred from")
    assert "'got'" in decision.reason and decision.matched_terms[0] == "got"


# --- kelurahan-scoped categories and places ----------------------------------------------

@pytest.mark.parametrize("location, description, kelurahan", [
    (Location(kelurahan="Ganjaragung"), "", "kel-ganjar-agung"),
    (Location(kelurahan="Iring Mulyo"), "", "kel-iringmulyo"),
    (Location(kelurahan="Kel. Tejo Agung, Metro Timur"), "", "kel-tejo-agung"),
    (Location(kelurahan="Ganjaragng"), "", "kel-ganjar-agung"),  # typo, fuzzy
    (Location(address="Jl. Ki Hajar Dewantara, Iring Mulyo"), "", "kel-iringmulyo"),
    (Location(address="Gg. Mawar RT 05 Ganjarangung"), "", "kel-ganjar-agung"),  # typo, fuzzy
    (None, "di kelurahan Ganjar Agung", "kel-ganjar-agung"),
    (None, "di kantor Kel. Metro", "kel-metro"),
    (Location(kelurahan="Metro", kecamatan="Metro Pusat"), "", "kel-metro"),
])
def test_layanan_kelurahan_goes_to_the_kelurahan_named(location, description, kelurahan):
    decision = decide("Surat pengantar lama", description, location=location)
    assert (decision.status, decision.unit_id, decision.rule) == ("assigned", kelurahan, "location")
    assert decision.category == "layanan-kelurahan" and decision.kelurahan_id == kelurahan
    assert kelurahan in decision.reason


@pytest.mark.parametrize("location, description", [
    (None, ""),
    (Location(kecamatan="Metro Barat"), ""),
    (Location(address="Jl. Ahmad Yani No. 5, Kota Metro"), ""),  # "Metro" is the city here
    (Location(kelurahan="Hadimulyo"), ""),  # Barat or Timur?
    (Location(kelurahan="Purwosri"), ""),  # equally close to Purwosari and Purwoasri
    (None, "urus di kelurahan Yosodadi lalu dilempar ke kelurahan Yosorejo"),
])
def test_layanan_kelurahan_without_a_single_kelurahan_goes_to_triage(location, description):
    decision = decide("Surat pengantar lama", description, location=location)
    assert (decision.status, decision.unit_id, decision.rule) == ("triage", "diskominfo", "triage-no-location")
    assert decision.category == "layanan-kelurahan" and decision.confidence == 0.0


def test_explicit_layanan_kelurahan_uses_the_location_too():
    decision = decide("Tolong", "", category="layanan-kelurahan", location=Location(kelurahan="Banjar Sari"))
    assert (decision.unit_id, decision.rule) == ("kel-banjarsari", "location")
    assert decision.reason == ("category 'layanan-kelurahan' given with the complaint; "
                               "kelurahan 'kel-banjarsari' from location.kelurahan 'Banjar Sari'")


def test_kelurahan_is_reported_for_other_categories_without_changing_the_unit():
    decision = decide("Jalan berlubang", "di Yosodadi", location=None)
    assert (decision.unit_id, decision.kelurahan_id) == ("dinas-pupr", "kel-yosodadi")


# --- inference mechanism -----------------------------------------------------------------

def test_no_term_at_all_goes_to_triage():
    decision = decide("Mohon perhatian", "Pak wali tolong perhatikan nasib warga kecil")
    assert (decision.status, decision.unit_id, decision.category, decision.rule) == (
        "triage", "diskominfo", None, "triage-no-match")
    assert decision.confidence == 0.0 and decision.matched_terms == ()


def test_score_below_the_minimum_goes_to_triage():
    rules = small_rules({"drainase": {"hujan": 1}}, min_score=3)
    decision = decide("Tolong", "kemarin hujan", rules=rules)
    assert (decision.status, decision.rule, decision.category) == ("triage", "triage-no-match", None)
    assert "below the minimum 3.0" in decision.reason


def test_ambiguous_text_goes_to_triage():
    rules = small_rules({"drainase": {"got": 3}, "jalan-jembatan": {"jalan rusak": 3}})
    decision = decide("Laporan warga", "got mampet dan jalan rusak", rules=rules)
    assert (decision.status, decision.unit_id, decision.rule) == ("triage", "diskominfo", "triage-ambiguous")
    assert "drainase" in decision.reason and "jalan-jembatan" in decision.reason


def test_several_problems_in_one_real_complaint_go_to_triage():
    decision = decide("Banyak masalah", "Jalan rusak, lampu jalan mati, got mampet, sampah numpuk")
    assert (decision.status, decision.rule) == ("triage", "triage-ambiguous")


def test_title_counts_more_than_description():
    rules = small_rules({"drainase": {"got": 3}, "jalan-jembatan": {"aspal": 3}})
    assert decide("got", "aspal", rules=rules).category == "drainase"
    assert decide("aspal", "got", rules=rules).category == "jalan-jembatan"


def test_longest_term_wins_so_a_phrase_is_not_also_its_words():
    rules = small_rules({"penerangan-jalan": {"lampu jalan": 3}, "jalan-jembatan": {"jalan": 3}})
    decision = decide("Laporan", "lampu jalan", rules=rules)
    assert decision.category == "penerangan-jalan" and decision.matched_terms == ("lampu jalan",)
    assert "no runner-up" in decision.reason


def test_phrases_do_not_cross_punctuation():
    rules = small_rules({"drainase": {"saluran air": 3}})
    assert decide("Laporan", "oli dibuang ke saluran, air jadi hitam", rules=rules).rule == "triage-no-match"
    assert decide("Laporan", "oli dibuang ke saluran air", rules=rules).category == "drainase"


def test_a_landmark_after_depan_counts_less():
    rules = small_rules({"sampah-kebersihan": {"sampah": 2}, "pendidikan": {"sekolah": 3}})
    assert decide("Laporan", "sampah di depan sekolah", rules=rules).category == "sampah-kebersihan"
    assert decide("Laporan", "sampah di sekolah", rules=rules).category == "pendidikan"


def test_terms_are_stemmed_like_the_text():
    rules = small_rules({"jalan-jembatan": {"lubang": 3}})
    decision = decide("Jln berlubang2", "", rules=rules)
    assert decision.category == "jalan-jembatan" and decision.matched_terms == ("lubang",)


def test_routing_is_deterministic():
    case: dict[str, Any] = dict(title="Sampah di TPS numpuk", description="bau, dekat pasar",
                location=Location(kelurahan="Metro"))
    assert decide(**case) == decide(**case)


# --- configuration ---------------------------------------------------------------------

def test_kota_metro_rules_give_terms_to_every_category_but_lainnya():
    covered = {term.category for rules in RULES.lexicon.values() for term in rules} - {None}  # None: senses
    assert covered == set(CATALOG.categories) - {"lainnya"}
    assert "ganjaragung" in RULES.places and RULES.places["iringmulyo"] == "kel-iringmulyo"
    assert set(RULES.places.values()) == {unit.id for unit in CATALOG.kelurahan()}


def test_rule_naming_an_unknown_category_is_rejected_with_file_and_entry():
    raw = {"categories": {"jalan-rusak": {"terms": {"lubang": 3}}}}
    with pytest.raises(CatalogError) as error:
        build_routing_rules(raw, CATALOG, "routing.yaml")
    assert (error.value.file, error.value.entry) == ("routing.yaml", "jalan-rusak")
    assert str(error.value) == "routing.yaml: entry 'jalan-rusak': unknown category (not in categories.yaml)"


GOOD = {"drainase": {"terms": {"got": 3}}}


@pytest.mark.parametrize("raw, entry, problem", [
    ({"categories": {"drainase": {"terms": {"got": -1}}}}, "drainase: got", "must be positive"),
    ({"categories": {"drainase": {"terms": {"got": "tinggi"}}}}, "drainase: got", "must be a number"),
    ({"categories": {"drainase": {"terms": {"got": True}}}}, "drainase: got", "must be a number"),
    ({"categories": {"drainase": {"terms": {}}}}, "drainase", "non-empty 'terms'"),
    ({"categories": {"drainase": {"terms": {"berlubang": 2, "lubang": 3}}}}, "drainase", "same after stemming"),
    ({"categories": {"drainase": {"terms": {"!!!": 2}}}}, "drainase", "at least one word"),
    ({"categories": {}}, "categories", "at least one category"),
    ({"categories": GOOD, "rules": {}}, "rules", "unknown section"),
    ({"categories": GOOD, "thresholds": {"min_scor": 2}}, "thresholds.min_scor", "unknown setting"),
    ({"categories": GOOD, "thresholds": {"min_score": 0}}, "thresholds.min_score", "must be positive"),
    ({"categories": GOOD, "thresholds": {"place_fuzzy_cutoff": 120}}, "thresholds.place_fuzzy_cutoff", "at most 100"),
    ({"categories": GOOD, "places": {"aliases": {"kel-ganjar": ["ganjar"]}}}, "places.aliases.kel-ganjar",
     "unknown unit"),
    ({"categories": GOOD, "places": {"aliases": {"kec-metro-barat": ["mebar"]}}}, "places.aliases.kec-metro-barat",
     "not a kelurahan"),
    ({"categories": GOOD, "places": {"aliases": {"kel-yosodadi": ["Yoso Rejo"]}}}, "places.aliases.kel-yosodadi",
     "already names kel-yosorejo"),
    ({"categories": GOOD, "places": {"prefix_only": ["metro"]}}, "places.prefix_only", "unknown unit"),
    ({"categories": GOOD, "skip_words": "di ke"}, "skip_words", "list of words"),
    (["drainase"], "-", "must hold a mapping"),
])
def test_bad_rules_are_rejected_naming_the_entry(raw, entry, problem):
    with pytest.raises(CatalogError) as error:
        build_routing_rules(raw, CATALOG, "routing.yaml")
    assert error.value.file == "routing.yaml" and error.value.entry == entry
    assert problem in error.value.problem


def test_load_routing_rules_names_the_file_it_read(tmp_path):
    (tmp_path / "routing.yaml").write_text("categories:\n  jalan: {terms: {lubang: 3}}\n", encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_routing_rules(CATALOG, tmp_path)
    assert error.value.file == str(tmp_path / "routing.yaml") and error.value.entry == "jalan"


# --- realistic complaints: accuracy per split ------------------------------------------

def _evaluate(split: str) -> tuple[float, float, list[str]]:
    cases = [c for c in CASES if c["split"] == split]
    right, wrong_unit, misses = 0, 0, []
    for case in cases:
        location = Location(**case["location"]) if case["location"] else None
        decision = decide(case["title"], case["description"], location=location)
        expected_status = "triage" if case["expected_category"] is None else "assigned"
        if decision.unit_id == case["expected_unit"] and decision.status == expected_status:
            right += 1
            continue
        wrong_unit += decision.status == "assigned" and decision.unit_id != case["expected_unit"]
        misses.append(f"{case['title']!r}: expected {case['expected_unit']}, "
                      f"got {decision.unit_id} ({decision.reason})")
    return right / len(cases), wrong_unit / len(cases), misses


def test_data_file_is_realistic_and_consistent():
    assert len(CASES) >= 120
    splits = [c["split"] for c in CASES]
    assert set(splits) == {"tune", "heldout"} and abs(splits.count("tune") - splits.count("heldout")) <= 10
    for case in CASES:
        assert case["expected_unit"] in CATALOG.units
        assert case["expected_category"] is None or case["expected_category"] in CATALOG.categories
        category = CATALOG.categories.get(case["expected_category"])
        if category and not category.location_scoped:
            assert case["expected_unit"] == category.default_unit, case["title"]
        if case["expected_category"] is None:
            assert case["expected_unit"] == CATALOG.triage_unit
    covered = {c["expected_category"] for c in CASES if c["split"] == "heldout"}
    assert covered >= set(CATALOG.categories) - {"lainnya"}


# heldout measures how the rules generalise (target 0.85; 1.0 when written, see the report);
# tune holds the rules' regression examples: a wrong unit there means a rule change broke one.
@pytest.mark.parametrize("split, minimum_accuracy, maximum_wrong_unit", [("heldout", 0.90, 0.05), ("tune", 0.95, 0.0)])
def test_accuracy_per_split(split, minimum_accuracy, maximum_wrong_unit):
    accuracy, wrong_unit, misses = _evaluate(split)
    print(f"\nrouting {split}: accuracy {accuracy:.3f}, wrong-unit rate {wrong_unit:.3f}")
    assert accuracy >= minimum_accuracy, "\n".join(misses)
    assert wrong_unit <= maximum_wrong_unit, "\n".join(misses)


def test_average_routing_time_is_under_a_millisecond():
    inputs = [dict(title=c["title"], description=c["description"],
                   location=Location(**c["location"]) if c["location"] else None) for c in CASES]
    for kwargs in inputs:  # warm-up: stemmer built, words cached
        decide(**kwargs)
    rounds = []  # the best of 5 rounds: the machine is shared, the router's cost is the floor
    for _ in range(5):
        start = time.perf_counter()
        for kwargs in inputs:
            decide(**kwargs)
        rounds.append((time.perf_counter() - start) / len(inputs))
    average = min(rounds)
    print(f"\nrouting: {average * 1e6:.0f} microseconds per complaint")
    assert average < 0.001


# --- properties ------------------------------------------------------------------------

VOCABULARY = ["jalan", "rusak", "got", "mampet", "lampu", "mati", "sampah", "ktp", "puskesmas", "rsud",
              "sekolah", "parkir", "pkl", "pkh", "izin", "pbb", "pdam", "banjir", "kebakaran", "kelurahan",
              "kel.", "surat pengantar", "pungli", "Ganjaragung", "Iring Mulyo", "Metro", "depan", ",", "2",
              "yg", "gk", "e-KTP", "Hadimulyo"]
free_text = st.one_of(st.text(max_size=200),
                      st.lists(st.sampled_from(VOCABULARY), max_size=30).map(" ".join))
optional_text = st.none() | free_text
locations = st.none() | st.builds(Location, kelurahan=optional_text, kecamatan=optional_text, address=optional_text)
categories = st.none() | st.sampled_from(sorted(CATALOG.categories)) | st.text(max_size=20)


@settings(max_examples=300, deadline=None)
@given(title=free_text, description=free_text, category=categories, location=locations)
def test_route_never_raises_and_always_names_a_real_unit(title, description, category, location):
    decision = decide(title, description, category=category, location=location)
    assert decision.unit_id in CATALOG.units
    assert decision.rule in RULES_SEEN and decision.reason
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.category is None or decision.category in CATALOG.categories
    assert decision.kelurahan_id is None or CATALOG.unit(decision.kelurahan_id).kind == "kelurahan"
    if decision.status == "triage":
        assert decision.unit_id == CATALOG.triage_unit
    else:
        assert decision.status == "assigned" and decision.category is not None
        unit = CATALOG.categories[decision.category].default_unit
        assert decision.unit_id == (decision.kelurahan_id if decision.rule == "location" else unit)


# --- reading a complaint the way a LAPOR! admin does (issue 12) ----------------------------

def test_politeness_formulas_never_count():
    decision = decide("Mohon izin lapor", "Mohon izin lapor pak, jalan berlubang besar. Terima kasih.")
    assert (decision.unit_id, decision.category) == ("dinas-pupr", "jalan-jembatan")
    assert "perizinan" not in dict(decision.alternatives)
    assert decide("Mohon izin bertanya", "mohon izin bertanya soal izin usaha di OSS").category == "perizinan"


def test_spellings_from_the_catalog_are_read_like_the_standard_word():
    assert decide("uwuh", "uwuh neng pinggir dalan numpuk").category == "sampah-kebersihan"


def test_a_phrase_sense_takes_its_words_from_the_shorter_term():
    decision = decide("Pencemaran nama baik oleh pegawai", "oknum pegawai menyebar fitnah, pencemaran nama baik")
    assert decision.category == "pungli-aparatur"
    assert decide("Antre dari pagi smp sore", "antre rekam KTP dari pagi smp sore").category == "adminduk"


def test_a_place_term_yields_to_the_problem_of_another_category():
    decision = decide("Jalan ke puskesmas rusak", "Jalan menuju puskesmas berlubang, jalan rusak parah")
    assert decision.category == "jalan-jembatan"
    assert decide("Puskesmas tutup", "puskesmas sering tutup siang").category == "kesehatan"  # alone it counts


def test_an_authority_rule_puts_the_cause_first_and_says_so():
    decision = decide("Jalan amblas", "Jalan amblas dan berlubang karena pipa induk PDAM pecah di bawahnya")
    assert (decision.unit_id, decision.rule) == ("perumda-air-minum", "authority-rule")
    assert "burst-main-under-road" in decision.reason
    assert decision.alternatives and decision.alternatives[0][0] == "jalan-jembatan"


def test_the_main_issue_named_wins_over_the_others():
    text = "Lampu jalan mati dan sampah telat diangkut, tapi yang paling mendesak air PDAM tidak mengalir seminggu."
    decision = decide("Keluhan warga", text)
    assert decision.category == "air-bersih" and "main issue" in decision.reason
    several = decide("Banyak masalah", "Lampu jalan mati, sampah tidak diangkut, air PDAM mati, jalan berlubang.")
    assert several.status == "triage"


def test_every_decision_records_up_to_three_alternatives_with_scores():
    decision = decide("Got mampet dan sampah menumpuk", "selokan tersumbat sampah, lampu jalan juga mati")
    assert 1 <= len(decision.alternatives) <= 3 and decision.category not in dict(decision.alternatives)
    scores = [score for _, score in decision.alternatives]
    assert scores == sorted(scores, reverse=True) and decision.decided_by == "rules"


RULE = {"name": "r", "category": "drainase", "all": [["got"]], "reason": "because"}


@pytest.mark.parametrize("extra, entry", [
    ({"formulas": "mohon izin"}, "formulas"),
    ({"spellings": {"dua kata": "x"}}, "spellings.dua kata"),
    ({"senses": {"got": {}}}, "senses.got"),
    ({"senses": {"got mampet": {"saluran": 2}}}, "senses.got mampet.saluran"),
    ({"authority_rules": [{**RULE, "category": "nope"}]}, "authority_rules.r.category"),
    ({"authority_rules": [{**RULE, "all": []}]}, "authority_rules.r.all"),
    ({"authority_rules": [{**RULE, "reason": " "}]}, "authority_rules.r.reason"),
    ({"authority_rules": [RULE, RULE]}, "authority_rules.r"),
    ({"authority_rules": [{**RULE, "when": 1}]}, "authority_rules.r.when"),
    ({"learning": {"min_probability": 2}}, "learning.min_probability"),
    ({"learning": {"epochs": 2}}, "learning.epochs"),
    ({"thresholds": {"place_term_factor": 3}}, "thresholds.place_term_factor"),
])
def test_bad_issue_12_sections_are_rejected_naming_the_entry(extra, entry):
    with pytest.raises(CatalogError) as error:
        build_routing_rules({"categories": GOOD, **extra}, CATALOG, "routing.yaml")
    assert error.value.entry == entry


def test_unknown_category_key_is_rejected():
    with pytest.raises(CatalogError) as error:
        build_routing_rules({"categories": {"drainase": {"terms": {"got": 3}, "place": {"x": 1}}}}, CATALOG)
    assert error.value.entry == "drainase.place"
