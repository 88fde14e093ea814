from __future__ import annotations

from fastapi import APIRouter, Query

from greenmfg.api.deps import PrincipalDep, RefDep
from greenmfg.api.schemas import FactorLookupPublic
from greenmfg.reference.lookup import lookup_factors
from greenmfg.store.scope import NotFound

router = APIRouter(tags=["factors"])


@router.get("/factors/items", summary="The item catalogue (what activity rows may name)")
def items(principal: PrincipalDep, ref: RefDep) -> list[dict[str, str]]:
    return [
        {
            "item": s.item,
            "kind": s.kind,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "default_unit": s.default_unit,
            "method": s.method,
        }
        for s in ref.items.values()
    ]


@router.get(
    "/factors/{item}",
    response_model=FactorLookupPublic,
    responses={404: {"description": "unknown item"}},
    summary="Every factor an item could use (with sources) and the one the engine picks",
)
def factor_lookup(
    item: str,
    principal: PrincipalDep,
    ref: RefDep,
    year: int | None = Query(None, ge=1990, le=2100),
    region: str | None = Query(None, max_length=40),
) -> FactorLookupPublic:
    try:
        found = lookup_factors(ref, item, year, region)
    except KeyError:
        raise NotFound(f"unknown item {item!r}") from None
    return FactorLookupPublic(
        item=found.spec.item,
        name_zh=found.spec.name_zh,
        name_en=found.spec.name_en,
        kind=found.spec.kind,
        default_unit=found.spec.default_unit,
        candidates=[f.as_dict() for f in found.candidates],
        picked=found.picked,
        flags=found.flags,
        refused=found.refused,
    )
