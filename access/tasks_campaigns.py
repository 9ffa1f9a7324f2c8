"""Celery tasks of campaign launches: write a campaign's review items in batches, in the background."""

from celery import shared_task
from django.db import OperationalError

from access.services.campaigns import campaign_populate

# Batches of 500 per task run, then the task hands over to a fresh one: a launch of 100,000 items never runs
# into the task time limit, and other work gets the worker in between.
BATCHES_PER_TASK = 40


@shared_task(
    name="access.tasks.populate_campaign",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def populate_campaign(campaign_id: int) -> None:
    """Write the review items of a launching campaign, then open it. Safe to run twice: it carries on where
    the items end, and a finished campaign is left alone."""
    if not campaign_populate(campaign_id=campaign_id, max_batches=BATCHES_PER_TASK):
        populate_campaign.delay(campaign_id)
