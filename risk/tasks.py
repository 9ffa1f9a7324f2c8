"""Background work of the risk app."""

from celery import shared_task


@shared_task(name="risk.tasks.tick", ignore_result=True)
def tick():
    """The risk app's periodic tick: nothing is scheduled yet; its issue adds the calendar."""
    return 0
