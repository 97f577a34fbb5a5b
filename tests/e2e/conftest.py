import re

import pytest
from celery import current_app


@pytest.fixture
def eager_mail(mailoutbox):
    """Mails sent by a Celery task after commit (account links) run in the server's thread."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield mailoutbox
    conf.task_always_eager, conf.task_eager_propagates = saved


def mailed_link(mail, prefix: str) -> str:
    """The site path of the first link in a mail's text that starts with `prefix`."""
    found = re.search(r"http://127\.0\.0\.1:8000(" + re.escape(prefix) + r"\S*)", mail.body)
    assert found, mail.body
    return found.group(1)
