"""Shared pieces of the PACT exchange tests: synthetic footprints, a small world with clients,
and uvicorn servers in threads (two greenmfg instances talking to each other).

The footprints are synthetic test fixtures (made-up products and values, valid against the
official v3.0 schema and expressible in v2.3), not reference data.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from greenmfg.api.app import create_app
from greenmfg.store.pact import create_client, publish_footprint
from infra import free_port
from world import World, build_world

NS = uuid.UUID("6f1c2e64-93a8-4bd4-9a43-2a8b0f3c1d55")
CPC = "urn:pact:productclassification:un-cpc:"


def pf_id(name: str) -> str:
    """A stable UUID (version 5) for a test footprint name."""
    return str(uuid.uuid5(NS, name))


def footprint(
    name: str,
    *,
    product_ids: list[str],
    company_ids: list[str] | None = None,
    classifications: list[str] | None = None,
    geography: dict[str, str] | None = None,
    reference: tuple[str, str] = ("2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"),
    validity: tuple[str, str] | None = None,
    status: str = "Active",
    created: str = "2025-01-10T00:00:00Z",
    preceding: list[str] | None = None,
) -> dict[str, Any]:
    """A minimal PACT v3.0 ProductFootprint (one kilogram of a made-up product)."""
    doc: dict[str, Any] = {
        "id": pf_id(name),
        "specVersion": "3.0.0",
        "created": created,
        "status": status,
        "companyName": "测试企业 test enterprise",
        "companyIds": company_ids or ["urn:pact:company:greenmfg-test:e1"],
        "productDescription": f"synthetic test product {name}",
        "productIds": product_ids,
        "productClassifications": classifications or [f"{CPC}3744"],
        "productNameCompany": f"product {name}",
        "comment": "synthetic test footprint",
        "pcf": {
            "declaredUnitOfMeasurement": "kilogram",
            "declaredUnitAmount": "1",
            "productMassPerDeclaredUnit": "1",
            "referencePeriodStart": reference[0],
            "referencePeriodEnd": reference[1],
            **(geography if geography is not None else {"geographyCountry": "CN"}),
            "boundaryProcessesDescription": "cradle to gate",
            "pcfExcludingBiogenicUptake": "0.5",
            "pcfIncludingBiogenicUptake": "0.5",
            "fossilGhgEmissions": "0.5",
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0",
            "packagingEmissionsIncluded": False,
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["ISO14067"],
            "exemptedEmissionsPercent": "0",
        },
    }
    if validity is not None:
        doc["validityPeriodStart"], doc["validityPeriodEnd"] = validity
    if preceding:
        doc["precedingPfIds"] = preceding
    return doc


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@dataclass
class PactWorld:
    """A world (tests/world.py, no activity data) with footprints and PACT clients."""

    world: World
    clients: dict[str, tuple[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.world.db

    def org(self, key: str) -> int:
        return self.world.orgs[key]


def pact_world(url: str, footprints: dict[str, tuple[str, dict[str, Any], bool]]) -> PactWorld:
    """The test world at ``url`` with ``footprints`` (name -> (enterprise, document, published)),
    published in that order, and a client for E1, for park P1 and for E3."""
    pw = PactWorld(build_world(url, data=False))
    with pw.db.writing() as s:
        for name, (org, doc, published) in footprints.items():
            publish_footprint(s, pw.org(org), doc, "computed", "test", published)
            pw.ids[name] = doc["id"]
        for key in ("E1", "P1", "E3"):
            pw.clients[key] = create_client(s, pw.org(key), f"test client of {key}")
    return pw


def app_for(pw: PactWorld, *, allow_http: bool = True, auto_fulfil: bool | None = None) -> FastAPI:
    app = create_app(db=pw.db)
    app.state.pact_allow_http = allow_http
    if auto_fulfil is not None:
        app.state.pact_auto_fulfil = auto_fulfil
    return app


class LiveServer:
    """``app`` served by uvicorn on 127.0.0.1 in a thread of this process."""

    def __init__(self, app: FastAPI, **config: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            **config,
        )
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def token(base_url: str, client: tuple[str, str]) -> str:
    r = httpx.post(
        f"{base_url}/auth/token", data={"grant_type": "client_credentials"}, headers=basic(*client)
    )
    r.raise_for_status()
    return str(r.json()["access_token"])
