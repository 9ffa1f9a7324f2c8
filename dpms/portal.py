"""Extension points: domain apps add navigation links and dashboard panels, so dpms needs to know no app.

An app registers in its ``AppConfig.ready``::

    portal.register_nav("Access", "access:grants", visible=lambda user: True, order=10)
    portal.register_panel("access/panels/queue.html", queue_panel, order=10)
    portal.register_seeder(seed_access_demo)
    portal.register_role_listener(sync_portal_roles_for)
    portal.register_person_listener(on_person_changed)

A panel function takes the request and returns its template context, or None to show nothing. Each panel
must run a fixed number of queries whatever the data size; the dashboard's query-count tests pin the sum.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    visible: Callable
    order: int = 50
    section: str = ""  # URL prefix that marks the link current, e.g. "/access/"


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable
    order: int = 50


_nav: list[NavLink] = []
_subnav: dict[str, list[NavLink]] = {}
_panels: list[Panel] = []
_seeders: list[tuple[int, Callable]] = []


def register_nav(
    label: str, url_name: str, *, visible: Callable = lambda user: True, order: int = 50, section: str = ""
) -> None:
    if all(link.url_name != url_name for link in _nav):
        _nav.append(NavLink(label, url_name, visible, order, section))
        _nav.sort(key=lambda link: link.order)


def register_subnav(
    section: str, label: str, url_name: str, *, visible: Callable = lambda user: True, order: int = 50
) -> None:
    """A link in the second navigation row shown on every page under ``section`` (e.g. "/access/")."""
    links = _subnav.setdefault(section, [])
    if all(link.url_name != url_name for link in links):
        links.append(NavLink(label, url_name, visible, order, section))
        links.sort(key=lambda link: link.order)


def subnav_for(request) -> list[dict]:
    """The current section's links; the one whose URL is the longest prefix of the path is current."""
    for section, links in _subnav.items():
        if request.path.startswith(section):
            shown = [(link.label, reverse(link.url_name)) for link in links if link.visible(request.user)]
            matching = [url for _label, url in shown if request.path.startswith(url)]
            current = max(matching, key=len, default=None)
            return [{"label": label, "url": url, "current": url == current} for label, url in shown]
    return []


def register_panel(template: str, context: Callable, *, order: int = 50) -> None:
    if all(panel.template != template for panel in _panels):
        _panels.append(Panel(template, context, order))
        _panels.sort(key=lambda panel: panel.order)


def nav_for(request) -> list[dict]:
    links = []
    for link in _nav:
        if link.visible(request.user):
            url = reverse(link.url_name)
            current = request.path.startswith(link.section or url)
            links.append({"label": link.label, "url": url, "current": current})
    return links


def panels_for(request) -> list[dict]:
    shown = []
    for panel in _panels:
        context = panel.context(request)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown


def register_seeder(seed: Callable, *, order: int = 50) -> None:
    """``seed(*, stdout)`` adds an app's demo data after the people exist; safe to run twice."""
    if all(existing is not seed for _order, existing in _seeders):
        _seeders.append((order, seed))
        _seeders.sort(key=lambda pair: pair[0])


def seeders() -> list[Callable]:
    return [seed for _order, seed in _seeders]


# --- Listeners: dpms services tell domain apps about changes to people, without importing them. ---------
_role_listeners: list[Callable] = []
_person_listeners: list[Callable] = []


def register_role_listener(listener: Callable) -> None:
    """``listener(*, user, actor)`` runs inside the transaction of every change to a person's portal roles."""
    if all(existing is not listener for existing in _role_listeners):
        _role_listeners.append(listener)


def register_person_listener(listener: Callable) -> None:
    """``listener(*, user, before, actor)`` runs inside the transaction of every change to a person's details;
    ``before`` holds the fields as they were (``manager_id``, ``team_id``, ...)."""
    if all(existing is not listener for existing in _person_listeners):
        _person_listeners.append(listener)


def roles_changed(*, user, actor) -> None:
    """Called by ``dpms.services`` after a person's portal roles changed, inside its transaction."""
    for listener in _role_listeners:
        listener(user=user, actor=actor)


def person_changed(*, user, before: dict, actor) -> None:
    """Called by ``dpms.services`` after a person's details changed, inside its transaction."""
    for listener in _person_listeners:
        listener(user=user, before=before, actor=actor)
