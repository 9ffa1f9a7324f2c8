"""tests/i18n.py's ``untranslated``: it finds the English originals a German page still shows, only those."""

import polib
import pytest

from tests import i18n

ENTRIES = {
    "Security incident": "Sicherheitsvorfall",
    "Report an incident": "Vorfall melden",
    "Staff": "Mitarbeitende",
    "Status": "Status",  # the same in German: never reported
    "Yes": "Ja",  # fewer than four letters: never reported
    "Export": "Exportieren",
    "Download the CSV-Export": "CSV-Export herunterladen",  # "Export" is part of German text
    "Closed %(name)s on %(date)s": "%(name)s am %(date)s geschlossen",
    "Search people": "Personen suchen",
    "Sign out": "Abmelden",
    "Filter the list": "",  # no German yet
    "Due soon": "Bald fällig",  # fuzzy below: gettext shows the English
}


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    folder = tmp_path / "someapp" / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    for msgid, msgstr in ENTRIES.items():
        entry = polib.POEntry(msgid=msgid, msgstr=msgstr)
        if msgid == "Due soon":
            entry.flags.append("fuzzy")
        po.append(entry)
    plural = polib.POEntry(
        msgid="%(counter)s open item", msgid_plural="%(counter)s open items", msgstr_plural={0: "", 1: ""}
    )
    plural.msgstr_plural = {0: "%(counter)s offener Eintrag", 1: "%(counter)s offene Einträge"}
    po.append(plural)
    po.save(str(folder / "django.po"))
    monkeypatch.setattr(i18n, "BASE", tmp_path)
    return po


def page(body: str) -> str:
    head = "<head><title>DPMS</title><script>var t = 'Sign out';</script></head>"
    return f"<html>{head}<body>{body}</body></html>"


def test_a_german_page_has_nothing_untranslated(catalogue):
    html = page("<h1>Sicherheitsvorfall</h1><p>Status: offen</p><a href='/x'>Vorfall melden</a>")
    assert i18n.untranslated(html) == []


def test_english_originals_are_named(catalogue):
    html = page("<h1>Security   incident</h1><p>Status</p><p>Report an <strong>incident</strong></p>")
    assert i18n.untranslated(html) == ["Report an incident", "Security incident"]


def test_attributes_a_person_sees_or_hears_are_read(catalogue):
    html = page(
        '<button aria-label="Sign out">x</button><input placeholder="Search people">'
        '<img alt="Staff" src="/a.png"><span title="Filter the list">?</span>'
        '<input type="submit" value="Export"><td data-label="Report an incident">x</td>'
    )
    found = ["Filter the list", "Report an incident", "Search people", "Sign out", "Staff"]
    assert i18n.untranslated(html) == found


def test_scripts_styles_and_other_attributes_are_not_text(catalogue):
    html = page(
        '<style>.Staff {}</style><a class="Staff" data-x="Sign out" href="/Staff">Mitarbeitende</a>'
        "<code>Staff.update</code>"
    )
    assert i18n.untranslated(html) == []


def test_whole_phrases_only(catalogue):
    # "Staff" inside "Staffing" is not the msgid; short and same-in-German msgids are never named.
    html = page("<p>Staffing Exports Yes Status</p>")
    assert i18n.untranslated(html) == []


def test_a_word_also_in_german_translations_is_not_looked_for(catalogue):
    assert i18n.untranslated(page("<p>CSV-Export herunterladen</p>")) == []


def test_placeholders_stand_for_any_words(catalogue):
    html = page("<p>Closed Backup restore on 7 Dec 2026</p><p>3 open items</p>")
    assert i18n.untranslated(html) == ["%(counter)s open items", "Closed %(name)s on %(date)s"]
    assert i18n.untranslated(page("<p>3 offene Einträge</p>")) == []


def test_missing_and_fuzzy_translations_count_as_english(catalogue):
    assert i18n.untranslated(page("<p>Due soon</p><p>Filter the list</p>")) == ["Due soon", "Filter the list"]


def test_names_and_addresses_the_test_put_there_are_ignored(catalogue):
    html = page("<p>Sam Staff</p><p>Staff.Team@example.com https://example.com/Staff</p>")
    assert i18n.untranslated(html) == ["Staff"]  # the name holds the msgid (addresses never count)...
    assert i18n.untranslated(html, ignore=["Sam Staff"]) == []  # ...so the test names it


def test_another_language_reads_its_own_catalogue(catalogue):
    assert i18n.untranslated(page("<p>Security incident</p>"), language="fr") == []
