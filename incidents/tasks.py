"""Background work of the incidents app."""

from celery import shared_task


@shared_task(name="incidents.tasks.tick", ignore_result=True)
def tick():
    """The incidents app's periodic tick: nothing is scheduled yet; its issue adds the calendar."""
    return 0
