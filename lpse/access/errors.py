"""Refusals of the access log, in Bahasa Indonesia and English (``access.refused.<code>`` in
lpse/i18n.py).

A refusal is an ``InputError`` (the CLI exits 2); the web app shows ``message(lang)`` with a 4xx.
"""

from __future__ import annotations

from lpse import i18n
from lpse.errors import InputError

DECISIONS = {"disetujui": "approved", "ditolak": "denied", "approved": "approved", "denied": "denied"}


class AccessRefused(InputError):
    """A request the access log refuses; ``code`` names the rule."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        params = dict(self.params)
        if "decision" in params:  # rules.py names the decision in Indonesian; say it in the reader's language
            state = DECISIONS.get(str(params["decision"]))
            params["decision"] = i18n.t(f"access.status.{state}", lang=lang) if state else params["decision"]
        return i18n.t(f"access.refused.{self.code}", lang=lang, **params)


def field_error(field: str, problem: str) -> AccessRefused:
    return AccessRefused("field", field=field, problem=problem)
