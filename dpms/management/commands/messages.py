"""`manage.py messages`: the translation catalogues, one per app, brought up to date and compiled.

Each app keeps its own catalogue in `<app>/locale/<language>/LC_MESSAGES/django.po`, made from the app's
Python code and its folder of templates (`templates/<app>/`). The foundation's catalogue (`dpms/locale/`)
also takes the templates every app shares: `templates/*.html`, `partials/`, the sign-in pages (`account/`,
`allauth/`, `mfa/`, `socialaccount/`) and the admin's. Django reads every installed app's `locale/`, so a
page finds its words whichever catalogue holds them.

`manage.py messages` extracts the marked strings (GNU gettext's xgettext, through Django's makemessages),
merges them into each catalogue and compiles the `.mo` files that are committed beside them.
`manage.py messages --check` changes nothing: it fails when a catalogue lacks a marked string, keeps one
no longer marked, has an entry without a translation or marked fuzzy, or when a `.mo` does not match
its `.po` (CI runs it; `make test` runs it through tests/dpms/test_catalogues.py where gettext is
installed).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import makemessages

BASE = Path(settings.BASE_DIR)

# catalogue (app) -> the folders and files whose strings it holds, relative to the project's root.
CATALOGUES: dict[str, list[str]] = {
    "dpms": [
        "dpms",
        "templates/*.html",
        "templates/partials",
        "templates/account",
        "templates/allauth",
        "templates/mfa",
        "templates/socialaccount",
        "templates/dpms",
        "templates/admin",
    ],
    "access": ["access", "templates/access"],
    "risk": ["risk", "templates/risk"],
    "incidents": ["incidents", "templates/incidents"],
    "directory": ["directory", "templates/directory"],
    "vulnerabilities": ["vulnerabilities", "templates/vulnerabilities"],
    "policies": ["policies", "templates/policies"],
}
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
EXTENSIONS = {".py", ".html", ".txt"}
SKIPPED = ["*/migrations/*", "*/locale/*", "*/__pycache__/*"]


def catalogue_files(app: str) -> list[Path]:
    """Every source file whose strings go into `app`'s catalogue, relative to the project's root."""
    found: set[Path] = set()
    for entry in CATALOGUES[app]:
        for match in sorted(BASE.glob(entry)):
            paths = [match] if match.is_file() else [p for p in match.rglob("*") if p.is_file()]
            for path in paths:
                relative = path.relative_to(BASE)
                if path.suffix in EXTENSIONS and not any(
                    fnmatch.fnmatch("/" + str(relative), pattern) for pattern in SKIPPED
                ):
                    found.add(relative)
    return sorted(found)


def _tidy_header(po: Path, language: str) -> None:
    """A steady header: no creation dates (every run would change every catalogue), the language's plurals."""
    import polib  # type: ignore[import-untyped]  # no stubs; a development tool, as make messages is

    catalogue = polib.pofile(str(po))
    for key in ("POT-Creation-Date", "PO-Revision-Date"):
        catalogue.metadata.pop(key, None)
    catalogue.metadata.update(
        {
            "Project-Id-Version": "DPMS",
            "Report-Msgid-Bugs-To": "",
            "Last-Translator": "DPMS developers",
            "Language-Team": dict(settings.LANGUAGES).get(language, language),
            "Language": language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
    )
    catalogue.metadata_is_fuzzy = False
    catalogue.header = "DPMS translations. Kept by `make messages`; edit only the msgstr lines."
    catalogue.save()


def _msgfmt(po: Path, mo: Path) -> subprocess.CompletedProcess[str]:
    """Compile `po` into `mo`, checking the format strings (%(name)s, {name}) match their originals."""
    program = shutil.which("msgfmt") or "msgfmt"
    return subprocess.run(  # noqa: S603 (our own catalogue's path, no shell)
        [program, "--check-format", "--check-domain", "-o", str(mo), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )


def locale_dir(app: str, root: Path = BASE) -> Path:
    return root / app / "locale"


class Command(makemessages.Command):
    help = "Update and compile the translation catalogues (one per app); --check only checks them."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--check", action="store_true", help="Change nothing; fail when out of date.")
        parser.add_argument(
            "--app", action="append", choices=sorted(CATALOGUES), help="Only this catalogue (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if shutil.which("xgettext") is None or shutil.which("msgfmt") is None:
            raise CommandError("GNU gettext is needed (Debian: apt-get install gettext).")
        self._root = BASE
        self._apps = [app for app in (options["app"] or CATALOGUES) if (BASE / app).is_dir()]
        options.update(
            locale=options["locale"] or LANGUAGES,
            no_obsolete=True,
            add_location="file",
            no_wrap=False,
            ignore_patterns=[],
            use_default_ignore_patterns=False,
        )
        if options["check"]:
            self._check(*args, **options)
            return
        cwd = os.getcwd()
        try:
            os.chdir(BASE)
            for app in self._apps:
                for language in options["locale"]:
                    (locale_dir(app) / language / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
            super().handle(*args, **options)
        finally:
            os.chdir(cwd)
        for app in self._apps:
            for language in options["locale"]:
                po = locale_dir(app) / language / "LC_MESSAGES" / "django.po"
                if po.exists():
                    _tidy_header(po, language)
                    result = _msgfmt(po, po.with_suffix(".mo"))
                    if result.returncode:
                        raise CommandError(f"{po}: {result.stderr.strip()}")

    # makemessages walks the tree from ".": here each app's files go to that app's catalogue.
    def find_files(self, root: str) -> list[Any]:
        self.locale_paths = [str(locale_dir(app, self._root)) for app in CATALOGUES]
        self.default_locale_path = self.locale_paths[0]
        files = []
        for app in self._apps:
            for relative in catalogue_files(app):
                files.append(
                    self.translatable_file_class(
                        str(Path(".") / relative.parent), relative.name, str(locale_dir(app, self._root))
                    )
                )
        return sorted(files)

    def _check(self, *args: Any, **options: Any) -> None:
        import polib

        problems: list[str] = []
        with tempfile.TemporaryDirectory() as scratch:
            self._root = Path(scratch)
            for app in self._apps:
                for language in options["locale"]:
                    source = locale_dir(app) / language / "LC_MESSAGES"
                    target = locale_dir(app, self._root) / language / "LC_MESSAGES"
                    target.mkdir(parents=True, exist_ok=True)
                    if (source / "django.po").exists():
                        shutil.copy(source / "django.po", target / "django.po")
            cwd = os.getcwd()
            try:
                os.chdir(BASE)
                options["verbosity"] = 0
                super().handle(*args, **options)
            finally:
                os.chdir(cwd)
            for app in self._apps:
                for language in options["locale"]:
                    name = f"{app}/locale/{language}/LC_MESSAGES/django.po"
                    committed_po = BASE / name
                    fresh_po = self._root / name
                    if not fresh_po.exists():
                        continue
                    fresh = polib.pofile(str(fresh_po))
                    if not committed_po.exists():
                        problems.append(f"{name}: missing ({len(fresh)} marked strings)")
                        continue
                    committed = polib.pofile(str(committed_po))
                    have = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
                    want = {(e.msgctxt, e.msgid) for e in fresh if not e.obsolete}
                    for key in sorted(want - have, key=str)[:20]:
                        problems.append(f"{name}: not in the catalogue: {key[1]!r}")
                    for key in sorted(have - want, key=str)[:20]:
                        problems.append(f"{name}: no longer marked: {key[1]!r}")
                    for entry in committed:
                        if entry.obsolete:
                            continue
                        if "fuzzy" in entry.flags:
                            problems.append(f"{name}: fuzzy: {entry.msgid!r}")
                        elif not entry.translated():
                            problems.append(f"{name}: no translation: {entry.msgid!r}")
                    mo = committed_po.with_suffix(".mo")
                    if not mo.exists():
                        problems.append(f"{name[:-3]}.mo: missing (run make messages)")
                    else:
                        compiled = {
                            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                            for e in polib.mofile(str(mo))
                        }
                        written = {
                            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                            for e in committed
                            if e.translated() and "fuzzy" not in e.flags and not e.obsolete
                        }
                        if compiled != written:
                            problems.append(f"{name[:-3]}.mo: does not match its .po (run make messages)")
                    result = _msgfmt(committed_po, Path(os.devnull))
                    if result.returncode:
                        problems.append(f"{name}: msgfmt --check: {result.stderr.strip()}")
        if problems:
            raise CommandError("The catalogues are out of date:\n  " + "\n  ".join(problems))
        self.stdout.write("The catalogues are complete and up to date.")
