"""Operator-facing words in Bahasa Indonesia (default) and English (``--lang en`` or LPSE_LANG=en).

Code, logs and developer documentation are English; what LPSE staff read on their terminal is
Indonesian first. Keep keys short and add both languages together.
"""

from __future__ import annotations

import os

MESSAGES: dict[str, dict[str, str]] = {
    "error": {"id": "galat", "en": "error"},
    "host": {"id": "host", "en": "host"},
    "kind": {"id": "jenis", "en": "kind"},
    "groups": {"id": "grup", "en": "groups"},
    "address": {"id": "alamat", "en": "address"},
    "running": {"id": "berjalan", "en": "running"},
    "answers": {"id": "menjawab", "en": "answers"},
    "detail": {"id": "keterangan", "en": "detail"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "lab_status_title": {
        "id": "Lab {lab}: {up} dari {total} anggota menjawab",
        "en": "Lab {lab}: {up} of {total} members answer",
    },
    "ok": {"id": "ok", "en": "ok"},
    "changed": {"id": "berubah", "en": "changed"},
    "failed": {"id": "gagal", "en": "failed"},
    "unreachable": {"id": "tak terjangkau", "en": "unreachable"},
    "seconds": {"id": "detik", "en": "seconds"},
    "task": {"id": "tugas", "en": "task"},
    "site": {"id": "situs", "en": "site"},
    "hosts": {"id": "host", "en": "hosts"},
    "sites_title": {"id": "Kepatuhan {n} LPSE", "en": "Compliance of {n} LPSE sites"},
    "site_written": {"id": "Hasil {site}: {path}", "en": "Results of {site}: {path}"},
    "sites_exclusive": {
        "id": "--sites tidak dapat digabung dengan --inventory atau --waivers (setiap situs memakai miliknya)",
        "en": "--sites cannot be combined with --inventory or --waivers (each site uses its own)",
    },
    "time": {"id": "waktu", "en": "time"},
    "provision_title": {
        "id": "Provisioning {playbook}: {hosts} host, {secs:.0f} detik",
        "en": "Provisioning {playbook}: {hosts} hosts, {secs:.0f} s",
    },
    "check_title": {
        "id": "Pemeriksaan penyimpangan (check mode) {playbook}: {hosts} host",
        "en": "Drift check (check mode) {playbook}: {hosts} hosts",
    },
    "artifacts": {"id": "Artefak ansible-runner: {path}", "en": "ansible-runner artifacts: {path}"},
    "area": {"id": "area", "en": "area"},
    "pass": {"id": "lulus", "en": "pass"},
    "fail": {"id": "gagal", "en": "fail"},
    "waived": {"id": "dikecualikan", "en": "waived"},
    "score": {"id": "skor", "en": "score"},
    "comply_title": {
        "id": "Kepatuhan: skor {score}% (pemeriksaan {run}, {secs} detik)",
        "en": "Compliance: score {score}% (run {run}, {secs} s)",
    },
    "comply_written": {"id": "Hasil (JSON, JUnit, HTML): {path}", "en": "Results (JSON, JUnit, HTML): {path}"},
    "bad_pair": {"id": "{item!r} bukan KUNCI=NILAI", "en": "{item!r} is not KEY=VALUE"},
    "maintenance_needs": {
        "id": "announce dan start memerlukan --until (mis. 2026-12-01T06:00+07:00) dan --reason",
        "en": "announce and start need --until (e.g. 2026-12-01T06:00+07:00) and --reason",
    },
    "no_drift": {
        "id": "Tidak ada penyimpangan: setiap host sesuai konfigurasi.",
        "en": "No drift: every host matches its configuration.",
    },
    "drift_host": {
        "id": "{host}: {n} tugas akan mengubah sesuatu (penyimpangan):",
        "en": "{host}: {n} task(s) would change something (drift):",
    },
    "collected": {"id": "Catatan dikumpulkan dari {host}: {status}", "en": "Records collected from {host}: {status}"},
    "report_written": {"id": "Laporan ditulis: {path}", "en": "Report written: {path}"},
    "set_done": {"id": "{device} kini melaporkan: {values}", "en": "{device} now reports: {values}"},
}


def lang() -> str:
    value = os.environ.get("LPSE_LANG", "id").lower()
    return value if value in ("id", "en") else "id"


def t(key: str, **kwargs: object) -> str:
    text = MESSAGES[key][lang()]
    return text.format(**kwargs) if kwargs else text
