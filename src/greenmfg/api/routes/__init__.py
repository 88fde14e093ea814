"""``/api/v1`` routes, one module per resource."""

from fastapi import APIRouter

from greenmfg.api.routes import (
    activities,
    audit,
    auth,
    factors,
    inventories,
    organisations,
    portfolio,
    workflow,
)

router = APIRouter()
for module in (auth, organisations, activities, inventories, workflow, portfolio, factors, audit):
    router.include_router(module.router)
