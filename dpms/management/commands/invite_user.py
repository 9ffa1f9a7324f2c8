"""Invite a person from the command line: the account has no password until they follow the link."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from dpms import services
from dpms.context import origin
from dpms.models import PortalRole, Team, User


class Command(BaseCommand):
    help = "Create a person without a password and email them an invitation link to set one."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address, which is also their login.")
        parser.add_argument("full_name", help='The full name, for example "Jane Doe".')
        parser.add_argument("--manager", metavar="EMAIL", help="Email of the person they report to.")
        parser.add_argument("--team", metavar="NAME", help="Name of an existing team.")
        parser.add_argument("--job-title", default="", help="Job title, for example Accountant.")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            metavar="ROLE",
            help=f"Portal role, repeatable: {', '.join(PortalRole.values)}.",
        )

    def handle(self, *args, email, full_name, manager=None, team=None, job_title="", role=(), **options):
        email = User.objects.normalize_email(email.strip()).lower()
        full_name = full_name.strip()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not a valid email address.") from error
        if not full_name:
            raise CommandError("The full name must not be empty.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"{email} has an account already.")
        unknown = sorted(set(role) - set(PortalRole.values))
        if unknown:
            raise CommandError(
                f"Unknown role {', '.join(map(repr, unknown))}; choose from: {', '.join(PortalRole.values)}."
            )
        with origin("cli"):
            user = services.user_invite(
                actor=None,
                email=email,
                full_name=full_name,
                manager=self._manager(manager),
                team=self._team(team),
                job_title=job_title.strip(),
                roles=sorted(set(role)),
            )
        self.stdout.write(
            self.style.SUCCESS(f"Invited {user.full_name} <{user.email}>; an email is on its way.")
        )
        self.stdout.write(f"Invitation link (valid {settings.INVITATION_VALID_DAYS} days, works once):")
        self.stdout.write(f"  {settings.SITE_URL}{services.invitation_link(user)}")

    @staticmethod
    def _manager(email):
        if not email:
            return None
        manager = User.objects.people().filter(email__iexact=email.strip(), is_active=True).first()
        if manager is None:
            raise CommandError(f"No active person with the email {email} to be the manager.")
        return manager

    @staticmethod
    def _team(name):
        if not name:
            return None
        team = Team.objects.filter(name__iexact=name.strip()).first()
        if team is None:
            known = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No team named {name!r}. Teams: {known}.")
        return team
