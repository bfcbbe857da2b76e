"""The REST polling source, against an Onshape-shaped API, passes the PLM source contract."""

from __future__ import annotations

import httpx

from plmsync.connectors.plm.auth import ClientCredentials
from plmsync.connectors.plm.rest import RestPlmSource
from plmsync.testing.plm_contract import PlmSourceContract, PlmUnderTest
from tests.connectors.plm.onshape_server import (
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    COMPANY,
    TOKEN_URL,
    OnshapeServer,
)


def onshape_source(
    server: OnshapeServer, *, secret: str = CLIENT_SECRET, page_size: int = 2, max_pages: int = 50
) -> RestPlmSource:
    return RestPlmSource(
        "onshape",
        base_url=BASE_URL,
        auth=ClientCredentials(TOKEN_URL, CLIENT_ID, secret),
        path_params={"company": COMPANY},
        page_size=page_size,
        max_pages=max_pages,
        transport=server.transport,
    )


class TestRestPlmContract(PlmSourceContract):
    def make_plm(self) -> PlmUnderTest:
        server = OnshapeServer()
        # Page size 2 against 8 revisions per release: every test crosses page boundaries.
        return PlmUnderTest(onshape_source(server), server.release, server.notification)

    def make_unusable_source(self) -> RestPlmSource:
        return onshape_source(OnshapeServer(), secret="wrong")


class TestRestPlmContractUnreachable(PlmSourceContract):
    """Only the failing check matters here: a PLM that cannot be reached."""

    def make_plm(self) -> PlmUnderTest:
        server = OnshapeServer()
        return PlmUnderTest(
            onshape_source(server, page_size=5), server.release, server.notification
        )

    def make_unusable_source(self) -> RestPlmSource:
        def unreachable(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        return RestPlmSource(
            "onshape", base_url=BASE_URL, transport=httpx.MockTransport(unreachable)
        )
