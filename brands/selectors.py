"""Reads of the brands app that pages, the API and the services share.

"Who may see this notice" lives here once: the owner's people (`notice_for_owner_people`),
the sellers whose listings it covers (`notice_for_seller`, their own listings only), staff
(`notice_for_staff`). Everyone else gets NotFound.
"""

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from brands.errors import NotFound
from brands.models import Notice, NoticeListing, OwnerAgent, ProofDocument, RightsOwner, Strike
from moderation.permissions import is_moderator
from sellers.search import ListingFilters, listing_search

BRAND_SEARCH_RESULTS = 20


def owner_acting_for(*, user) -> RightsOwner | None:
    """The rights owner `user` applied as, or acts for as an agent (one at most), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    owner = RightsOwner.objects.filter(applicant_id=user.pk).first()
    if owner is not None:
        return owner
    agency = (OwnerAgent.objects.select_related("owner").filter(user_id=user.pk)
              .order_by("id").first())
    return agency.owner if agency is not None else None


def owner_people_include(*, owner: RightsOwner, user) -> bool:
    return owner.applicant_id == user.pk or owner.agents.filter(user_id=user.pk).exists()


def _documents_without_bytes() -> QuerySet[ProofDocument]:
    return ProofDocument.objects.defer("content").select_related("right").order_by("id")


def owner_with_details(*, owner_id) -> RightsOwner:
    """An owner with its rights, documents (not their bytes) and agents: staff pages."""
    owner = (RightsOwner.objects.select_related("applicant", "decided_by")
             .prefetch_related("rights", Prefetch("documents",
                                                  queryset=_documents_without_bytes()),
                               Prefetch("agents", queryset=OwnerAgent.objects
                                        .select_related("user")))
             .filter(pk=owner_id).first())
    if owner is None:
        raise NotFound("No rights owner with that number.")
    return owner


def owner_queue(*, status: str) -> QuerySet[RightsOwner]:
    return (RightsOwner.objects.filter(status=status).select_related("applicant")
            .annotate(document_count=Count("documents", distinct=True),
                      right_count=Count("rights", distinct=True))
            .order_by("created", "id"))


def _notices() -> QuerySet[Notice]:
    return (Notice.objects.select_related("owner", "right", "filed_by", "decided_by",
                                          "counter_notice")
            .prefetch_related(Prefetch("items", queryset=NoticeListing.objects
                                       .select_related("shop").order_by("id"))))


def notices_of_owner(*, owner: RightsOwner) -> QuerySet[Notice]:
    return _notices().filter(owner=owner).order_by("-created", "-id")


def notice_for_owner_people(*, notice_id, user) -> Notice:
    owner = owner_acting_for(user=user)
    notice = _notices().filter(pk=notice_id, owner=owner).first() if owner else None
    if notice is None:
        raise NotFound("No notice with that number.")
    return notice


def notices_against_shop(*, shop) -> QuerySet[Notice]:
    """Notices covering the shop's listings; `items` holds only this shop's listings."""
    return (Notice.objects.filter(items__shop=shop).distinct()
            .select_related("owner", "right", "counter_notice")
            .prefetch_related(Prefetch("items", queryset=NoticeListing.objects
                                       .filter(shop=shop).select_related("shop")
                                       .order_by("id")))
            .order_by("-created", "-id"))


def notice_for_seller(*, notice_id, shop) -> Notice:
    notice = notices_against_shop(shop=shop).filter(pk=notice_id).first() if shop else None
    if notice is None:
        raise NotFound("No notice with that number.")
    return notice


def notice_queue(*, status: str) -> QuerySet[Notice]:
    return (_notices().filter(status=status)
            .annotate(document_count=Count("owner__documents", distinct=True))
            .order_by("created", "id"))


def notice_for_staff(*, notice_id) -> Notice:
    notice = _notices().filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("No notice with that number.")
    return notice


def documents_of_owner(*, owner: RightsOwner) -> list[ProofDocument]:
    return list(_documents_without_bytes().filter(owner=owner))


def document_for_viewer(*, document_id, user) -> ProofDocument:
    """A proof document with its bytes, for staff or the owner's own people; else NotFound."""
    document = ProofDocument.objects.select_related("owner").filter(pk=document_id).first()
    allowed = document is not None and getattr(user, "is_authenticated", False) and (
        is_moderator(user) or owner_people_include(owner=document.owner, user=user))
    if not allowed:
        raise NotFound("No document with that number.")
    return document


def shop_strikes(*, shop_id) -> list[Strike]:
    """The shop's strikes that still count (not removed, not expired), oldest first."""
    return list(Strike.objects.filter(shop_id=shop_id, removed_at__isnull=True,
                                      expires_at__gt=timezone.now()).order_by("created"))


def brand_listings_search(*, owner: RightsOwner) -> list:
    """Live listings whose words match one of the owner's rights' names (up to 20)."""
    words = [name for name in owner.rights.values_list("name", flat=True) if name.strip()]
    if not words:
        return []
    query = " or ".join(f'"{word}"' for word in words[:10])
    results = listing_search(filters=ListingFilters(q=query, exact=True))
    return list(results.select_related("shop")[:BRAND_SEARCH_RESULTS])


def notice_counts_by_status(*, owner: RightsOwner) -> dict:
    rows = owner.notices.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}



