"""The PACT Data Exchange API (Tech Specs v2.3.3 and v3.0.3), mounted at the application root:
``/auth/token``, ``/.well-known/openid-configuration``, ``/{2,3}/footprints[/{id}]`` and
``/{2,3}/events``. See :mod:`greenmfg.store.pact` for storage and access rules."""

from __future__ import annotations

from fastapi import APIRouter

from greenmfg.api.pact import auth, events, footprints

router = APIRouter()
router.include_router(auth.router)
router.include_router(footprints.router)
router.include_router(events.router)

__all__ = ["router"]
