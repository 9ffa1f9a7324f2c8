"""The access tick."""

from access import tasks
from access.services import campaigns, closing, reminders


def test_the_tick_launches_reminds_escalates_and_closes_in_that_order():
    """A campaign due today is launched before reminders go out, and closing comes after escalation."""
    steps = list(tasks.TICK_STEPS)
    order = [
        campaigns.launch_due_campaigns,
        reminders.send_due_reminders,
        reminders.escalate_overdue_items,
        closing.close_due_campaigns,
    ]
    assert [steps.index(step) for step in order] == sorted(steps.index(step) for step in order)
