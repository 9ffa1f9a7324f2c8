"""The shared campaign mechanism (dpms.campaigns): reminder steps, escalation levels, the population snapshot
and the evidence CSV's pieces and manifest. The apps' tests (access reviews, policy campaigns) prove it stored
and streamed through their own chunk models."""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from dpms import campaigns
from dpms.campaigns import Schedule
from dpms.models import User
from tests.factories import UserFactory

LAUNCH = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DUE = LAUNCH + timedelta(days=10)


def keys(schedule, now):
    return [step.key for step in campaigns.reminder_steps(LAUNCH, DUE, schedule, now)]


def test_steps_in_time_order_and_only_those_after_the_launch():
    schedule = Schedule(remind_at_half_time=True, days_before_due=(1, 3, 30, 0))
    # half time is day 5, three days before due day 7; thirty days before due is before the launch
    assert keys(schedule, LAUNCH) == ["launch", "half", "before-3", "before-1"]
    steps = campaigns.reminder_steps(LAUNCH, DUE, schedule, LAUNCH)
    assert [step.at for step in steps] == sorted(step.at for step in steps)


def test_daily_overdue_steps_name_the_day():
    schedule = Schedule()
    step = campaigns.latest_due_step(LAUNCH, DUE, schedule, DUE + timedelta(days=2, hours=5))
    assert (step.key, step.kind, step.days) == ("overdue-2", campaigns.OVERDUE, 2)
    assert step.at == DUE + timedelta(days=2)
    assert keys(Schedule(daily_when_overdue=False), DUE + timedelta(days=2))[-1] == "before-1"


def test_after_downtime_only_the_latest_step_is_due():
    schedule = Schedule(remind_at_half_time=True, days_before_due=(1,))
    now = DUE - timedelta(hours=12)  # launch, half time and one day before all passed
    step = campaigns.latest_due_step(LAUNCH, DUE, schedule, now)
    assert (step.key, step.kind, step.days) == ("before-1", campaigns.BEFORE_DUE, 1)
    assert campaigns.latest_due_step(LAUNCH, DUE, Schedule(remind_at_launch=False), LAUNCH) is None


def test_escalation_levels_manager_then_officers_and_off_at_zero():
    level = campaigns.escalation_level_due
    assert level(DUE, 3, DUE - timedelta(days=1)) == 0
    assert level(DUE, 3, DUE + timedelta(days=2, hours=23)) == 0
    assert level(DUE, 3, DUE + timedelta(days=3)) == campaigns.TO_MANAGER
    assert level(DUE, 3, DUE + timedelta(days=6)) == campaigns.TO_OFFICERS
    assert level(DUE, 3, DUE + timedelta(days=60)) == campaigns.TO_OFFICERS
    assert level(DUE, 0, DUE + timedelta(days=60)) == 0


def test_population_lines_are_sorted_text_and_the_hash_is_of_the_lines_joined():
    rows = [(10, "b@example.com"), (9, "a@example.com"), (2, "c@example.com")]
    lines = campaigns.population_lines(rows)
    assert lines == ["10,b@example.com", "2,c@example.com", "9,a@example.com"]  # as LC_ALL=C sort
    expected = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert campaigns.population_sha256(rows) == expected
    snapshot = campaigns.population_snapshot(iter(rows))
    assert (snapshot.count, snapshot.sha256) == (3, expected)
    assert campaigns.population_snapshot(reversed(rows)) == snapshot  # order does not matter


@pytest.mark.django_db
def test_the_database_writes_and_sorts_the_population_as_python_does():
    """``population_snapshot_of`` streams the lines the database writes and sorts: the same count and hash as
    the lines made and sorted here, whatever the text (a shorter name first or after, a comma or a space
    inside, accents, capitals, nobody's manager) and however many are read at a time."""
    names = ["a", "a b", "ab", "a,b", "Zoë", "zed", "Émile", "émile", "Z", "a-b", "~x", "9", "10"]
    boss = UserFactory(email="Boss@example.com")
    people = [UserFactory(full_name=name, manager=boss if n % 3 else None) for n, name in enumerate(names)]
    population = User.objects.filter(pk__in=[person.pk for person in people])
    fields = ("pk", "manager__email", "full_name")

    expected = campaigns.population_snapshot(population.values_list(*fields))
    assert expected.count == len(names)
    assert campaigns.population_snapshot_of(population, fields) == expected
    assert campaigns.population_snapshot_of(population, fields, chunk_size=4) == expected
    assert campaigns.population_snapshot_of(population, ("full_name",)) == campaigns.population_snapshot(
        population.values_list("full_name")
    )
    assert campaigns.population_snapshot_of(User.objects.none(), fields) == campaigns.population_snapshot([])


def test_csv_pieces_never_split_a_row_and_neutralise_formulas():
    rows = [[n, f'=HYPERLINK("x{n}")', None, "plain"] for n in range(200)]
    pieces = list(campaigns.csv_pieces(("n", "cell", "empty", "text"), rows, chunk_characters=500))
    assert len(pieces) > 5
    assert all(piece.endswith("\r\n") for piece in pieces)
    parsed = list(csv.reader(io.StringIO("".join(pieces))))
    assert parsed[0] == ["n", "cell", "empty", "text"]
    assert len(parsed) == 201
    assert parsed[1] == ["0", '\'=HYPERLINK("x0")', "", "plain"]


def test_manifest_names_the_file_its_hash_rows_and_population():
    generated = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    manifest = campaigns.evidence_manifest(
        file_name="x.csv",
        file_sha256="ab" * 32,
        row_count=3,
        population_count=3,
        population_sha256="cd" * 32,
        generated_at=generated,
        columns=("a", "b"),
        campaign={"id": 1},
    )
    data = json.loads(campaigns.manifest_bytes(manifest))
    assert data == {
        "file_name": "x.csv",
        "file_sha256": "ab" * 32,
        "row_count": 3,
        "population_count": 3,
        "population_sha256": "cd" * 32,
        "generated_at": "2026-12-07T08:00:00+00:00",
        "columns": ["a", "b"],
        "campaign": {"id": 1},
    }
    assert campaigns.manifest_bytes(manifest).endswith(b"}\n")
