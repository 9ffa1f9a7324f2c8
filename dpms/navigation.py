"""The header's navigation: the menu and the current section's second row, from the apps' portal links.

Every page shows them, so what does not depend on the request is worked out once per process: the links in
their order, each URL reversed and each label translated, for a URL configuration, script prefix and language
(``_menu_for``). A request then only asks each link's ``visible(user)`` and marks the current one. The
registrations are compared by identity on every request, so an app registered later (tests do) is seen at
once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from dpms import portal


@dataclass(frozen=True)
class _Entry:
    """A link with its URL reversed and its label translated. ``section`` is the prefix marking it current."""

    label: str
    url: str
    section: str
    visible: Callable


@dataclass(frozen=True)
class _Menu:
    """The menu's links by order, and each section's prefix with its second row's links in their order."""

    nav: tuple[_Entry, ...]
    sections: tuple[tuple[str, tuple[_Entry, ...]], ...]


_registrations: tuple[portal.App, ...] = ()  # what the menus below were built from
_menus: dict[tuple, _Menu] = {}


def _entry(link: portal.Link) -> _Entry:
    url = reverse(link.url_name)
    return _Entry(label=str(link.label), url=url, section=link.section or url, visible=link.visible)


def _build() -> _Menu:
    apps = portal.apps()
    links = sorted((app.nav for app in apps if app.nav), key=lambda link: link.order)
    return _Menu(
        nav=tuple(_entry(link) for link in links),
        sections=tuple(
            (app.nav.section, tuple(_entry(link) for link in app.subnav))
            for app in apps
            if app.nav and app.subnav
        ),
    )


def _menu_for() -> _Menu:
    """The menu for this request's URL configuration, script prefix and language, built once per process."""
    global _registrations
    apps = tuple(portal.apps())
    if len(apps) != len(_registrations) or any(a is not b for a, b in zip(apps, _registrations, strict=True)):
        _menus.clear()
        _registrations = apps
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())
    menu = _menus.get(key)
    if menu is None:
        menu = _menus[key] = _build()
    return menu


@receiver(setting_changed)
def _forget_menus(**kwargs) -> None:
    """A test that changes the URLs or languages gets menus built anew."""
    _menus.clear()


def menu(request) -> list[dict]:
    """The menu: every app's link the person may see, by order; the one whose section holds the path is
    current."""
    user, path = request.user, request.path
    return [
        {"label": entry.label, "url": entry.url, "current": path.startswith(entry.section)}
        for entry in _menu_for().nav
        if entry.visible(user)
    ]


def section_links(request) -> list[dict]:
    """The current section's links; the one whose URL is the longest prefix of the path is current."""
    path = request.path
    for section, entries in _menu_for().sections:
        if path.startswith(section):
            shown = [entry for entry in entries if entry.visible(request.user)]
            current = max((e.url for e in shown if path.startswith(e.url)), key=len, default=None)
            return [{"label": e.label, "url": e.url, "current": e.url == current} for e in shown]
    return []
