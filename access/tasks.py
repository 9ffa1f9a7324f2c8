"""Background work of the access app."""

from celery import shared_task


@shared_task(name="access.tasks.tick", ignore_result=True)
def tick():
    """The access app's periodic tick. Nothing is scheduled in access yet; later issues add its calendar."""
    return 0
