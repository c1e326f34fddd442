"""Validation of baucu.election/1 documents: every problem at once, with its JSON path."""

import json

from election.definition import parse_document, validate


def paths(problems, severity="error"):
    return {p.path for p in problems if p.severity == severity}


def test_valid_document_has_no_errors(mini_doc):
    definition, problems = validate(mini_doc)
    assert definition is not None
    assert paths(problems) == set()
    assert len(definition.polling_areas) == 5


def test_all_errors_reported_at_once_with_paths(mini_doc):
    mini_doc["units"][3]["parent"] = "999"  # unknown parent
    mini_doc["constituencies"][0]["seats"] = 0  # seats < 1
    mini_doc["constituencies"][1]["seats"] = 6  # > 5 for a council
    mini_doc["polling_areas"][0]["constituencies"]["QH"] = 7  # no such constituency
    mini_doc["candidates"][0]["sex"] = "X"
    mini_doc["election"]["date"] = "23/05/2021"
    definition, problems = validate(mini_doc)
    assert definition is None
    assert {
        "$.units[3].parent",
        "$.constituencies[0].seats",
        "$.constituencies[1].seats",
        "$.polling_areas[0].constituencies.QH",
        "$.candidates[0].sex",
        "$.election.date",
    } <= paths(problems)


def test_na_constituency_limited_to_three_seats(mini_doc):
    mini_doc["constituencies"][0]["seats"] = 4
    _, problems = validate(mini_doc)
    assert "$.constituencies[0].seats" in paths(problems)


def test_fewer_candidates_than_seats_is_an_error(mini_doc):
    mini_doc["candidates"] = [
        c
        for c in mini_doc["candidates"]
        if not (c["contest"] == "HDND-27496" and c["full_name"] != "Lương Thị Oanh")
    ]
    _, problems = validate(mini_doc)
    assert "$.constituencies[4]" in paths(problems)


def test_too_small_surplus_is_a_warning(mini_doc):
    mini_doc["candidates"] = [
        c for c in mini_doc["candidates"] if c["full_name"] != "Phạm Minh An"
    ]  # QH 1: 4 candidates for 3 seats (law asks 5)
    definition, problems = validate(mini_doc)
    assert definition is not None
    assert "$.constituencies[0]" in paths(problems, "warning")


def test_polling_area_outside_its_constituency(mini_doc):
    # 26734 (Quận 1) mapped to HDND-79 constituency 2, which covers Củ Chi only
    mini_doc["polling_areas"][0]["constituencies"]["HDND-79"] = 2
    _, problems = validate(mini_doc)
    assert "$.polling_areas[0].constituencies.HDND-79" in paths(problems)


def test_polling_area_in_two_constituencies_of_one_contest_is_caught(mini_doc):
    text = json.dumps(mini_doc, ensure_ascii=False)
    listed_once = '"constituencies": {"QH": 1, "HDND-79": 1}'
    assert listed_once in text
    text = text.replace(listed_once, '"constituencies": {"QH": 1, "QH": 2, "HDND-79": 1}', 1)
    _, problems = parse_document(text)
    assert len(problems) == 1
    assert "QH" in problems[0].message


def test_duplicate_codes_and_cycles(mini_doc):
    mini_doc["units"].append({"code": "760", "name": "X", "kind": "district", "parent": "79"})
    mini_doc["units"][0]["parent"] = "26734"  # 79 → 26734 → 760 → 79
    mini_doc["polling_areas"].append(dict(mini_doc["polling_areas"][0]))
    _, problems = validate(mini_doc)
    messages = " ".join(p.message for p in problems)
    assert "$.units[7].code" in paths(problems)
    assert "cycle" in messages or "vòng" in messages
    assert "$.polling_areas[5].code" in paths(problems)


def test_wrong_format_and_not_an_object():
    _, problems = validate([])
    assert paths(problems) == {"$"}
    _, problems = validate({"format": "other"})
    assert "$.format" in paths(problems)
    assert "$.units" in paths(problems)
    _, problems = parse_document("{not json")
    assert problems[0].path == "$"
