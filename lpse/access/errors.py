"""Refusals of the access log, in Bahasa Indonesia and English.

A refusal is an ``InputError`` (the CLI exits 2); the web app shows ``message(lang)`` with a 4xx.
"""

from __future__ import annotations

from lpse.errors import InputError

MESSAGES: dict[str, dict[str, str]] = {
    "no_visit": {"id": "kunjungan {visit} tidak ada", "en": "visit {visit} does not exist"},
    "not_approver": {
        "id": "{user} bukan pejabat yang berwenang menyetujui kunjungan ruang server",
        "en": "{user} is not an official authorised to approve server-room visits",
    },
    "self_approval": {
        "id": "{user} tidak boleh menyetujui kunjungannya sendiri ({visit})",
        "en": "{user} cannot approve their own visit ({visit})",
    },
    "already_decided": {
        "id": "kunjungan {visit} sudah {decision} oleh {by}",
        "en": "visit {visit} was already {decision} by {by}",
    },
    "not_approved": {
        "id": "kunjungan {visit} belum disetujui: tidak boleh masuk ruang server",
        "en": "visit {visit} has not been approved: no entry to the server room",
    },
    "denied": {
        "id": "kunjungan {visit} ditolak oleh {by}: tidak boleh masuk ruang server",
        "en": "visit {visit} was denied by {by}: no entry to the server room",
    },
    "not_yet_valid": {
        "id": "persetujuan kunjungan {visit} baru berlaku mulai {start}",
        "en": "the approval of visit {visit} is valid only from {start}",
    },
    "expired": {
        "id": "persetujuan kunjungan {visit} sudah kedaluwarsa pada {end}",
        "en": "the approval of visit {visit} expired at {end}",
    },
    "already_in": {
        "id": "pengunjung {visit} sudah berada di ruang server sejak {since}",
        "en": "the visitor of {visit} is already in the server room since {since}",
    },
    "not_in": {
        "id": "pengunjung {visit} tidak sedang berada di ruang server",
        "en": "the visitor of {visit} is not in the server room",
    },
    "equipment_differs": {
        "id": "peralatan keluar berbeda dengan yang dibawa masuk ({detail}); beri keterangan untuk mencatatnya",
        "en": "equipment taken out differs from equipment brought in ({detail}); give a note to record it",
    },
    "bad_password": {
        "id": "kata sandi {user} salah: keputusan tidak ditandatangani",
        "en": "wrong password for {user}: the decision was not signed",
    },
    "no_key": {
        "id": "kunci tanda tangan {user} tidak ditemukan di {path} (lpse access init)",
        "en": "the signing key of {user} is not at {path} (lpse access init)",
    },
    "key_mismatch": {
        "id": "kunci tanda tangan {user} tidak cocok dengan kunci publik di inventaris",
        "en": "the signing key of {user} does not match the public key in the inventory",
    },
    "field": {"id": "{field}: {problem}", "en": "{field}: {problem}"},
    "not_guard": {
        "id": "{user} tidak bertugas di meja jaga (access_log_guards)",
        "en": "{user} does not keep the guard desk (access_log_guards)",
    },
}


class AccessRefused(InputError):
    """A request the access log refuses; ``code`` names the rule."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        import os

        lang = lang or os.environ.get("LPSE_LANG", "id")
        texts = MESSAGES[self.code]
        return texts.get(lang, texts["id"]).format(**self.params)


def field_error(field: str, problem: str) -> AccessRefused:
    return AccessRefused("field", field=field, problem=problem)
