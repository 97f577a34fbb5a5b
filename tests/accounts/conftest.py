"""Account e-mails are sent by a Celery task once the action commits: here the task runs
in-process (eager), and `committed` runs a request's on-commit callbacks at its end."""

import contextlib

import pytest


@pytest.fixture(autouse=True)
def _account_mails_in_process(eager_tasks):
    yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): client.post(...)`: what the request enqueued on commit runs (mails)."""

    @contextlib.contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block
