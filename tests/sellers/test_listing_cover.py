"""A listing's cover columns (what a page of cards reads instead of its photos) follow its
photos: database triggers keep them, whatever adds, reorders or deletes a photo."""

import threading

import psycopg
import pytest
from django.db import connection

from sellers.models import Listing, ListingImage
from tests.factories import ListingFactory
from tests.support import cache_clear_own_keys, client_for, jpeg_bytes
from tests.support import photo_upload as upload

pytestmark = pytest.mark.django_db


def _cover(listing) -> tuple:
    return Listing.objects.filter(pk=listing.pk).values_list(
        "cover_thumbnail", "cover_width", "cover_height").get()


def _first_photo(listing) -> tuple:
    photo = ListingImage.objects.filter(listing=listing).order_by("position", "id").first()
    if photo is None:
        return (None, None, None)
    return (photo.thumbnail.name, photo.thumbnail_width, photo.thumbnail_height)


def _summary_thumbnail(api_client, listing) -> str | None:
    cache_clear_own_keys()  # the anonymous page cache would answer the same URL again
    response = api_client.get("/api/v1/listings/", {"q": listing.title.split()[0]})
    assert response.status_code == 200
    [row] = [row for row in response.json()["results"] if row["id"] == listing.pk]
    return row["thumbnail_url"]


def test_adding_reordering_and_deleting_photos_moves_the_cover_seen_by_search(
    api_client, _media_in_tmp
):
    listing = ListingFactory(title="Heirloom quilt")
    owner = client_for(listing.shop.owner)
    assert _cover(listing) == (None, None, None)
    assert _summary_thumbnail(api_client, listing) is None

    ids = [upload(owner, listing, jpeg_bytes()).json()["id"] for _ in range(3)]
    first = ListingImage.objects.get(pk=ids[0])
    assert _cover(listing) == _first_photo(listing) == (
        first.thumbnail.name, first.thumbnail_width, first.thumbnail_height)
    assert _summary_thumbnail(api_client, listing) == first.thumbnail.url

    response = owner.post(f"/api/v1/listings/{listing.id}/images/order",
                          {"ids": [ids[2], ids[0], ids[1]]}, format="json")
    assert response.status_code == 200
    third = ListingImage.objects.get(pk=ids[2])
    assert _cover(listing)[0] == third.thumbnail.name
    assert _summary_thumbnail(api_client, listing) == third.thumbnail.url

    for photo_id in (ids[2], ids[0]):
        assert owner.delete(f"/api/v1/listings/{listing.id}/images/{photo_id}").status_code == 204
        assert _cover(listing) == _first_photo(listing)
    assert _cover(listing)[0] == ListingImage.objects.get(pk=ids[1]).thumbnail.name
    assert owner.delete(f"/api/v1/listings/{listing.id}/images/{ids[1]}").status_code == 204
    assert _cover(listing) == (None, None, None)
    assert _summary_thumbnail(api_client, listing) is None


def test_a_stale_listing_saved_after_a_photo_was_added_keeps_the_cover(_media_in_tmp):
    listing = ListingFactory()
    stale = Listing.objects.get(pk=listing.pk)  # read before the photo: no cover
    upload(client_for(listing.shop.owner), listing, jpeg_bytes())
    assert _cover(listing)[0] is not None
    stale.stock = 5
    stale.save()  # writes every column, the empty cover among them
    assert _cover(listing) == _first_photo(listing)
    Listing.objects.filter(pk=listing.pk).update(cover_thumbnail="elsewhere.webp")
    assert _cover(listing) == _first_photo(listing)


def test_a_photo_moved_to_another_listing_moves_its_cover():
    one, other = ListingFactory.create_batch(2)
    photo = ListingImage.objects.create(
        listing=one, image="listings/a.webp", thumbnail="listings/a-thumb.webp", width=800,
        height=600, thumbnail_width=320, thumbnail_height=240, position=0)
    assert _cover(one) == ("listings/a-thumb.webp", 320, 240)
    ListingImage.objects.filter(pk=photo.pk).update(listing=other)
    assert _cover(one) == (None, None, None)
    assert _cover(other) == ("listings/a-thumb.webp", 320, 240)


def _connect() -> psycopg.Connection:
    return psycopg.connect(**connection.get_connection_params())


@pytest.mark.django_db(transaction=True)
def test_two_photos_added_at_once_by_writers_without_the_listings_lock_keep_the_right_cover():
    """The second writer's trigger waits on the listing's row until the first commits, then
    reads the photos again: the cover is the photo at the lowest position, whichever commits
    last."""
    listing = ListingFactory()
    insert = ("INSERT INTO sellers_listingimage (listing_id, image, thumbnail, width, height, "
              "thumbnail_width, thumbnail_height, position, created) "
              "VALUES (%s, %s, %s, 800, 600, 320, 240, %s, now())")
    second_done = threading.Event()
    errors = []

    def second_writer():
        try:
            with _connect() as conn:  # one transaction, committed on leaving the block
                conn.execute(insert, [listing.pk, "b.webp", "b-thumb.webp", 1])
            second_done.set()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    with _connect() as first:
        first.execute(insert, [listing.pk, "a.webp", "a-thumb.webp", 0])  # not committed yet
        worker = threading.Thread(target=second_writer)
        worker.start()
        # The second writer's trigger waits on the listing's row, which the first holds.
        assert not second_done.wait(timeout=0.5)
    worker.join(timeout=10)
    assert not worker.is_alive() and not errors
    assert _cover(listing) == ("a-thumb.webp", 320, 240)
