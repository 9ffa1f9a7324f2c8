"""Background work of the incidents app."""

from celery import shared_task


@shared_task(name="incidents.tasks.tick", ignore_result=True)
def tick():
    """The incidents app's periodic tick. Nothing is scheduled in incidents yet; later issues add its calendar."""
    return 0
