"""Background work of the access app."""

from celery import shared_task


@shared_task(name="access.tasks.tick", ignore_result=True)
def tick():
    """The access app's periodic tick: nothing is scheduled yet; its issue adds the calendar."""
    return 0
