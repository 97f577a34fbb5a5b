import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from marketplace.accounts.tasks import sessions_clear_expired
from tests.processes import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_a_real_worker_runs_a_task_from_redis_against_the_database(tmp_path):
    past = timezone.now() - datetime.timedelta(days=1)
    Session.objects.create(session_key="expired-one", session_data="x", expire_date=past)
    Session.objects.create(
        session_key="still-valid", session_data="x",
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    log = tmp_path / "worker.log"
    with celery_worker(log_path=log) as (queue, _):
        result = sessions_clear_expired.apply_async(queue=queue)
        try:
            deleted = result.get(timeout=60)
        except Exception:
            print(log.read_text())
            raise
    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["still-valid"]
    assert "sessions_clear_expired" in log.read_text()


def test_run_due_jobs_runs_every_periodic_job_now(capsys):
    from django.core.management import call_command

    Session.objects.create(
        session_key="old", session_data="x",
        expire_date=timezone.now() - datetime.timedelta(seconds=1),
    )
    call_command("run_due_jobs")
    assert "clear-expired-sessions: 1" in capsys.readouterr().out
    assert not Session.objects.exists()
