"""``createsuperuser`` for DPMS: every path checks the password policy, and the new admin is audited.

Django's own command skips ``validate_password`` when the password comes from ``DJANGO_SUPERUSER_PASSWORD``
with ``--noinput``, and lets an interactive user bypass it. Here neither is possible.
"""

import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from dpms import audit
from dpms.context import origin
from dpms.models import User

ENV_PREFIX = "DJANGO_SUPERUSER_"


class Command(BaseCommand):
    help = (
        "Create a superuser (admin). With --noinput the values come from the options or from "
        "DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_FULL_NAME and DJANGO_SUPERUSER_PASSWORD; the password must "
        "satisfy the password policy either way."
    )
    requires_migrations_checks = True
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--email", help="The email address, which is the login.")
        parser.add_argument("--full_name", "--full-name", dest="full_name", help="The full name.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not prompt; read missing values from DJANGO_SUPERUSER_* variables.",
        )

    def execute(self, *args, **options):
        self.stdin = options.get("stdin", sys.stdin)  # tests pass their own
        return super().execute(*args, **options)

    def handle(self, *args, email=None, full_name=None, interactive=True, **options):
        try:
            if interactive:
                email, full_name, password = self._ask(email, full_name)
            else:
                email, full_name, password = self._from_environment(email, full_name)
        except KeyboardInterrupt:
            self.stderr.write("\nOperation cancelled.")
            sys.exit(1)
        with origin("cli"), transaction.atomic():
            user = User.objects.create_superuser(email=email, full_name=full_name, password=password)
            audit.record(
                action="people.user.create_superuser",
                obj=user,
                changes={
                    "created": {"email": user.email, "full_name": user.full_name},
                    "roles": ["admin"],
                    "password_set": bool(password),
                },
            )
        self.stdout.write("Superuser created successfully.")
        if not password:
            self.stdout.write(f"It has no password yet: run `manage.py changepassword {user.email}`.")

    # --- Non-interactive ------------------------------------------------------------------------------
    def _from_environment(self, email, full_name):
        email = email or os.environ.get(f"{ENV_PREFIX}EMAIL")
        full_name = full_name or os.environ.get(f"{ENV_PREFIX}FULL_NAME")
        if not email:
            raise CommandError("You must use --email (or DJANGO_SUPERUSER_EMAIL) with --noinput.")
        if not full_name:
            raise CommandError("You must use --full_name (or DJANGO_SUPERUSER_FULL_NAME) with --noinput.")
        email = self._check_email(email)
        password = os.environ.get(f"{ENV_PREFIX}PASSWORD") or None
        if password is not None:
            try:
                validate_password(password, User(email=email, full_name=full_name))
            except ValidationError as error:
                raise CommandError("The password was refused: " + " ".join(error.messages)) from error
        return email, full_name.strip(), password

    # --- Interactive ----------------------------------------------------------------------------------
    def _ask(self, email, full_name):
        if self.stdin is not None and hasattr(self.stdin, "isatty") and not self.stdin.isatty():
            raise CommandError("Not running in a terminal: use --noinput with DJANGO_SUPERUSER_* variables.")
        while True:
            try:
                email = self._check_email(email or input("Email: "))
                break
            except CommandError as error:
                self.stderr.write(f"Error: {error}")
                email = None
        while not full_name or not full_name.strip():
            full_name = input("Full name: ")
        probe = User(email=email, full_name=full_name.strip())
        while True:
            password = getpass.getpass()
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("Error: the two passwords differ.")
                continue
            try:
                validate_password(password, probe)
            except ValidationError as error:
                # No "bypass validation?" question: the policy holds for administrators too.
                self.stderr.write("\n".join(error.messages))
                continue
            return email, full_name.strip(), password

    @staticmethod
    def _check_email(email):
        email = User.objects.normalize_email(email.strip()).lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not a valid email address.") from error
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} has an account already.")
        return email
