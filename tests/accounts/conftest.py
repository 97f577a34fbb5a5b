"""Account e-mails are sent by a Celery task once the action commits: here the task runs
in-process (eager), and `committed` runs a request's on-commit callbacks at its end."""

import contextlib
import re

import pytest
from celery import current_app


@pytest.fixture(autouse=True)
def _eager_tasks():
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): client.post(...)`: what the request enqueued on commit runs (mails)."""

    @contextlib.contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


def link_in(mail, prefix: str) -> str:
    """The site path of the first link in a mail's text that starts with `prefix`."""
    found = re.search(r"http://127\.0\.0\.1:8000(" + re.escape(prefix) + r"[^\s]*)", mail.body)
    assert found, mail.body
    return found.group(1)
