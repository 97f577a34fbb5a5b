from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, M capped at 100; a page past the end or not a number is a 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
