from __future__ import annotations

from dataclasses import fields

from fastapi import APIRouter, Query

from greenmfg.api.deps import OptId, OptYear, PrincipalDep, ReadSession
from greenmfg.api.schemas import Method, PortfolioPublic
from greenmfg.store.activities import DEFAULT_METHOD
from greenmfg.store.queries import SORTABLE, portfolio

router = APIRouter(tags=["portfolio"])


@router.get(
    "/portfolio",
    response_model=PortfolioPublic,
    summary="Enterprises in the caller's jurisdiction with totals by industry and region",
)
def get_portfolio(
    principal: PrincipalDep,
    s: ReadSession,
    year: OptYear = None,
    method: Method = DEFAULT_METHOD,
    industry: str = Query("", max_length=5, description="GB/T 4754 code prefix, e.g. C30"),
    region: str = Query(
        "", max_length=6, pattern=r"^\d{0,6}$", description="GB/T 2260 prefix, e.g. 3205"
    ),
    status: str = Query("", pattern="^(|draft|submitted|verified|returned|none)$"),
    q: str = Query("", max_length=100),
    park_id: OptId = None,
    sort: str = Query("total_tco2e", pattern="^(" + "|".join(SORTABLE) + ")$"),
    desc: bool = True,
) -> PortfolioPublic:
    p = portfolio(
        s,
        principal,
        year,
        method=method,
        industry=industry,
        region=region,
        status=status,
        q=q,
        park_id=park_id,
        sort=sort,
        descending=desc,
    )
    return PortfolioPublic(**{f.name: getattr(p, f.name) for f in fields(p)})
