"""Is a page really in German? ``untranslated(html)`` names the English originals still showing on it.

A German test renders a page as a German-speaking person (``sign_in_german``) and asserts
``untranslated(response.content.decode()) == []``. The helper reads the page's visible text (plus the
texts a browser shows or reads out from attributes: ``title``, ``aria-label``, ``placeholder``, ``alt``,
``data-label`` (a column's name on a phone) and the ``value`` of buttons), then looks in it for the
English msgid of every entry of every app's catalogue (``<app>/locale/<language>/LC_MESSAGES/django.po``)
whose translation differs from it: an entry with no translation, a fuzzy one (gettext does not use it) or
one translated into other words. A msgid is found only as a whole phrase (word boundaries on both sides,
its placeholders standing for any words).

Left out, because they would cry wolf: text in ``<code>`` (data: stored names, hashes, commands);
msgids with fewer than four letters outside their placeholders;
msgids whose German is the same ("Status", "Team"); English words that are also part of some German
translation ("Export" in "CSV-Export"); e-mail addresses and web addresses on the page; and whatever
the test passes in ``ignore`` (the names and data it put there: "Sam Staff" holds the msgid "Staff").
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.caching import check_every_signed_in_response

BASE = Path(settings.BASE_DIR)
PLACEHOLDER = re.compile(r"%\([^)]+\)[a-z]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")
TAG = re.compile(r"<[^>]+>")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"\bhttps?://\S+")
# data-label: a table cell's column name, shown before it on a phone (dpms.css, "stack-on-phone").
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-label")
# Not prose: scripts and styles; and <code>, <kbd>, <samp>, which hold data (stored action names like
# people.user.update, hashes, commands). <head> is read: its <title> names the tab.
SILENT = {"script", "style", "template", "code", "kbd", "samp"}
MIN_LETTERS = 4
GAP = r"\s*.{0,200}?\s*"


class _Text(HTMLParser):
    """Collects what a person reads or hears: text nodes outside script/style, and the shown attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ATTRIBUTES:
            if values.get(name):
                self.parts.append(str(values[name]))
        kind = (values.get("type") or "").lower()
        if tag == "input" and kind in {"submit", "button", "reset"} and values.get("value"):
            self.parts.append(str(values["value"]))
        if tag == "button" and values.get("value") and not values.get("name"):
            self.parts.append(str(values["value"]))
        if tag in SILENT:
            self._silent += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        silent = self._silent
        self.handle_starttag(tag, attrs)
        self._silent = silent  # a self-closed tag opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT and self._silent:
            self._silent -= 1

    def handle_data(self, data: str) -> None:
        if not self._silent and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a person meets it, one space between pieces (attributes' texts included)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def _catalogue_paths(language: str) -> tuple[tuple[str, float], ...]:
    paths = sorted(BASE.glob(f"*/locale/{language}/LC_MESSAGES/django.po"))
    return tuple((str(path), path.stat().st_mtime) for path in paths)


def _pattern(msgid: str) -> re.Pattern[str] | None:
    """A msgid as a regular expression over visible text, or None when it is too short to look for."""
    text = html_lib.unescape(TAG.sub(" ", msgid)).replace("%%", "%")
    pieces = PLACEHOLDER.split(text)
    if sum(1 for piece in pieces for char in piece if char.isalpha()) < MIN_LETTERS:
        return None
    # Placeholders stand for a few words of anything; a msgid starting or ending with one is looked for
    # without it ("%(name)s was closed" -> "was closed").
    words = [r"\s+".join(re.escape(word) for word in piece.split()) for piece in pieces]
    while words and not words[0]:
        words.pop(0)
    while words and not words[-1]:
        words.pop()
    body = GAP.join(words)
    if not body:
        return None
    return re.compile(r"(?<!\w)" + body + r"(?!\w)")


@functools.lru_cache(maxsize=4)
def _originals(paths: tuple[tuple[str, float], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    import polib

    pairs: list[tuple[str, str]] = []  # (English, German or "" when German is missing)
    for path, _mtime in paths:
        for entry in polib.pofile(path):
            if entry.obsolete:
                continue
            usable = "fuzzy" not in entry.flags
            if entry.msgid_plural:
                forms = entry.msgstr_plural
                pairs.append((entry.msgid, forms.get(0, "") if usable else ""))
                pairs.append((entry.msgid_plural, forms.get(1, "") if usable else ""))
            else:
                pairs.append((entry.msgid, entry.msgstr if usable else ""))
    german = " \n ".join(html_lib.unescape(TAG.sub(" ", translated)) for _english, translated in pairs)
    found: dict[str, re.Pattern[str]] = {}
    for english, translated in pairs:
        if english == translated or english in found:
            continue
        pattern = _pattern(english)
        if pattern is None or pattern.search(german):
            continue  # too short, or the same words are German too ("Export" in "CSV-Export")
        found[english] = pattern
    return tuple(found.items())


def untranslated(html: str, language: str = "de", ignore: Iterable[str] = ()) -> list[str]:
    """The English msgids (of every app's catalogue) that appear in the page's visible text.

    ``ignore``: names and data the test put on the page, taken out of the text before looking.
    """
    text = visible_text(html)
    for value in sorted((str(v) for v in ignore if v), key=len, reverse=True):
        text = text.replace(value, " ")
    text = URL.sub(" ", EMAIL.sub(" ", text))
    originals = _originals(_catalogue_paths(language))
    return sorted(english for english, pattern in originals if pattern.search(text))


def speaks_german(user):
    """Make ``user`` a German-speaking person (their account's language), saved."""
    user.language = "de"
    user.save(update_fields=["language"])
    return user


def sign_in_german(client: Client, user) -> Client:
    """``client`` signed in as ``user``, who has chosen German under their account (no Accept-Language
    header: the person's own choice has to carry the page). Checks no-store like ``client_for``."""
    speaks_german(user)
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return check_every_signed_in_response(client)
