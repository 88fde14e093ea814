"""Settings from the environment (``GREENMFG_*``), see :class:`Settings`."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``database_url``: SQLAlchemy URL or SQLite path (``GREENMFG_DATABASE_URL``; default
    ``greenmfg.db`` in the working directory). ``secret_key``: signs session cookies; when unset
    a random key is generated once and kept in the database. ``secure_cookies``: send cookies
    over HTTPS only (set it behind TLS)."""

    model_config = SettingsConfigDict(env_prefix="GREENMFG_", extra="ignore")

    database_url: str = ""
    secret_key: str = ""
    secure_cookies: bool = False
    default_locale: str = "zh"
    session_max_age: int = 8 * 3600  # [s]
