"""HTML reports as PDF (WeasyPrint), with a CJK font so that Chinese text renders.

WeasyPrint lays out the page with Pango, which finds fonts through fontconfig. The report
stylesheet asks for the CJK families Debian ships (``fonts-wqy-microhei``, ``fonts-noto-cjk``); a
machine with none of them would print boxes, so :func:`cjk_font_available` lets callers and tests
check first. WeasyPrint is imported lazily: it needs the system's Pango library, and the rest of
greenmfg must work without it.
"""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["CJK_FONT_FAMILIES", "PdfUnavailable", "cjk_font_available", "write_pdf"]

CJK_FONT_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries are not installed."""


def cjk_font_available() -> bool:
    """Whether fontconfig knows a font covering Simplified Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True)
    return bool(out.stdout.strip())


def write_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render an HTML document (with its ``<style>``) to PDF bytes."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(
            "PDF export needs WeasyPrint and Pango (pip install weasyprint; "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei)"
        ) from exc
    pdf = HTML(string=html, base_url=base_url).write_pdf()
    assert pdf is not None
    return bytes(pdf)
