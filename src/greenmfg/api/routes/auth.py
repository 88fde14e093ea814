from __future__ import annotations

from fastapi import APIRouter, Request

from greenmfg.api.deps import DbDep, PrincipalDep
from greenmfg.api.schemas import Me, TokenPublic, TokenRequest
from greenmfg.store import audit
from greenmfg.store.auth import check_password, create_token

router = APIRouter(tags=["auth"])


@router.get("/me", response_model=Me, summary="Who the token or session belongs to")
def me(principal: PrincipalDep) -> Me:
    return Me(
        id=principal.user_id,
        username=principal.username,
        is_admin=principal.is_admin,
        roles=[
            {"org_id": g.org_id, "role": g.role, "org_kind": g.org_kind} for g in principal.grants
        ],
    )


@router.post(
    "/auth/token",
    response_model=TokenPublic,
    status_code=201,
    summary="Exchange a username and password for a bearer token (rate limited)",
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "too many failures"},
    },
)
def token(body: TokenRequest, request: Request, db: DbDep) -> TokenPublic:
    from fastapi import HTTPException

    client = request.client.host if request.client else "?"
    with db.writing() as s:
        user = check_password(s, body.username, body.password, client)
        if user is not None:
            row, secret = create_token(s, user, body.name, body.days)
            audit.append(
                s,
                actor_id=user.id,
                actor=user.username,
                action="token.create",
                entity="api_token",
                entity_id=row.id,
                payload={"name": body.name, "prefix": row.prefix, "expires_at": row.expires_at},
            )
            return TokenPublic(token=secret, prefix=row.prefix, expires_at=row.expires_at)
    raise HTTPException(401, "wrong username or password")
