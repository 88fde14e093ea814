"""Request and response models of ``/api/v1`` (Create / Public families per resource)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["gbt32150", "iso14064", "ghgp"]
Status = Literal["draft", "submitted", "verified", "returned"]


class OrmModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationPublic(OrmModel):
    id: int
    kind: str
    name: str
    name_en: str
    level: str | None
    region_code: str = Field(description="GB/T 2260 code; 000000 for the national level")
    industry_code: str | None = Field(description="GB/T 4754-2017 code, e.g. C3011")
    park_id: int | None


class OrganisationCreate(BaseModel):
    kind: Literal["enterprise", "park", "authority", "verifier"]
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    region_code: str = Field(pattern=r"^\d{6}$")
    level: Literal["national", "provincial", "municipal", "county"] | None = None
    industry_code: str | None = Field(default=None, pattern=r"^[A-T]\d{2,4}$")
    park_id: int | None = None


class SitePublic(OrmModel):
    id: int
    org_id: int
    code: str
    name: str
    region_code: str


class SiteCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")


class Me(BaseModel):
    id: int
    username: str
    is_admin: bool
    roles: list[dict[str, Any]]


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="api", max_length=100)
    days: int = Field(default=90, ge=1, le=3650)


class TokenPublic(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once")
    prefix: str
    expires_at: str | None


class ImportedVersion(BaseModel):
    year: int
    version: int
    version_id: int
    records: int


class ImportPublic(BaseModel):
    org_id: int
    source_name: str
    versions: list[ImportedVersion]


class Problem(BaseModel):
    row: int
    column: str
    message: str
    where: str


class ProblemsPublic(BaseModel):
    detail: str
    problems: list[Problem]


class YearSummary(BaseModel):
    year: int
    status: str
    output_value: float | None
    version: int | None
    version_id: int | None
    inventory_id: int | None
    total_tco2e: float | None
    energy_tce: float | None


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class RecordIn(BaseModel):
    row: int = Field(ge=1, le=10_000_000)
    site: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=32)
    item: str = Field(min_length=1, max_length=64)
    amount: float = Field(ge=0, le=1e15, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=32)
    region: str = Field(default="", max_length=32)
    measured: dict[str, FiniteFloat | str] = Field(default_factory=dict)


class RecordPublic(RecordIn):
    id: int
    year: int


class Correction(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the data changes")
    records: list[RecordIn] = Field(min_length=1, max_length=100_000)


class VersionPublic(BaseModel):
    version: int
    version_id: int
    records: int


class InventoryPublic(BaseModel):
    id: int
    org_id: int
    year: int
    version: int
    method: str
    gwp_set: str
    reference_edition: str
    engine_version: str
    computed_at: str
    total_tco2e: float
    scope1_tco2e: float
    scope2_location_tco2e: float
    scope2_market_tco2e: float
    energy_tce: float
    summary: dict[str, Any]


class LinesPublic(BaseModel):
    total: int
    offset: int
    lines: list[dict[str, Any]]


class Note(BaseModel):
    note: str = Field(default="", max_length=4000)


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=4000)


class SubmissionPublic(OrmModel):
    id: int
    period_id: int
    version_id: int
    inventory_id: int
    status: str
    submitted_at: str
    decided_at: str | None
    decision_note: str


class CommentPublic(BaseModel):
    id: int
    by: str
    body: str
    created_at: str


class WorkflowPublic(BaseModel):
    year: int
    status: str
    versions: list[dict[str, Any]]
    submissions: list[dict[str, Any]]
    comments: list[CommentPublic]


class PortfolioRow(BaseModel):
    id: int
    name: str
    name_en: str
    industry_code: str
    region_code: str
    park_id: int | None
    status: str
    total_tco2e: float | None
    scope1_tco2e: float | None
    scope2_location_tco2e: float | None
    scope2_market_tco2e: float | None
    energy_tce: float | None
    output_value: float | None
    tco2e_per_output: float | None


class PortfolioPublic(BaseModel):
    year: int
    method: str
    years: list[int]
    total: dict[str, float]
    by_industry: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    by_status: dict[str, int]
    trend: list[dict[str, Any]]
    rows: list[PortfolioRow]


class FactorPublic(BaseModel):
    id: str
    value: float
    unit: str
    parameter: str
    source: dict[str, Any]


class FactorLookupPublic(BaseModel):
    item: str
    name_zh: str
    name_en: str
    kind: str
    default_unit: str
    candidates: list[dict[str, Any]]
    picked: list[dict[str, Any]]
    flags: list[str]
    refused: str


class AuditVerifyPublic(BaseModel):
    ok: bool
    entries: int
    first_bad: int | None
    problem: str
    head_hash: str


class AuditEntryPublic(OrmModel):
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    org_id: int | None
    payload: str
    prev_hash: str
    hash: str
