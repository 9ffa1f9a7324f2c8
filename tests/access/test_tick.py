"""The access tick."""


def test_every_tick_step_exists():
    """A misspelt step would otherwise only show as an error in the worker's log."""
    from django.utils.module_loading import import_string

    from access.tasks import TICK_STEPS

    assert all(callable(import_string(path)) for path in TICK_STEPS)
