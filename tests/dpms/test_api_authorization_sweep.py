"""The object-level authorization sweep over the demo organisation: every object one persona finds in an API
list is requested by the others through its detail endpoint and every action on it. Staff and managers see
only their own part of each list (their reviews, their requests, their incidents), so neither a detail nor an
action of an object outside their lists may answer 2xx; an auditor reads everything but changes nothing, so
no action of an object outside their lists may either. (Security officers and auditors read beyond their
lists by design: an officer opens any review item from its campaign, which the "my queue" list does not
show.) The endpoints are read from the OpenAPI schema, so a new one is swept without a change here."""

import re

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dpms.management.commands.seed_demo import SHOWCASE
from dpms.models import User
from tests.dpms.api_support import token_for

ID = re.compile(r"\{(\w+)\}")
NARROW_READERS = {"Staff", "Manager"}  # SHOWCASE labels whose lists are all they may read
NON_WRITERS = {"Staff", "Manager", "Auditor"}  # ... and who may change nothing outside their lists
MAX_PAGES = 20
# Unseen objects tried per persona and endpoint: the first and last ids and those between, evenly spread
# (every kind of object is tried; the demo's hundreds of grants would only repeat the same check).
SAMPLE = 8


def _schema_paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def _lists_and_details(paths: dict):
    """(list path, detail path, the id's name, the actions on one object) for every list with a detail."""
    for path, operations in sorted(paths.items()):
        found = ID.findall(path)
        if len(found) != 1 or not path.endswith(f"{{{found[0]}}}/") or "get" not in operations:
            continue
        list_path = path[: path.index("{")]
        if list_path not in paths or "get" not in paths[list_path]:
            continue
        actions = [
            (other, method)
            for other, other_operations in paths.items()
            if other.startswith(path) and other != path
            for method in other_operations
            if method in ("post", "put", "patch", "delete")
        ]
        actions += [(path, method) for method in operations if method in ("put", "patch", "delete")]
        yield list_path, path, found[0], actions


def _ids_in(client, list_path: str, key: str) -> set:
    ids, url, pages = set(), f"{list_path}?page_size=200", 0
    while url and pages < MAX_PAGES:
        response = client.get(url)
        if response.status_code != 200:
            return ids
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        ids |= {row[key] for row in rows if isinstance(row, dict) and key in row}
        url, pages = (body.get("next") if isinstance(body, dict) else None), pages + 1
    return ids


def _spread(ids: list) -> list:
    if len(ids) <= SAMPLE:
        return ids
    step = (len(ids) - 1) / (SAMPLE - 1)
    return [ids[round(n * step)] for n in range(SAMPLE)]


def test_no_persona_reaches_what_its_own_lists_do_not_show(demo):
    clients = {}
    for label, name in SHOWCASE:
        person = User.objects.get(full_name=name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(person, read_only=False, name='sweep')[1]}")
        clients[label] = client
    endpoints = list(_lists_and_details(_schema_paths()))
    assert endpoints, "no list with a detail endpoint in the schema"
    leaks = []
    for list_path, detail, key, actions in endpoints:
        seen = {label: _ids_in(client, list_path, key) for label, client in clients.items()}
        everyone = set().union(*seen.values())
        for label, client in clients.items():
            if label not in NON_WRITERS:
                continue
            for object_id in _spread(sorted(everyone - seen[label])):
                url = detail.replace(f"{{{key}}}", str(object_id))
                answer = client.get(url).status_code
                if label in NARROW_READERS and 200 <= answer < 300:
                    leaks.append(f"{label}: GET {url} → {answer}")
                for action, method in actions:
                    action_url = action.replace(f"{{{key}}}", str(object_id))
                    answer = getattr(client, method)(action_url, {}, format="json").status_code
                    if 200 <= answer < 300:
                        leaks.append(f"{label}: {method.upper()} {action_url} → {answer}")
    assert not leaks, "\n".join(leaks)
    swept = [detail for _list, detail, _key, _actions in endpoints]
    assert "/api/v1/people/{id}/" in swept
