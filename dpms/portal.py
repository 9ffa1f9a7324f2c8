"""How a domain app plugs into the portal, so that dpms needs to know no app.

Every app registers once, in its ``AppConfig.ready``, with one ``register_app`` call that names everything
it adds: its menu link, the links of its second navigation row, its dashboard panels, its demo seeder, its
periodic tick and its listeners to changes of people. The same call, in the same shape, in every app::

    portal.register_app(
        portal.App(
            name="access",
            nav=portal.Link("Access", "access:grants", section="/access/", order=10),
            subnav=[portal.Link("Grants", "access:grants"), portal.Link("Systems", "access:systems")],
            panels=[
                portal.Panel(
                    "access/reviews/panel.html", reviews.queue_panel, order=10, key="access-review-queue"
                ),
                portal.Panel(
                    "access/register/findings_panel.html",
                    register.findings_panel,
                    order=20,
                    key="access-findings",
                    visible=may_see_all_findings,
                ),
            ],
            seeder=portal.Seeder(demo.seed, order=10),
            tick=portal.Tick(tasks.tick, every=timedelta(minutes=5)),
            role_listeners=[portal_roles.sync_portal_roles_for],
            person_listeners=[movers.on_person_changed],
            joiner_listeners=[birthright.on_person_joined],
            leaver_listeners=[leavers.on_person_left],
            api=[portal.ApiRoute("access/grants", api.grants.GrantViewSet, "grant")],
        )
    )

- A link's ``visible(user)`` says who sees it (everyone by default); the second row's links keep the order
  they are given in. The header reads them through ``dpms.navigation`` (URLs and labels worked out once per
  process), so ``visible`` runs on every page: it decides from the person's roles, with no query of its own.
- A panel is a card of the dashboard, loaded by a request of its own: the dashboard is a shell that puts, in
  each visible panel's place and order, a placeholder that htmx replaces (``hx-trigger="load"``) with what
  the panel's URL answers (``dashboard_panel``, ``/dashboard/panels/<key>/``), so no panel waits for
  another and the page is usable at once. A panel has a ``key``, a short slug unique across the apps
  (``"access-review-queue"``: its URL, and its name in tests and benchmarks), and ``visible(user)``, who
  gets a placeholder (everyone by default). ``visible`` decides from the person's portal roles alone (read
  once per request, on the user), never with a query of its own: the shell runs it for every panel. A
  panel for everyone whose content depends on the data (a queue that may be empty, reports one may not
  have) stays visible to everyone and says so in its ``context``. ``context(request)`` returns the
  template's ``panel``, or None for "nothing to show" (the answer is then empty, and the placeholder goes);
  it keeps its own permission checks, since its URL can be asked for directly (a panel not visible to the
  person is a 404 there, like an unknown key). Each panel's request runs a fixed number of queries
  whatever the data size, pinned by its tests; the shell's count does not depend on the panels' data.
- A section is a template an area adds to another area's page without that page importing it: the page
  asks ``sections_for(slot)`` and includes each (the incidents app adds
  ``portal.Section("risk-detail", "incidents/lists/_risk_section.html")``: the incidents naming a risk).
  Without ``context`` it gets the page's context; with ``context(request, obj, bound=None)`` it gets what
  that returns (None: not shown; ``bound``: the page's forms with errors). Each runs a fixed number of
  queries.
- A seeder is ``seed(*, stdout)``: it adds the app's demo data after the people exist, and is safe to run
  twice. Seeders run in their ``order`` (an app whose demo needs another's data comes after it).
- A tick is a Celery task that Celery beat sends every ``every`` (``dpms.celery.beat_schedule``); it reads
  its calendar from the database (``dpms.ticks``).
- A search is a kind of thing the header's search box finds (people, systems, risks ...): its ``find``
  runs one query through the app's own read rules, so nobody finds what they could not open.
- An API route is a DRF viewset the app's ``api/<area>.py`` defines, registered under /api/v1/<prefix>/
  (``dpms.api.urls``), with the foundation's conventions (``dpms.api.conventions.ApiViewMixin``).
- Role listeners are ``listener(*, user, actor)`` and person listeners ``listener(*, user, before, actor)``;
  joiner listeners ``listener(*, user, actor)`` (a person was created, by any way: admin, invite_user, API,
  SCIM, SSO) and leaver listeners ``listener(*, user, actor)`` (a person was deactivated). ``dpms.services``
  calls them inside the transaction of the change (``roles_changed``, ``person_changed``, ``person_joined``,
  ``person_left``): the app's work happens with the change, or neither does. ``actor`` is None for a change
  made by a system (SCIM, SSO); the audit trail's source says where it came from.
- Event listeners let a higher app make a lower one act without importing its services: the higher app
  calls ``announce(event, **payload)`` inside its own transaction, and every app that registered
  ``event_listeners={event: [listener, ...]}`` has ``listener(**payload)`` called there and then (the
  listening app's work commits with the announcing change, or neither does). ``announce`` returns what the
  listeners returned, in registration order. Events are named ``<app>.<what happened>``, e.g.
  ``vulnerability.deadline_breached(system, vulnerability)`` (access opens a finding on the system),
  ``vulnerability.deadline_settled(system, vulnerability)`` (access resolves it when nothing overdue remains)
  and ``vulnerability.disclosed(title, description, reporter_contact, ...)`` (incidents files an incident
  for triage and returns it).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta


def everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class Link:
    """A navigation link. ``section`` is the URL prefix that marks a menu link current (e.g. "/access/")."""

    label: str
    url_name: str
    visible: Callable = everyone
    order: int = 50
    section: str = ""


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: its template, the function giving its context (or None: not shown), its place
    (``order``), its ``key`` (a slug unique across apps: its URL) and who gets it (``visible(user)``, from
    the person's roles alone)."""

    template: str
    context: Callable
    order: int = 50
    _: KW_ONLY
    key: str
    visible: Callable = everyone


@dataclass(frozen=True)
class Section:
    """A template included in the named ``slot`` of another area's page (``sections_for``), by order, with
    the context ``context`` gives (None: the page's own)."""

    slot: str
    template: str
    context: Callable | None = None
    order: int = 50


@dataclass(frozen=True)
class Seeder:
    """An app's demo data: ``seed(*, stdout)``, run by ``manage.py seed_demo`` in ``order``."""

    seed: Callable
    order: int = 50


@dataclass(frozen=True)
class Tick:
    """An app's periodic tick: a Celery task (anything with a ``name``) sent by beat every ``every``."""

    task: object
    every: timedelta

    @property
    def name(self) -> str:
        return self.task.name  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ApiRoute:
    """An app's endpoint under /api/v1/: ``prefix`` (e.g. "access/grants"), a DRF viewset, its basename."""

    prefix: str
    viewset: type
    basename: str


@dataclass(frozen=True)
class Search:
    """A kind of thing the header's search box finds (``dpms.search``). ``find(user, term, limit)`` returns
    up to ``limit`` hits ``user`` may open, each ``{"title", "detail", "url"}``, in one query, through the
    app's own read rules; ``list_url(term)`` is the app's list filtered by the term (None: no such list)."""

    label: str
    find: Callable
    list_url: Callable | None = None
    list_label: str = ""
    order: int = 50


@dataclass(frozen=True)
class App:
    """Everything one domain app adds to the portal."""

    name: str
    nav: Link | None = None
    subnav: Sequence[Link] = ()
    panels: Sequence[Panel] = ()
    sections: Sequence[Section] = ()
    seeder: Seeder | None = None
    tick: Tick | None = None
    role_listeners: Sequence[Callable] = ()
    person_listeners: Sequence[Callable] = ()
    joiner_listeners: Sequence[Callable] = ()
    leaver_listeners: Sequence[Callable] = ()
    api: Sequence[ApiRoute] = ()
    event_listeners: Mapping[str, Sequence[Callable]] = field(default_factory=dict)
    searches: Sequence[Search] = ()


_apps: dict[str, App] = {}
PANEL_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def register_app(app: App) -> None:
    """Plug ``app`` into the portal. Registering the same name again replaces the earlier entry (so a
    reloaded app is never counted twice)."""
    if app.subnav and not (app.nav and app.nav.section):
        raise ValueError(f"{app.name}: a second navigation row needs a menu link with a section")
    taken = {panel.key for other in _apps.values() if other.name != app.name for panel in other.panels}
    keys = [panel.key for panel in app.panels]
    for key in keys:
        if not PANEL_KEY.fullmatch(key):
            raise ValueError(f"{app.name}: panel key {key!r} is not a short slug (a-z, 0-9, dashes)")
        if key in taken or keys.count(key) > 1:
            raise ValueError(f"{app.name}: panel key {key!r} is used twice")
    _apps[app.name] = app


def apps() -> list[App]:
    return list(_apps.values())


# --- What the portal reads ----------------------------------------------------------------------------------
def panels_for(user) -> list[Panel]:
    """The dashboard's panels ``user`` gets a placeholder for, by order (no query beyond their roles)."""
    panels = sorted((panel for app in _apps.values() for panel in app.panels), key=lambda panel: panel.order)
    return [panel for panel in panels if panel.visible(user)]


def panel_for(user, key: str) -> Panel | None:
    """The panel ``key`` if ``user`` may load it; None when there is no such panel or it is not theirs."""
    for app in _apps.values():
        for panel in app.panels:
            if panel.key == key:
                return panel if panel.visible(user) else None
    return None


def sections_for(slot: str) -> list[Section]:
    """The sections added to the page slot ``slot``, by order."""
    return sorted(
        (section for app in _apps.values() for section in app.sections if section.slot == slot),
        key=lambda section: section.order,
    )


def searches() -> list[Search]:
    """Every app's kinds of search hits, by order."""
    return sorted((search for app in _apps.values() for search in app.searches), key=lambda one: one.order)


def seeders() -> list[Callable]:
    """Every app's demo seeder, in order."""
    entries = sorted((app.seeder for app in _apps.values() if app.seeder), key=lambda seeder: seeder.order)
    return [entry.seed for entry in entries]


def api_routes() -> list[ApiRoute]:
    """Every app's API endpoints."""
    return [route for app in _apps.values() for route in app.api]


def ticks() -> list[Tick]:
    """Every app's periodic tick."""
    return [app.tick for app in _apps.values() if app.tick]


# --- Listeners: dpms services tell domain apps about changes to people, without importing them. ---------
def roles_changed(*, user, actor) -> None:
    """Called by ``dpms.services`` after a person's portal roles changed, inside its transaction."""
    for app in _apps.values():
        for listener in app.role_listeners:
            listener(user=user, actor=actor)


def person_changed(*, user, before: dict, actor) -> None:
    """Called by ``dpms.services`` after a person's details changed, inside its transaction; ``before``
    holds the fields as they were (``manager_id``, ``team_id``, ...)."""
    for app in _apps.values():
        for listener in app.person_listeners:
            listener(user=user, before=before, actor=actor)


def person_joined(*, user, actor) -> None:
    """Called by ``dpms.services.user_invite`` after a person was created, inside its transaction (e.g.
    access: the birthright grants of their team)."""
    for app in _apps.values():
        for listener in app.joiner_listeners:
            listener(user=user, actor=actor)


def person_left(*, user, actor) -> None:
    """Called by ``dpms.services.user_deactivate`` after a person was deactivated, inside its transaction
    (e.g. access: a revocation task for every grant they hold)."""
    for app in _apps.values():
        for listener in app.leaver_listeners:
            listener(user=user, actor=actor)


# --- Events: a higher app makes a lower one act, without importing its services. ---------------------------
def announce(event: str, **payload) -> list:
    """Call every app's listeners of ``event`` with ``payload``, inside the caller's transaction; returns
    what they returned (by app registration order). An event nobody listens to does nothing."""
    results = []
    for app in _apps.values():
        for listener in app.event_listeners.get(event, ()):
            results.append(listener(**payload))
    return results
