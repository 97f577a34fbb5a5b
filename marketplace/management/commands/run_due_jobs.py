from importlib import import_module

from django.core.management.base import BaseCommand

from marketplace.jobs import PERIODIC_JOBS


class Command(BaseCommand):
    help = "Run every periodic job once, now, in this process (the same tasks beat schedules)."

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="*", help="names of the jobs to run (default: all)")

    def handle(self, *args, only=None, **options):
        jobs = [job for job in PERIODIC_JOBS if not only or job.name in only]
        if only and len(jobs) != len(only):
            known = ", ".join(job.name for job in PERIODIC_JOBS)
            self.stderr.write(f"Unknown job name; known jobs: {known}")
        for job in jobs:
            module, name = job.task.rsplit(".", 1)
            task = getattr(import_module(module), name)
            result = task()  # runs the task's body here, now, like the worker would
            self.stdout.write(f"{job.name}: {result}")
