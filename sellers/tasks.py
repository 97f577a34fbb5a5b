from celery import shared_task

from jobs.services import JobRun

from .services import search_vocabulary_rebuild


@shared_task
def search_vocabulary_rebuild_task() -> int:
    """The `search-vocabulary` job: one item, the whole vocabulary (rebuilt in one statement)."""
    run = JobRun("search-vocabulary")
    result = run.item("vocabulary", search_vocabulary_rebuild)
    run.finish()
    return result.value if result.ok else 0
