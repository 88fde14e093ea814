"""Translations of the web pages with Babel.

The catalogues are the ``.po`` files in ``translations/<lang>/LC_MESSAGES/messages.po``; they are
read with :func:`babel.messages.pofile.read_po` and compiled in memory at start-up (no ``.mo``
files are committed). Message ids are English; Chinese (``zh``) is the default language.

Extract new strings with ``pybabel extract -F babel.cfg -o messages.pot .`` (run in this directory)
and merge them with ``pybabel update -i messages.pot -d translations``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


def normalise(lang: str | None) -> str:
    """``lang`` if it is a supported language, else the default (``zh``)."""
    return lang if lang in LANGS else DEFAULT_LANG


def po_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (English, the message ids' language, needs none)."""
    path = po_path(normalise(lang))
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=BABEL_LOCALES.get(lang, lang))
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


def gettext(lang: str) -> Callable[[str], str]:
    """``_(message)`` for ``lang``."""
    return translations(normalise(lang)).gettext


def ngettext(lang: str) -> Callable[[str, str, int], str]:
    return translations(normalise(lang)).ngettext


def load_all() -> None:
    """Read every catalogue now (at start-up), so that a broken ``.po`` fails early."""
    for lang in LANGS:
        translations(lang)
