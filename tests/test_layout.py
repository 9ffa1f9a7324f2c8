"""The layout contract (STYLE.md, ARCHITECTURE.md) holds for every domain app: the same rooms, one name per
area in every room, imports that only go down the layers, no import cycles, and no names found at run time."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["access", "risk", "incidents", "directory", "vulnerabilities", "policies"]
# Who a domain app may import from, and what: a lower app's models, choices and read queries only.
LOWER = {
    "access": [],
    "risk": ["access"],
    "incidents": ["access", "risk"],
    "directory": [],
    "vulnerabilities": ["access", "risk", "incidents"],
    "policies": [],
}
READABLE = {"models", "choices", "queries"}

ROOT_MODULES = {"__init__", "models", "choices", "admin", "apps", "urls", "tasks", "demo"}
PACKAGES = {
    "services",
    "queries",
    "forms",
    "views",
    "api",
    "migrations",
    "templatetags",
    "management",
    "locale",
}
AREA_ROOMS = ["services", "queries", "forms", "views", "api"]
# Test files may also be named after a room at the app's root.
TEST_ROOMS = {"models", "tasks", "demo", "admin", "choices", "urls"}


def source_files(*folders: str):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path):
    """The project modules ``path`` imports (``from a.b import c`` yields ``a.b.c`` when that is a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            submodules = [name for name in submodules if _is_module(name)]
            yield from submodules or [node.module]


def _is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def areas(app: str) -> set[str]:
    found = set()
    for room in AREA_ROOMS:
        folder = ROOT / app / room
        if folder.is_dir():
            found |= {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    return found


@pytest.mark.parametrize("app", APPS)
def test_an_app_has_only_the_rooms_of_the_contract(app):
    folder = ROOT / app
    loose = sorted(p.name for p in folder.glob("*.py") if p.stem not in ROOT_MODULES)
    assert not loose, f"{app}/ has modules outside the contract's rooms: {loose}"
    extra = sorted(
        p.name for p in folder.iterdir() if p.is_dir() and p.name not in PACKAGES and p.name != "__pycache__"
    )
    assert not extra, f"{app}/ has folders outside the contract's rooms: {extra}"
    for room in ("services", "queries", "forms", "views"):
        assert (folder / room / "__init__.py").exists(), f"{app}/{room}/ is not a package"


@pytest.mark.parametrize("app", APPS)
def test_templates_sit_in_a_folder_named_after_an_area_with_views(app):
    folder = ROOT / "templates" / app
    loose = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert not loose, f"templates/{app}/ has pages outside an area folder: {loose}"
    views = {p.stem for p in (ROOT / app / "views").glob("*.py")}
    orphans = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in views | areas(app))
    assert not orphans, f"templates/{app}/ has folders named after no area of {app}: {orphans}"


@pytest.mark.parametrize("app", APPS)
def test_test_files_are_named_after_an_area(app):
    known = areas(app) | TEST_ROOMS
    strays = []
    for path in sorted((ROOT / "tests" / app).glob("test_*.py")):
        name = path.stem.removeprefix("test_")
        if not any(name == area or name.startswith(area + "_") for area in known):
            strays.append(path.name)
    assert not strays, f"tests/{app}/ files named after no area of {app} ({sorted(known)}): {strays}"


def test_the_foundation_imports_no_domain_app():
    wrong = [
        f"{module_name(path)} imports {name}"
        for path in source_files("dpms")
        for name in imports(path)
        if name.split(".")[0] in APPS
    ]
    assert not wrong


@pytest.mark.parametrize("app", APPS)
def test_an_app_reads_a_lower_app_only_through_its_models_choices_and_queries(app):
    wrong = []
    for path in source_files(app):
        for name in imports(path):
            parts = name.split(".")
            if parts[0] not in APPS or parts[0] == app:
                continue
            if parts[0] not in LOWER[app] or len(parts) < 2 or parts[1] not in READABLE:
                wrong.append(f"{module_name(path)} imports {name}")
    assert not wrong, sorted(set(wrong))


def test_no_import_cycles_between_modules():
    """Imports inside functions count too: one moved into a function to dodge a cycle is still a cycle."""
    graph = {}
    for path in source_files("dpms", *APPS):
        me = module_name(path)
        graph[me] = {name for name in imports(path) if name in _modules() and name != me}
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


@pytest.mark.parametrize("app", APPS)
def test_no_module_is_found_by_name_at_run_time(app):
    wrong = [
        module_name(path)
        for path in source_files(app)
        if re.search(r"\bimport_string\(|\bimport_module\(|__import__\(", path.read_text())
    ]
    assert not wrong


@pytest.mark.parametrize("app", APPS)
def test_views_and_forms_ask_the_queries_who_may_do_what(app):
    wrong = []
    paths = [*source_files(f"{app}/views"), *source_files(f"{app}/forms"), ROOT / app / "apps.py"]
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.is_(security_officer|auditor|admin)\b", line):
                wrong.append(f"{path.relative_to(ROOT)}:{number}")
    assert not wrong, "role checks outside queries/: " + ", ".join(wrong)


@pytest.mark.parametrize("app", APPS)
def test_views_read_the_database_through_queries(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in source_files(f"{app}/views")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.objects\.|\.select_related\(|\.prefetch_related\(", line)
    ]
    assert not wrong, "database reads in views: " + ", ".join(wrong)


@pytest.mark.parametrize("app", APPS)
def test_each_app_plugs_into_the_portal_once_through_register_app(app):
    text = (ROOT / app / "apps.py").read_text()
    assert text.count("portal.register_app(") == 1


ISSUE_REFERENCE = re.compile(r"\bissues? #?\d+|\(#\d+\)|\bitems? \d+(, \d+)*( and \d+)?\)")


def test_code_and_tests_do_not_refer_to_issue_numbers():
    wrong = []
    for path in source_files("dpms", *APPS, "tests", "benchmarks"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ISSUE_REFERENCE.search(line) and path.name != "test_layout.py":
                wrong.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not wrong, "\n".join(wrong)


def _modules() -> set[str]:
    if not hasattr(_modules, "cache"):
        _modules.cache = {module_name(p) for p in source_files("dpms", *APPS)}  # type: ignore[attr-defined]
    return _modules.cache  # type: ignore[attr-defined]


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as a list of its modules (first repeated at the end), or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node):
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node)
        if found:
            return found
    return None


def test_every_file_architecture_md_names_exists():
    """ARCHITECTURE.md says which file holds each rule: every such file must be there."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`((?:dpms|access|risk|incidents|tests|templates)/[\w/.]+\.(?:py|html))`", text))
    assert len(named) > 40
    missing = sorted(name for name in named if not (ROOT / name).exists())
    assert not missing, missing
