"""REST API of shops and listings (API.md): parse, call one service or selector, render."""

import json
from functools import lru_cache

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.compat import LONG_SEPARATORS, SHORT_SEPARATORS
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import search, services
from .errors import ImageTooLarge, NotFound
from .images import MAX_UPLOAD_BYTES
from .listing_cards import ListingCard, PageRows, thumbnail_urls_expire
from .result_page import listing_result_page
from .search import listing_filters_parse
from .selectors import listing_get_for_viewer, listing_of_owner, shop_get_for_viewer
from .serializers import (
    SellersImageOrderInputSerializer,
    SellersImageOutputSerializer,
    SellersListingCreatedOutputSerializer,
    SellersListingCreateInputSerializer,
    SellersListingDetailOutputSerializer,
    SellersListingSummaryOutputSerializer,
    SellersListingUpdateInputSerializer,
    SellersPreorderInputSerializer,
    SellersShopCreatedOutputSerializer,
    SellersShopCreateInputSerializer,
    SellersShopOutputSerializer,
    SellersShopUpdateInputSerializer,
    preorder_or_none,
)

# Room for the multipart envelope around a photo at the size limit.
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024


class ReadPublicWriteSignedIn(APIView):
    """GET for everyone (visibility is the selector's job); anything else needs a sign-in."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]


class SearchPagination(api_settings.DEFAULT_PAGINATION_CLASS):
    """The project's page, plus `corrected_query`: the text searched when the words as typed
    matched nothing and were corrected (null otherwise). Additive to API v1."""

    corrected_query = None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["corrected_query"] = self.corrected_query
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["corrected_query"] = {
            "type": "string", "nullable": True, "example": "cast iron skillet",
            "description": "The words searched after correcting typos; null when the query "
                           "was searched as typed (or there was none).",
        }
        return schema


_CREATED = serializers.DateTimeField()  # formats `created` exactly as the serializer does


class SummaryPage(list):
    """A page of listing summaries (dicts, for any renderer), and each one's JSON text as
    `JSONRenderer` writes it, for `SummaryPageRenderer` to join instead of encoding again."""

    texts: list[str]


class SummaryPageRenderer(JSONRenderer):
    """JSON exactly as `JSONRenderer` writes it; the `results` of a `SummaryPage` are joined
    from their texts, written once per card (encoding 24 summaries was a tenth of an uncached
    catalog API request's Python). Any other answer (an error, a page of something else) is
    `JSONRenderer`'s own."""

    _SLOT = "\x00summaries\x00"

    @classmethod
    def text(cls, value) -> str:
        """`value` as `JSONRenderer.render` writes it, as text."""
        return json.dumps(
            value, cls=cls.encoder_class, ensure_ascii=cls.ensure_ascii, allow_nan=not cls.strict,
            separators=SHORT_SEPARATORS if cls.compact else LONG_SEPARATORS,
        ).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

    def render(self, data, accepted_media_type=None, renderer_context=None):
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, SummaryPage) or self.get_indent(
            accepted_media_type or "", renderer_context or {}
        ) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        envelope = self.text({**data, "results": self._SLOT})
        # The slot's text, quotes included, occurs once: inside any other string a NUL is
        # written escaped, and so is a quote.
        slot = self.text(self._SLOT)
        return envelope.replace(slot, "[" + ",".join(results.texts) + "]", 1).encode()


def _summaries(cards: list[ListingCard]) -> SummaryPage:
    """Cards as SellersListingSummaryOutputSerializer writes them (the schema), built
    directly: a page of summaries is the hot path of the catalog API."""
    zone = timezone.get_current_timezone_name()
    # A signed photo URL expires: then never remember one.
    draw = _summary_in_zone.__wrapped__ if thumbnail_urls_expire() else _summary_in_zone
    drawn = [draw(card, zone) for card in cards]
    page = SummaryPage(summary for summary, _ in drawn)
    page.texts = [text for _, text in drawn]
    return page


@lru_cache(maxsize=4096)
def _summary_in_zone(card: ListingCard, zone: str) -> tuple[dict, str]:
    # Remembered per card (a frozen row: a changed listing is another card) and time zone
    # (`created` is written in the reader's), with its JSON text. Nothing changes the dict
    # after it is returned.
    summary = {
        "id": card.id,
        "title": card.title,
        "price_cents": card.price_cents,
        "currency": card.currency,
        "shop": {"slug": card.shop_slug, "name": card.shop_name},
        "village": {"slug": card.village_slug, "name": card.village_name,
                    "state": card.village_state},
        "thumbnail_url": card.thumbnail_url,
        "stock": card.stock,
        "rating_avg": card.rating_avg,
        "created": _CREATED.to_representation(card.created),
        "preorder": preorder_or_none(card),
    }
    return summary, SummaryPageRenderer.text(summary)


def _paginated(request, view, filters):
    """One page of the search's results: one statement for the page and its count."""
    # The project's paginator, from settings: sellers does not import the project package.
    paginator = SearchPagination()
    raw = request.query_params.get(paginator.page_query_param) or "1"
    # Not a page number: page 1 is read for its count, then the paginator answers 404.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 1
    size = paginator.get_page_size(request) or 1
    # Past COUNT_CAP no row can exist: read none there, only the count (the paginator's 404).
    start = min((max(number, 1) - 1) * size, search.COUNT_CAP)

    def load(begin, end):
        return listing_result_page(filters=filters, start=begin, stop=end)

    rows = PageRows(load, start, start + size)
    page = paginator.paginate_queryset(rows, request, view=view)
    paginator.corrected_query = rows.page.corrected_query if rows.page else None
    return paginator.get_paginated_response(_summaries(page))


class ShopCreateApi(APIView):
    @extend_schema(request=SellersShopCreateInputSerializer,
                   responses={201: SellersShopCreatedOutputSerializer})
    def post(self, request):
        data = SellersShopCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values, village = data.validated_data, data.validated_data["village"]
        shop = services.shop_open(
            owner=request.user, name=values["name"], description=values["description"],
            village_name=village["name"], village_county=village["county"],
            village_state=village["state"],
        )
        return Response(SellersShopCreatedOutputSerializer(shop).data,
                        status=status.HTTP_201_CREATED)


class ShopDetailApi(ReadPublicWriteSignedIn):
    @extend_schema(responses={200: SellersShopOutputSerializer})
    def get(self, request, slug):
        shop = shop_get_for_viewer(slug=slug, user=request.user)
        return Response(SellersShopOutputSerializer(shop).data)

    @extend_schema(request=SellersShopUpdateInputSerializer,
                   responses={200: SellersShopOutputSerializer})
    def patch(self, request, slug):
        shop = shop_get_for_viewer(slug=slug, user=request.user)
        if shop.owner_id != request.user.pk:
            raise NotFound("No shop with that address.")
        data = SellersShopUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.shop_update(shop_id=shop.pk, user=request.user, **data.validated_data)
        shop = shop_get_for_viewer(slug=slug, user=request.user)
        return Response(SellersShopOutputSerializer(shop).data)


class ShopListingsApi(APIView):
    # Tells the schema the answer is a page ({count, next, previous, results, corrected_query}).
    pagination_class = SearchPagination
    permission_classes = [AllowAny]
    renderer_classes = [SummaryPageRenderer]

    @extend_schema(responses={200: SellersListingSummaryOutputSerializer(many=True)})
    def get(self, request, slug):
        shop = shop_get_for_viewer(slug=slug, user=request.user)
        params = {key: request.query_params.get(key) for key in request.query_params}
        filters = listing_filters_parse({**params, "shop": shop.slug})
        return _paginated(request, self, filters)


class ListingListApi(ReadPublicWriteSignedIn):
    # Tells the schema the answer is a page ({count, next, previous, results, corrected_query}).
    pagination_class = SearchPagination
    renderer_classes = [SummaryPageRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("q", "category", "village", "state", "shop", "min_price_cents",
                         "max_price_cents", "in_stock", "local_pickup", "ordering", "exact")
        ] + [OpenApiParameter(
            "preorder", str, required=False, enum=["true", "false", "only", "exclude"],
            description="true (or only): pre-orders alone; false (or exclude): goods in stock "
                        "alone; left out: both.",
        )],
        responses={200: SellersListingSummaryOutputSerializer(many=True)},
    )
    def get(self, request):
        filters = listing_filters_parse(request.query_params)
        return _paginated(request, self, filters)

    @extend_schema(request=SellersListingCreateInputSerializer,
                   responses={201: SellersListingCreatedOutputSerializer})
    def post(self, request):
        data = SellersListingCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listing = services.listing_create(user=request.user, **data.validated_data)
        return Response(SellersListingCreatedOutputSerializer(listing).data,
                        status=status.HTTP_201_CREATED)


class ListingDetailApi(ReadPublicWriteSignedIn):
    @extend_schema(responses={200: SellersListingDetailOutputSerializer})
    def get(self, request, listing_id):
        listing = listing_get_for_viewer(listing_id=listing_id, user=request.user)
        return Response(SellersListingDetailOutputSerializer(listing).data)

    @extend_schema(request=SellersListingUpdateInputSerializer,
                   responses={200: SellersListingDetailOutputSerializer})
    def patch(self, request, listing_id):
        data = SellersListingUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.listing_update(user=request.user, listing_id=listing_id,
                                changes=data.validated_data)
        listing = listing_of_owner(listing_id=listing_id, user=request.user)
        return Response(SellersListingDetailOutputSerializer(listing).data)

    @extend_schema(responses={204: None})
    def delete(self, request, listing_id):
        services.listing_archive(user=request.user, listing_id=listing_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingPreorderApi(APIView):
    """The owner's pre-order promise: PUT sets it (or changes it), DELETE sells from stock."""

    @extend_schema(request=SellersPreorderInputSerializer,
                   responses={200: SellersListingDetailOutputSerializer})
    def put(self, request, listing_id):
        data = SellersPreorderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.listing_preorder_set(user=request.user, listing_id=listing_id,
                                      **data.validated_data)
        listing = listing_of_owner(listing_id=listing_id, user=request.user)
        return Response(SellersListingDetailOutputSerializer(listing).data)

    @extend_schema(request=None, responses={200: SellersListingDetailOutputSerializer})
    def delete(self, request, listing_id):
        services.listing_preorder_end(user=request.user, listing_id=listing_id)
        listing = listing_of_owner(listing_id=listing_id, user=request.user)
        return Response(SellersListingDetailOutputSerializer(listing).data)


class ListingImagesApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer(
            "SellersImageUploadInput", {"image": serializers.FileField()})},
        responses={201: SellersImageOutputSerializer},
    )
    def post(self, request, listing_id):
        # Refuse an oversized body before reading it; the service checks the file itself too.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_REQUEST_BYTES:
            raise ImageTooLarge("That photo is over 10 MB. Please upload a smaller one.")
        upload = request.FILES.get("image")
        if upload is None:
            raise serializers.ValidationError({"image": ["Choose a photo to upload."]})
        photo = services.listing_image_add(user=request.user, listing_id=listing_id,
                                           upload=upload)
        return Response(SellersImageOutputSerializer(photo).data,
                        status=status.HTTP_201_CREATED)


class ListingImageOrderApi(APIView):
    @extend_schema(request=SellersImageOrderInputSerializer,
                   responses={200: SellersImageOutputSerializer(many=True)})
    def post(self, request, listing_id):
        data = SellersImageOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.listing_images_reorder(
            user=request.user, listing_id=listing_id, image_ids=data.validated_data["ids"])
        return Response(SellersImageOutputSerializer(photos, many=True).data)


class ListingImageDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, listing_id, image_id):
        services.listing_image_delete(user=request.user, listing_id=listing_id,
                                      image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
