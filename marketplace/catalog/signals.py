"""Cache invalidation only: a saved or deleted category drops the cached category tree."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from sellers.models import Category

from .selectors import category_tree_invalidate


@receiver(post_save, sender=Category, dispatch_uid="catalog-category-tree-save")
@receiver(post_delete, sender=Category, dispatch_uid="catalog-category-tree-delete")
def category_changed(sender, **kwargs):
    # Again after commit: a request that read the old rows meanwhile may have cached them.
    category_tree_invalidate()
    transaction.on_commit(category_tree_invalidate)
