"""``/api/v1`` routes, one module per resource."""

from fastapi import APIRouter

from greenmfg.api.routes import (
    activities,
    audit,
    auth,
    benchmark,
    factors,
    footprint_requests,
    footprints,
    green_factory,
    inventories,
    organisations,
    portfolio,
    workflow,
)

router = APIRouter()
for module in (auth, organisations, activities, inventories, workflow, portfolio, factors, audit):
    router.include_router(module.router)
router.include_router(benchmark.router)  # energy benchmarking (issue 4)
router.include_router(green_factory.router)  # green-factory self-evaluation (issue 4)
router.include_router(footprints.router)  # product footprints (issue 5)
router.include_router(footprint_requests.router)  # PACT footprint requests inbox (issue 5)
