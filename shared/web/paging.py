"""Paging of case lists, shared by the admin read API and the unit API: ``page_size``
(1..200, default 50) and the opaque ``page_token`` a previous page gave."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from flask import Response
from pydantic import BaseModel, ConfigDict, Field

from shared.domain.case import CaseStatus
from shared.domain.catalog import Catalog
from shared.ports import InvalidPageToken, Page
from shared.web.responses import error, json_response

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
CODES = {"page_size": ("invalid_page_size", f"page_size must be 1..{MAX_PAGE_SIZE}")}


class PageQuery(BaseModel):
    """The query parameters of a case list; an empty value counts as absent."""
    model_config = ConfigDict(extra="ignore", frozen=True)
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="cases per page")] = DEFAULT_PAGE_SIZE
    page_token: Annotated[str | None, Field(max_length=1024,
                                               description="the next_page_token of the previous page")] = None


class StatusQuery(PageQuery):
    unit: Annotated[str | None, Field(max_length=64, description="a unit id")] = None
    status: Annotated[CaseStatus | None, Field(description="a case status")] = None


def page_answer(fetch: Callable[[], Page], catalog: Catalog,
                view: Callable[[Any, Catalog], dict[str, Any]]) -> Response:
    """``{"cases", "next_page_token"}``, or 400 ``invalid_page_token`` for a token this API did not give."""
    try:
        page = fetch()
    except InvalidPageToken:
        return error(400, "invalid_page_token", "page_token is not one this API gave", "page_token")
    return json_response({"cases": [view(c, catalog) for c in page.cases], "next_page_token": page.next_page_token})
