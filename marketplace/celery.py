"""The Celery app: `celery -A marketplace worker` and `celery -A marketplace beat`.

Project rule: a task is enqueued with `task.delay_on_commit(...)` (Celery's DjangoTask), never
with plain delay or apply_async, so that a rolled-back action enqueues nothing and a worker never
reads a row that is not committed yet. tests/test_project_rules.py enforces it.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_jobs(sender, **kwargs):
    from marketplace.jobs import PERIODIC_JOBS

    for job in PERIODIC_JOBS:
        sender.add_periodic_task(job.schedule, sender.signature(job.task), name=job.name)
