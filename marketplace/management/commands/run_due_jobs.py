import logging
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jobs.models import JobFailure
from marketplace.jobs import PERIODIC_JOBS

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run every periodic job once, now, in this process (the same tasks beat schedules)."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="names of the jobs to run (default: all)")

    def handle(self, *args, only=None, **options):
        jobs = [job for job in PERIODIC_JOBS if not only or job.name in only]
        if only and len(jobs) != len(only):
            known = ", ".join(job.name for job in PERIODIC_JOBS)
            self.stderr.write(f"Unknown job name; known jobs: {known}")
        broken = []
        for job in jobs:
            module, name = job.task.rsplit(".", 1)
            task = getattr(import_module(module), name)
            started = timezone.now()
            try:
                result = task()  # runs the task's body here, now, like the worker would
            except Exception as error:  # the next job still runs; the exit status tells
                logger.exception("Job %s stopped", job.name)
                self.stderr.write(f"{job.name}: stopped: {type(error).__name__}: {error}")
                broken.append(job.name)
                continue
            failed = JobFailure.objects.filter(
                job=job.name, resolved_at__isnull=True, last_seen__gte=started
            ).count()
            note = f" ({failed} item(s) failed; kept for staff on /staff/)" if failed else ""
            self.stdout.write(f"{job.name}: {result}{note}")
        if broken:
            raise CommandError(f"Stopped jobs: {', '.join(broken)}")
