"""The one catalogue of operator- and reader-facing texts, in Bahasa Indonesia (default) and
English (``--lang en`` or LPSE_LANG=en).

Code, logs and developer documentation are English; what LPSE staff read on their terminal, and
what the Bupati reads in the reports, is Indonesian first. Keys without a dot are the ``lpse``
command's messages; ``severity.*``, ``report.*`` (monthly and yearly reports), ``html.*`` (the
compliance page), ``web.*`` (the access log's web app) and ``access.*`` (``lpse access`` and its
refusals) are the other surfaces. Add both languages together (tests/unit/test_i18n.py checks).
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
    "bootstrap_ssh_password": {"id": "Kata sandi SSH {user}", "en": "SSH password of {user}"},
    "bootstrap_become_password": {"id": "Kata sandi sudo {user}", "en": "sudo password of {user}"},
    "site_written_files": {"id": "{n} berkas situs ditulis di {path}:", "en": "{n} site files written in {path}:"},
    "site_next_steps": {
        "id": "Berikutnya: isi alamat dan pengaturan di {path}/inventory/hosts.yml, lalu `lpse site check {path}`,"
        " `lpse bootstrap -i {path}/inventory/hosts.yml`, `lpse provision -i {path}/inventory/hosts.yml`.",
        "en": "Next: fill in the addresses and settings in {path}/inventory/hosts.yml, then `lpse site check {path}`,"
        " `lpse bootstrap -i {path}/inventory/hosts.yml`, `lpse provision -i {path}/inventory/hosts.yml`.",
    },
    "site_check_ok": {
        "id": "Inventaris {path} lolos pemeriksaan: tidak ada masalah sebelum dijalankan.",
        "en": "Inventory {path} passes: no problem found before a run.",
    },
    "site_check_title": {"id": "{n} masalah di {path}", "en": "{n} problems in {path}"},
    "site_where": {"id": "di mana", "en": "where"},
    "site_what": {"id": "masalah", "en": "problem"},
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


# --- Reader-facing texts, one namespace per surface ------------------------------------------------
# Each section is its own literal (full keys, so a grep finds them) merged into MESSAGES below; a
# key defined twice is an error at import, and tests/unit/test_i18n.py checks that every key has
# both languages with the same placeholders and that every key the code and templates use exists.

SEVERITY: dict[str, dict[str, str]] = {
    "severity.critical": {"id": "kritis", "en": "critical"},
    "severity.high": {"id": "tinggi", "en": "high"},
    "severity.medium": {"id": "sedang", "en": "medium"},
    "severity.low": {"id": "rendah", "en": "low"},
}

# The monthly and yearly reports (lpse/report/, lpse/templates/report.html.j2: ``L.<name>`` is
# ``report.<name>``).
REPORT: dict[str, dict[str, str]] = {
    "report.monthly_title": {"id": "Laporan Bulanan LPSE", "en": "LPSE Monthly Report"},
    "report.yearly_title": {"id": "Laporan Tahunan LPSE", "en": "LPSE Yearly Report"},
    "report.to": {
        "id": "Kepada Yth. Bupati Bandung melalui Sekretaris Daerah",
        "en": "To the Regent of Bandung through the Regional Secretary",
    },
    "report.monthly_basis": {
        "id": "Disampaikan sesuai Peraturan Bupati Bandung Nomor 4 Tahun 2017 Pasal 24 ayat (2).",
        "en": "Submitted under Bandung Regent Regulation No. 4 of 2017, Article 24 (2).",
    },
    "report.yearly_basis": {
        "id": "Bahan evaluasi tahunan oleh Sekretaris Daerah sesuai Pasal 24 ayat (1).",
        "en": "Input to the Regional Secretary's yearly evaluation under Article 24 (1).",
    },
    "report.period": {"id": "Periode", "en": "Period"},
    "report.generated": {"id": "Dibuat", "en": "Generated"},
    "report.summary": {"id": "Ringkasan", "en": "Summary"},
    "report.compliance": {"id": "Kepatuhan terhadap peraturan", "en": "Compliance with the regulation"},
    "report.capacity": {
        "id": "Kapasitas disk dan RAM (Pasal 22 huruf a)",
        "en": "Disk and RAM capacity (Pasal 22 huruf a)",
    },
    "report.runs": {"id": "Pemeriksaan kepatuhan", "en": "Compliance runs"},
    "report.latest_score": {"id": "Skor terakhir", "en": "Latest score"},
    "report.average": {"id": "Rata-rata", "en": "Average"},
    "report.minimum": {"id": "Terendah", "en": "Lowest"},
    "report.area": {"id": "Area", "en": "Area"},
    "report.article": {"id": "Pasal", "en": "Article"},
    "report.score": {"id": "Skor", "en": "Score"},
    "report.open_failures": {
        "id": "Kegagalan yang masih terbuka pada akhir periode",
        "en": "Failures still open at the end of the period",
    },
    "report.none": {"id": "Tidak ada.", "en": "None."},
    "report.control": {"id": "Kontrol", "en": "Control"},
    "report.host": {"id": "Server", "en": "Server"},
    "report.cause": {"id": "Penyebab", "en": "Cause"},
    "report.severity": {"id": "Tingkat", "en": "Severity"},
    "report.waived": {"id": "Dikecualikan (dengan persetujuan)", "en": "Waived (approved)"},
    "report.until": {"id": "berlaku s.d.", "en": "until"},
    "report.unread": {
        "id": "Data {what} dari {host} tidak dapat dibaca saat laporan ini disusun ({cause}). "
        "Bagian ini hanya memuat data yang terkumpul sebelumnya.",
        "en": "The {what} data of {host} could not be read when this report was made ({cause}). "
        "This section holds only what was collected earlier.",
    },
    "report.unread_none": {
        "id": "Bagian ini tidak menyatakan apa pun untuk periode ini: datanya tidak dapat dibaca (lihat di atas).",
        "en": "This section states nothing for the period: its data could not be read (see above).",
    },
    "report.what.capacity": {"id": "kapasitas", "en": "capacity"},
    "report.what.maintenance": {"id": "pemeliharaan", "en": "maintenance"},
    "report.what.backup": {"id": "cadangan", "en": "backup"},
    "report.what.access": {"id": "log akses ruang server", "en": "server-room access log"},
    "report.what.traffic": {"id": "lalu lintas jaringan", "en": "traffic"},
    "report.what.connectivity": {"id": "koneksi internet", "en": "internet connection"},
    "report.what.room": {"id": "suhu dan kelembapan ruang server", "en": "server-room environment"},
    "report.what.selftests": {"id": "uji mandiri UPS", "en": "UPS self-test"},
    "report.what.power": {"id": "kejadian listrik", "en": "power event"},
    "report.what.alerts": {"id": "peringatan", "en": "alert"},
    "report.run_used": {
        "id": "Skor periode ini dari pemeriksaan resmi {run} ({time}): seluruh katalog pada seluruh inventaris.",
        "en": "This period's score is from the official run {run} ({time}): the whole catalogue, every host.",
    },
    "report.runs_narrowed": {
        "id": "{n} pemeriksaan terbatas (--limit, --control, --area) pada periode ini tidak dihitung.",
        "en": "{n} narrowed run(s) (--limit, --control, --area) in this period are not counted.",
    },
    "report.cause_fail": {"id": "tidak terpenuhi", "en": "not met"},
    "report.see_note": {"id": "rincian: catatan teknis {n}", "en": "details: technical note {n}"},
    "report.notes_title": {"id": "Lampiran: catatan teknis", "en": "Appendix: technical notes"},
    "report.notes_intro": {
        "id": "Keluaran pemeriksaan apa adanya, sebagaimana ditulis alat pemeriksa (dalam bahasa Inggris), "
        "untuk administrator sistem.",
        "en": "The checks' output as the checking tools wrote it, for the system administrators.",
    },
    "report.status_error": {"id": "galat: tidak dapat diperiksa", "en": "error: could not be checked"},
    "report.no_runs": {
        "id": "Tidak ada pemeriksaan kepatuhan pada periode ini.",
        "en": "No compliance run in this period.",
    },
    "report.no_capacity": {
        "id": "Tidak ada catatan kapasitas pada periode ini.",
        "en": "No capacity record in this period.",
    },
    "report.chart_score": {"id": "Skor kepatuhan", "en": "Compliance score"},
    "report.chart_capacity": {"id": "{host} — pemakaian disk dan RAM", "en": "{host} — disk and RAM use"},
    "report.chart_year_score": {
        "id": "Rata-rata skor kepatuhan per bulan",
        "en": "Average compliance score per month",
    },
    "report.chart_year_disk": {"id": "Puncak pemakaian disk per bulan", "en": "Peak disk use per month"},
    "report.maintenance": {
        "id": "Pemeliharaan dan pengumuman (Pasal 22 huruf d)",
        "en": "Maintenance and announcements (Pasal 22 huruf d)",
    },
    "report.no_maintenance": {
        "id": "Tidak ada pemeliharaan pada periode ini.",
        "en": "No maintenance in this period.",
    },
    "report.mnt_reason": {"id": "Alasan", "en": "Reason"},
    "report.mnt_start": {"id": "Mulai", "en": "Started"},
    "report.mnt_planned": {"id": "Rencana selesai", "en": "Planned end"},
    "report.mnt_end": {"id": "Selesai", "en": "Ended"},
    "report.mnt_minutes": {"id": "Menit", "en": "Minutes"},
    "report.mnt_announced": {"id": "Diumumkan lebih dulu", "en": "Announced ahead"},
    "report.mnt_overran": {"id": "Melewati rencana", "en": "Overran"},
    "report.backup": {
        "id": "Cadangan data ke media portabel (Pasal 23)",
        "en": "Backups to portable media (Pasal 23)",
    },
    "report.no_backup": {
        "id": "Tidak ada catatan cadangan pada periode ini.",
        "en": "No backup records in this period.",
    },
    "report.visits": {
        "id": "Kunjungan ruang server (Pasal 21 ayat (4))",
        "en": "Server-room visits (Pasal 21 ayat (4))",
    },
    "report.no_visits": {
        "id": "Log akses ruang server belum dikumpulkan (lpse access init).",
        "en": "The server-room access log was not collected (lpse access init).",
    },
    "report.network": {
        "id": "Jaringan: bandwidth, lalu lintas, koneksi internet (Pasal 22 huruf b, c)",
        "en": "Network: bandwidth, traffic, internet connection (Pasal 22 huruf b, c)",
    },
    "report.no_network": {
        "id": "Catatan lalu lintas dan pemantau koneksi belum dikumpulkan (peran bandwidth, connectivity).",
        "en": "No traffic or connection probe records were collected (roles bandwidth, connectivity).",
    },
    "report.net_availability": {"id": "Ketersediaan koneksi internet", "en": "Internet connection availability"},
    "report.net_avail_row": {
        "id": "{pct}% dari {rounds} pemeriksaan; terputus {down_minutes} menit",
        "en": "{pct}% of {rounds} checks; down {down_minutes} minutes",
    },
    "report.net_bad_day": {
        "id": "{day}: {pct}% ({down_minutes} menit)",
        "en": "{day}: {pct}% ({down_minutes} min)",
    },
    "report.net_bad_days": {"id": "Hari dengan gangguan", "en": "Days with outages"},
    "report.net_traffic": {"id": "Lalu lintas", "en": "Traffic"},
    "report.net_iface": {"id": "Antarmuka", "en": "Interface"},
    "report.net_sent": {"id": "Terkirim (GB)", "en": "Sent (GB)"},
    "report.net_received": {"id": "Diterima (GB)", "en": "Received (GB)"},
    "report.net_peak": {"id": "Puncak kirim (Mbit/s)", "en": "Peak send (Mbit/s)"},
    "report.net_dropped": {"id": "Paket dibuang", "en": "Dropped packets"},
    "report.net_class": {"id": "Kelas bandwidth", "en": "Bandwidth class"},
    "report.net_days": {"id": "hari tercatat", "en": "days recorded"},
    "report.room": {
        "id": "Daya listrik (UPS) dan lingkungan ruang server (Pasal 21 ayat (3))",
        "en": "Power (UPS) and server-room environment (Pasal 21 ayat (3))",
    },
    "report.no_room": {
        "id": "Catatan ruang server, peristiwa listrik dan peringatan belum dikumpulkan (peran room, ups).",
        "en": "No server-room record, power events or alerts were collected (roles room, ups).",
    },
    "report.room_kind": {"id": "Besaran", "en": "Quantity"},
    "report.room_range": {"id": "Batas", "en": "Limits"},
    "report.room_avg": {"id": "Rata-rata", "en": "Average"},
    "report.room_max": {"id": "Tertinggi", "en": "Highest"},
    "report.room_out": {"id": "Menit di luar batas", "en": "Minutes out of range"},
    "report.room_temperature": {"id": "Suhu (°C)", "en": "Temperature (°C)"},
    "report.room_humidity": {"id": "Kelembapan (%RH)", "en": "Humidity (%RH)"},
    "report.room_coverage": {
        "id": "{n} bacaan; {gap} menit tanpa catatan.",
        "en": "{n} readings; {gap} minutes unrecorded.",
    },
    "report.room_power": {"id": "Catu daya (UPS)", "en": "Power (UPS)"},
    "report.room_ups": {
        "id": (
            "Listrik padam (UPS memakai baterai) {n} kali, {minutes} menit; waktu cadangan terendah {runtime} menit; "
            "muatan baterai terendah {charge} %."
        ),
        "en": (
            "Mains failed (UPS on battery) {n} time(s), {minutes} minutes; lowest runtime {runtime} min; "
            "lowest battery charge {charge} %."
        ),
    },
    "report.room_when": {"id": "Waktu (WIB)", "en": "Time (WIB)"},
    "report.room_event": {"id": "Peristiwa", "en": "Event"},
    "report.room_message": {"id": "Keterangan", "en": "Detail"},
    "report.room_selftests": {"id": "Uji mandiri UPS", "en": "UPS self-tests"},
    "report.room_no_selftest": {"id": "tidak ada pada periode ini", "en": "none in this period"},
    "report.room_alerts": {"id": "Peringatan", "en": "Alerts"},
    "report.room_alert": {"id": "Peringatan", "en": "Alert"},
    "report.room_state": {"id": "Keadaan", "en": "State"},
    "report.room_firing": {"id": "menyala", "en": "firing"},
    "report.room_resolved": {"id": "selesai", "en": "resolved"},
    # What an alert (lpse-alert: source/key, state, value) says; the host writes its message in English.
    "report.alert.probe.firing": {
        "id": "Sensor ruang server tidak menjawab",
        "en": "The server-room probe does not answer",
    },
    "report.alert.probe.resolved": {
        "id": "Sensor ruang server menjawab lagi",
        "en": "The server-room probe answers again",
    },
    "report.alert.temperature.firing": {
        "id": "Suhu {value} °C di luar batas",
        "en": "Temperature {value} °C out of range",
    },
    "report.alert.temperature.resolved": {
        "id": "Suhu {value} °C kembali dalam batas",
        "en": "Temperature {value} °C back within range",
    },
    "report.alert.humidity.firing": {
        "id": "Kelembapan {value} %RH di luar batas",
        "en": "Humidity {value} %RH out of range",
    },
    "report.alert.humidity.resolved": {
        "id": "Kelembapan {value} %RH kembali dalam batas",
        "en": "Humidity {value} %RH back within range",
    },
    "report.alert.ups-read.firing": {"id": "UPS tidak dapat dibaca", "en": "The UPS cannot be read"},
    "report.alert.ups-read.resolved": {"id": "UPS dapat dibaca lagi", "en": "The UPS is read again"},
    "report.alert.ups-on-battery.firing": {
        "id": "UPS memakai baterai: listrik utama padam",
        "en": "The UPS runs on battery: mains power failed",
    },
    "report.alert.ups-on-battery.resolved": {
        "id": "UPS kembali memakai listrik utama",
        "en": "The UPS is back on mains power",
    },
    "report.alert.ups-battery.firing": {
        "id": "Baterai UPS lemah: muatan atau waktu cadangan di bawah batas",
        "en": "The UPS battery is weak: charge or runtime below the limit",
    },
    "report.alert.ups-battery.resolved": {
        "id": "Baterai UPS kembali dalam batas",
        "en": "The UPS battery is back within limits",
    },
    "report.alert.filesystem.firing": {
        "id": "{mount} terisi {value} %",
        "en": "{mount} is {value} % full",
    },
    "report.alert.filesystem.resolved": {
        "id": "{mount} kembali di bawah batas ({value} %)",
        "en": "{mount} is back below the limit ({value} %)",
    },
    "report.alert.postgres.firing": {"id": "PostgreSQL tidak menjawab", "en": "PostgreSQL does not answer"},
    "report.alert.postgres.resolved": {"id": "PostgreSQL menjawab lagi", "en": "PostgreSQL answers again"},
    "report.alert.postgres-connections.firing": {
        "id": "Koneksi PostgreSQL terpakai {value} %",
        "en": "{value} % of PostgreSQL connections in use",
    },
    "report.alert.postgres-connections.resolved": {
        "id": "Pemakaian koneksi PostgreSQL kembali normal ({value} %)",
        "en": "PostgreSQL connection use back to normal ({value} %)",
    },
    "report.alert.spse-health.firing": {
        "id": "SPSE lambat atau tidak menjawab ({value} detik)",
        "en": "SPSE is slow or does not answer ({value} s)",
    },
    "report.alert.spse-health.resolved": {
        "id": "SPSE menjawab normal lagi ({value} detik)",
        "en": "SPSE answers normally again ({value} s)",
    },
    "report.alert_name.probe": {"id": "Sensor ruang server", "en": "Server-room probe"},
    "report.alert_name.temperature": {"id": "Suhu ruang server", "en": "Server-room temperature"},
    "report.alert_name.humidity": {"id": "Kelembapan ruang server", "en": "Server-room humidity"},
    "report.alert_name.ups-read": {"id": "Pembacaan UPS", "en": "UPS reading"},
    "report.alert_name.ups-on-battery": {"id": "UPS memakai baterai", "en": "UPS on battery"},
    "report.alert_name.ups-battery": {"id": "Baterai UPS", "en": "UPS battery"},
    "report.alert_name.filesystem": {"id": "Pemakaian disk {mount}", "en": "Disk use of {mount}"},
    "report.alert_name.postgres": {"id": "PostgreSQL", "en": "PostgreSQL"},
    "report.alert_name.postgres-connections": {"id": "Koneksi PostgreSQL", "en": "PostgreSQL connections"},
    "report.alert_name.spse-health": {"id": "Kesehatan SPSE", "en": "SPSE health"},
    "report.alert.other.firing": {"id": "Peringatan {name} menyala", "en": "Alert {name} firing"},
    "report.alert.other.resolved": {"id": "Peringatan {name} selesai", "en": "Alert {name} resolved"},
    # Power events (upsmon's NOTIFYTYPE, lpse-power-event and lpse-power-shutdown).
    "report.power.onbatt": {"id": "UPS memakai baterai: listrik utama padam", "en": "UPS on battery: mains failed"},
    "report.power.online": {"id": "UPS kembali memakai listrik utama", "en": "UPS back on mains power"},
    "report.power.lowbatt": {"id": "Baterai UPS hampir habis", "en": "UPS battery low"},
    "report.power.fsd": {"id": "Server diperintahkan mati (forced shutdown)", "en": "Forced shutdown ordered"},
    "report.power.shutdown": {"id": "Server dimatikan", "en": "Shutting down"},
    "report.power.onbatt-timer": {
        "id": "Terlalu lama memakai baterai: semua server dimatikan",
        "en": "On battery too long: every host shut down",
    },
    "report.power.commbad": {"id": "Hubungan ke UPS terputus", "en": "Communication with the UPS lost"},
    "report.power.commok": {"id": "Hubungan ke UPS pulih", "en": "Communication with the UPS restored"},
    "report.power.poweroff": {"id": "Server dimatikan", "en": "Powering off"},
    # UPS self-test results as NUT reports them (ups.test.result).
    "report.selftest.done and passed": {"id": "selesai, lulus", "en": "done and passed"},
    "report.selftest.done and warning": {"id": "selesai, dengan peringatan", "en": "done and warning"},
    "report.selftest.done and error": {"id": "selesai, galat", "en": "done and error"},
    "report.selftest.aborted": {"id": "dibatalkan", "en": "aborted"},
    "report.selftest.in progress": {"id": "sedang berjalan", "en": "in progress"},
    "report.selftest.no test initiated": {"id": "tidak ada uji", "en": "no test initiated"},
    "report.vis_summary": {
        "id": "Kunjungan: {n}, disetujui: {approved}, ditolak: {denied}; masuk ruang server: {entries} kali.",
        "en": "Visits: {n}, approved: {approved}, denied: {denied}; entries to the server room: {entries}.",
    },
    "report.vis_no": {"id": "No.", "en": "No."},
    "report.vis_visitor": {"id": "Pengunjung", "en": "Visitor"},
    "report.vis_purpose": {"id": "Keperluan", "en": "Purpose"},
    "report.vis_planned": {"id": "Rencana", "en": "Planned"},
    "report.vis_decided": {"id": "Keputusan oleh", "en": "Decided by"},
    "report.vis_entries": {"id": "Masuk – keluar", "en": "In – out"},
    "report.vis_findings": {"id": "Pelanggaran", "en": "Breaches"},
    "report.vis_none_found": {"id": "Tidak ada pelanggaran.", "en": "No breaches."},
    "report.vis_chain_ok": {
        "id": "Rantai catatan utuh: {records} catatan; kepala #{seq} {hash}",
        "en": "Record chain intact: {records} records; head #{seq} {hash}",
    },
    "report.vis_checkpoint": {
        "id": "Titik periksa bertanda tangan (simpan bersama laporan ini; lpse access verify mencocokkan log "
        "dengannya): catatan #{seq}, {time}, kepala {head}; kunci log {key}; tanda tangan {signature}",
        "en": "Signed checkpoint (keep it with this report; lpse access verify checks the log against it): "
        "record #{seq}, {time}, head {head}; log key {key}; signature {signature}",
    },
    "report.vis_checkpoint_missing": {
        "id": "Titik periksa tidak dapat dibuat saat pengumpulan: {trouble}",
        "en": "No checkpoint could be made when collecting: {trouble}",
    },
    "report.vis_chain_bad": {"id": "Rantai catatan RUSAK: {n} masalah", "en": "Record chain BROKEN: {n} problems"},
    # Breaches the access log's audit found (lpse/access/rules.py writes them in English).
    "report.finding.no_approval": {
        "id": "kunjungan {visit} masuk pada {when} tanpa persetujuan sebelum masuk",
        "en": "visit {visit} entered at {when} without an approval before entry",
    },
    "report.finding.denied": {
        "id": "kunjungan {visit} masuk pada {when} padahal ditolak oleh {by}",
        "en": "visit {visit} entered at {when} although it was denied by {by}",
    },
    "report.finding.not_approver": {
        "id": "kunjungan {visit} disetujui oleh {by}, yang bukan pejabat berwenang",
        "en": "visit {visit} was approved by {by}, who is not an authorised approver",
    },
    "report.finding.self_approved": {
        "id": "kunjungan {visit} disetujui oleh pengunjungnya sendiri ({by})",
        "en": "visit {visit} was approved by the visitor ({by})",
    },
    "report.finding.outside": {
        "id": "kunjungan {visit} masuk pada {when} di luar masa persetujuan ({start} – {end})",
        "en": "visit {visit} entered at {when} outside its approval ({start} – {end})",
    },
    "report.finding.still_open": {
        "id": "kunjungan {visit} (masuk {when}) masih terbuka setelah {hours} jam (batas {limit} jam)",
        "en": "visit {visit} (entered {when}) still open after {hours} h (limit {limit} h)",
    },
    "report.finding.lasted": {
        "id": "kunjungan {visit} (masuk {when}) berlangsung {hours} jam (batas {limit} jam)",
        "en": "visit {visit} (entered {when}) lasted {hours} h (limit {limit} h)",
    },
    "report.finding.equipment": {
        "id": "kunjungan {visit}: peralatan keluar berbeda dengan yang dibawa masuk, tanpa keterangan",
        "en": "visit {visit}: equipment out differs from equipment in, with no note",
    },
    "report.finding.door": {
        "id": "pintu {door} dibuka pada {when} dengan lencana {badge} ({event}) tanpa kunjungan yang disetujui dan "
        "tercatat masuk",
        "en": "door {door} opened at {when} with badge {badge} ({event}) matching no approved, checked-in visit",
    },
    "report.finding.other": {"id": "pelanggaran aturan {rule}", "en": "breach of rule {rule}"},
    "report.door_event.open": {"id": "dibuka", "en": "opened"},
    "report.door_event.granted": {"id": "diizinkan", "en": "granted"},
    "report.door_event.forced": {"id": "dibuka paksa", "en": "forced"},
    "report.bak_summary": {
        "id": "Cadangan dibuat: {made} ({mb} MB), gagal: {failed}; verifikasi berhasil: {verified}, "
        "gagal: {verify_failed}; uji pemulihan berhasil: {drills_passed}, gagal: {drills_failed}.",
        "en": "Backups made: {made} ({mb} MB), failed: {failed}; verifications passed: {verified}, "
        "failed: {verify_failed}; restore drills passed: {drills_passed}, failed: {drills_failed}.",
    },
    "report.bak_time": {"id": "Waktu", "en": "Time"},
    "report.bak_set": {"id": "Set", "en": "Set"},
    "report.bak_result": {"id": "Hasil", "en": "Result"},
    "report.bak_drills": {"id": "Uji pemulihan", "en": "Restore drills"},
    "report.bak_custody": {"id": "Perpindahan media", "en": "Media movements"},
    "report.bak_medium": {"id": "Media", "en": "Medium"},
    "report.bak_location": {"id": "Lokasi", "en": "Location"},
    "report.bak_carrier": {"id": "Dibawa oleh", "en": "Carried by"},
    "report.bak_visit": {"id": "Kunjungan", "en": "Visit"},
    "report.bak_checks": {"id": "Dibandingkan", "en": "Compared"},
    "report.bak_rows": {"id": "{name}: {n} baris", "en": "{name}: {n} rows"},
    "report.bak_files": {"id": "{name}: {n} berkas", "en": "{name}: {n} files"},
    "report.ok_word": {"id": "berhasil", "en": "passed"},
    "report.fail_word": {"id": "GAGAL", "en": "FAILED"},
    "report.server_room_warn": {"id": "di ruang server!", "en": "in the server room!"},
    "report.yes": {"id": "ya", "en": "yes"},
    "report.no": {"id": "tidak", "en": "no"},
    "report.filesystem": {"id": "Sistem berkas", "en": "Filesystem"},
    "report.peak": {"id": "Puncak", "en": "Peak"},
    "report.peak_at": {"id": "Waktu puncak", "en": "Peak at"},
    "report.last": {"id": "Terakhir", "en": "Last"},
    "report.days_warn": {"id": "Hari ≥ peringatan", "en": "Days ≥ warning"},
    "report.days_crit": {"id": "Hari ≥ kritis", "en": "Days ≥ critical"},
    "report.records": {"id": "catatan", "en": "records"},
    "report.days_monitored": {"id": "hari terpantau", "en": "days monitored"},
    "report.ram_peak": {"id": "Puncak RAM", "en": "RAM peak"},
    "report.thresholds": {
        "id": "Ambang: peringatan {warn:g}%, kritis {crit:g}%",
        "en": "Thresholds: warning {warn:g}%, critical {crit:g}%",
    },
    "report.month": {"id": "Bulan", "en": "Month"},
    "report.failures": {"id": "Kegagalan", "en": "Failures"},
    "report.disk_peak": {"id": "Puncak disk", "en": "Disk peak"},
    "report.servers": {"id": "Server tercatat", "en": "Servers recorded"},
    "report.y_visits": {"id": "Kunjungan ruang server", "en": "Server-room visits"},
    "report.y_entries": {"id": "Masuk ruang server", "en": "Entries into the room"},
    "report.operations": {
        "id": "Ruang server, cadangan data dan jaringan per bulan (Pasal 21 ayat (3), (4), Pasal 22 huruf b, c, "
        "Pasal 23)",
        "en": "Server room, backups and network per month (Pasal 21 ayat (3), (4), Pasal 22 huruf b, c, Pasal 23)",
    },
    "report.y_backups": {"id": "Cadangan dibuat", "en": "Backups made"},
    "report.y_backups_failed": {"id": "Cadangan gagal", "en": "Backups failed"},
    "report.y_drills": {"id": "Uji pemulihan berhasil / gagal", "en": "Restore drills passed / failed"},
    "report.y_availability": {"id": "Ketersediaan internet", "en": "Internet availability"},
    "report.y_outages": {"id": "Listrik padam (kali)", "en": "Mains failures"},
    "report.y_env_out": {
        "id": "Menit di luar batas suhu / kelembapan",
        "en": "Minutes out of temperature / humidity range",
    },
    "report.y_alerts": {"id": "Peringatan menyala", "en": "Alerts fired"},
    "report.signature": {"id": "Kepala LPSE Kabupaten Bandung", "en": "Head of LPSE, Bandung Regency"},
    "report.status_ok": {"id": "aman", "en": "ok"},
    "report.status_warn": {"id": "peringatan", "en": "warning"},
    "report.status_crit": {"id": "kritis", "en": "critical"},
    "report.status": {"id": "Status", "en": "Status"},
    "report.month.1": {"id": "Januari", "en": "January"},
    "report.month.2": {"id": "Februari", "en": "February"},
    "report.month.3": {"id": "Maret", "en": "March"},
    "report.month.4": {"id": "April", "en": "April"},
    "report.month.5": {"id": "Mei", "en": "May"},
    "report.month.6": {"id": "Juni", "en": "June"},
    "report.month.7": {"id": "Juli", "en": "July"},
    "report.month.8": {"id": "Agustus", "en": "August"},
    "report.month.9": {"id": "September", "en": "September"},
    "report.month.10": {"id": "Oktober", "en": "October"},
    "report.month.11": {"id": "November", "en": "November"},
    "report.month.12": {"id": "Desember", "en": "December"},
}

# The compliance run's HTML page (lpse/comply/html.py, lpse/templates/compliance.html.j2).
HTML: dict[str, dict[str, str]] = {
    "html.title": {"id": "Laporan Kepatuhan", "en": "Compliance Report"},
    "html.subtitle": {
        "id": "Peraturan Bupati Bandung Nomor 4 Tahun 2017 tentang LPSE",
        "en": "Bandung Regent Regulation No. 4 of 2017 on LPSE",
    },
    "html.run": {"id": "Pemeriksaan", "en": "Run"},
    "html.hosts": {"id": "host", "en": "hosts"},
    "html.host": {"id": "Host", "en": "Host"},
    "html.controls": {"id": "kontrol", "en": "controls"},
    "html.score": {"id": "Skor kepatuhan", "en": "Compliance score"},
    "html.by_area": {"id": "Per area", "en": "By area"},
    "html.by_article": {"id": "Per pasal", "en": "By article"},
    "html.failures_by_severity": {"id": "Kegagalan menurut tingkat", "en": "Failures by severity"},
    "html.area": {"id": "Area", "en": "Area"},
    "html.article": {"id": "Pasal", "en": "Article"},
    "html.status": {"id": "Status", "en": "Status"},
    "html.evidence": {"id": "Bukti", "en": "Evidence"},
    "html.severity": {"id": "Tingkat", "en": "Severity"},
    "html.pass": {"id": "lulus", "en": "pass"},
    "html.fail": {"id": "gagal", "en": "fail"},
    "html.error": {"id": "galat", "en": "error"},
    "html.waived": {"id": "dikecualikan", "en": "waived"},
    "html.hide_passed": {"id": "Sembunyikan yang lulus", "en": "Hide passed"},
    "html.search": {"id": "Cari ID kontrol…", "en": "Search control ID…"},
    "html.diff": {"id": "Dibanding pemeriksaan sebelumnya", "en": "Compared with the previous run"},
    "html.new_failures": {"id": "Kegagalan baru", "en": "New failures"},
    "html.fixed": {"id": "Diperbaiki", "en": "Fixed"},
    "html.none": {"id": "tidak ada", "en": "none"},
    "html.first_run": {"id": "pemeriksaan pertama", "en": "first run"},
    "html.remediation": {"id": "Perbaikan", "en": "Remediation"},
    "html.role": {"id": "peran", "en": "role"},
    "html.waiver": {"id": "Pengecualian", "en": "Waiver"},
    "html.approved_by": {"id": "disetujui oleh", "en": "approved by"},
    "html.until": {"id": "berlaku s.d.", "en": "until"},
    "html.expired_waivers": {
        "id": "Pengecualian kedaluwarsa (tidak berlaku)",
        "en": "Expired waivers (no longer waive)",
    },
    "html.lkpp": {"id": "Standar LKPP", "en": "LKPP standard"},
    "html.iso": {"id": "ISO/IEC 27001:2022", "en": "ISO/IEC 27001:2022"},
    "html.rationale": {"id": "Alasan", "en": "Rationale"},
    "html.message": {"id": "Penyebab", "en": "Cause"},
    "html.seconds": {"id": "detik", "en": "seconds"},
}

# The access log's web application (lpse/access/web.py, lpse/access/templates/: ``t('x')`` is ``web.x``).
WEB: dict[str, dict[str, str]] = {
    "web.app": {"id": "Log Akses Ruang Server", "en": "Server-Room Access Log"},
    "web.login": {"id": "Masuk", "en": "Log in"},
    "web.logout": {"id": "Keluar", "en": "Log out"},
    "web.user": {"id": "Nama pengguna", "en": "User name"},
    "web.password": {"id": "Kata sandi", "en": "Password"},
    "web.bad_login": {"id": "Nama pengguna atau kata sandi salah.", "en": "Wrong user name or password."},
    "web.locked": {
        "id": "Terlalu banyak kata sandi salah: coba lagi setelah 15 menit.",
        "en": "Too many wrong passwords: try again in 15 minutes.",
    },
    "web.visits": {"id": "Kunjungan", "en": "Visits"},
    "web.new": {"id": "Permohonan baru", "en": "New request"},
    "web.trail": {"id": "Jejak audit", "en": "Audit trail"},
    "web.visit": {"id": "Kunjungan", "en": "Visit"},
    "web.visitor": {"id": "Pengunjung", "en": "Visitor"},
    "web.name": {"id": "Nama lengkap", "en": "Full name"},
    "web.id_type": {"id": "Jenis identitas", "en": "ID type"},
    "web.id_number": {"id": "Nomor identitas", "en": "ID number"},
    "web.institution": {"id": "Instansi / perusahaan", "en": "Institution / company"},
    "web.purpose": {"id": "Keperluan", "en": "Purpose"},
    "web.start": {"id": "Rencana mulai", "en": "Planned start"},
    "web.end": {"id": "Rencana selesai", "en": "Planned end"},
    "web.escort": {"id": "Pendamping", "en": "Escort"},
    "web.equipment": {
        "id": "Peralatan dibawa masuk (barang:nomor seri, satu per baris)",
        "en": "Equipment in (item:serial, one per line)",
    },
    "web.equipment_out": {"id": "Peralatan dibawa keluar (barang:nomor seri)", "en": "Equipment out (item:serial)"},
    "web.note": {"id": "Keterangan", "en": "Note"},
    "web.submit_request": {"id": "Ajukan permohonan", "en": "Submit request"},
    "web.status": {"id": "Status", "en": "Status"},
    "web.decided_by": {"id": "Diputuskan oleh", "en": "Decided by"},
    "web.approve": {"id": "Setujui", "en": "Approve"},
    "web.deny": {"id": "Tolak", "en": "Deny"},
    "web.reason": {"id": "Alasan / catatan", "en": "Reason / note"},
    "web.sign_password": {
        "id": "Kata sandi Anda (untuk tanda tangan elektronik)",
        "en": "Your password (for the electronic signature)",
    },
    "web.checkin": {"id": "Catat masuk", "en": "Check in"},
    "web.checkout": {"id": "Catat keluar", "en": "Check out"},
    "web.badge": {"id": "Nomor lencana", "en": "Badge number"},
    "web.records": {"id": "Catatan", "en": "Records"},
    "web.time": {"id": "Waktu", "en": "Time"},
    "web.actor": {"id": "Oleh", "en": "By"},
    "web.kind": {"id": "Jenis", "en": "Kind"},
    "web.chain_ok": {"id": "Rantai catatan utuh", "en": "Record chain intact"},
    "web.verify_busy": {
        "id": "Pemeriksaan rantai lain sedang berjalan: coba lagi sebentar lagi.",
        "en": "Another chain check is running: try again in a moment.",
    },
    "web.chain_bad": {"id": "Rantai catatan RUSAK", "en": "Record chain BROKEN"},
    "web.verify_chain": {"id": "Periksa seluruh rantai", "en": "Verify the whole chain"},
    "web.head": {"id": "Ujung rantai", "en": "Chain head"},
    "web.entries": {"id": "Masuk / keluar", "en": "In / out"},
    "web.change_password": {"id": "Ganti kata sandi", "en": "Change password"},
    "web.old_password": {"id": "Kata sandi sekarang", "en": "Current password"},
    "web.new_password": {"id": "Kata sandi baru (minimal 10 karakter)", "en": "New password (at least 10 characters)"},
    "web.new_password_again": {"id": "Ulangi kata sandi baru", "en": "New password again"},
    "web.passwords_differ": {"id": "Kedua kata sandi baru tidak sama.", "en": "The two new passwords differ."},
    "web.must_change": {
        "id": "Anda masih memakai kata sandi awal. Pilih kata sandi sendiri sebelum melanjutkan.",
        "en": "You still have the initial password. Choose your own before going on.",
    },
    "web.password_changed": {
        "id": "Kata sandi diganti. Semua sesi Anda telah diakhiri: silakan masuk lagi.",
        "en": "Password changed. All your sessions were ended: please log in again.",
    },
    "web.session_ended": {
        "id": "Sesi Anda telah berakhir: silakan masuk lagi.",
        "en": "Your session has ended: please log in again.",
    },
    "web.entries_admitted": {"id": "Jumlah masuk yang disetujui", "en": "Entries admitted"},
    "web.role_guard": {"id": "petugas jaga", "en": "guard"},
    "web.role_approver": {"id": "pejabat berwenang", "en": "authorised official"},
    "web.role_staff": {"id": "staf", "en": "staff"},
    "web.forbidden": {"id": "Anda tidak berwenang untuk tindakan ini.", "en": "You are not allowed to do this."},
    "web.not_found": {"id": "Halaman atau kunjungan tidak ditemukan.", "en": "Page or visit not found."},
    "web.bad_request": {"id": "Permintaan tidak valid.", "en": "Bad request."},
    "web.csrf": {
        "id": "Formulir kedaluwarsa atau tidak sah; muat ulang halaman.",
        "en": "The form expired or is not valid; reload.",
    },
    "web.back": {"id": "Kembali", "en": "Back"},
    "web.recorded": {"id": "Tercatat", "en": "Recorded"},
    "web.none": {"id": "Belum ada.", "en": "None yet."},
    "web.all": {"id": "Semua", "en": "All"},
    "web.other_lang": {"id": "English", "en": "Bahasa Indonesia"},
    # A visit's state (web.<status>, as rules.Visit.status names it).
    "web.pending": {"id": "menunggu persetujuan", "en": "pending"},
    "web.approved": {"id": "disetujui", "en": "approved"},
    "web.denied": {"id": "ditolak", "en": "denied"},
    "web.inside": {"id": "di ruang server", "en": "in the server room"},
    "web.closed": {"id": "selesai", "en": "closed"},
    "web.expired": {"id": "kedaluwarsa", "en": "expired"},
    "web.lapsed": {"id": "lewat tanpa keputusan", "en": "lapsed undecided"},
}

# ``lpse access`` on the terminal (lpse/access/cli.py) and the access log's refusals
# (lpse/access/errors.py: ``access.refused.<code>``).
ACCESS: dict[str, dict[str, str]] = {
    "access.password_of": {"id": "Kata sandi {user}", "en": "Password of {user}"},
    "access.log_at": {"id": "Log akses: {url}", "en": "Access log: {url}"},
    "access.new_account": {
        "id": "  akun baru {user}; kata sandi awal: {path}",
        "en": "  new account {user}; initial password: {path}",
    },
    "access.new_account_key": {
        "id": "  akun baru {user} (dengan kunci tanda tangan); kata sandi awal: {path}",
        "en": "  new account {user} (with a signing key); initial password: {path}",
    },
    "access.new_password": {"id": "Kata sandi baru", "en": "New password"},
    "access.password_changed": {"id": "Kata sandi {user} diganti.", "en": "Password of {user} changed."},
    "access.requested": {"id": "Permohonan kunjungan {visit} dicatat", "en": "Visit request {visit} recorded"},
    "access.approved_signed": {
        "id": "Kunjungan {visit} disetujui dan ditandatangani {actor}",
        "en": "Visit {visit} approved, signed by {actor}",
    },
    "access.denied_signed": {
        "id": "Kunjungan {visit} ditolak dan ditandatangani {actor}",
        "en": "Visit {visit} denied, signed by {actor}",
    },
    "access.checked_in": {
        "id": "Kunjungan {visit}: masuk, lencana {badge}",
        "en": "Visit {visit}: entered, badge {badge}",
    },
    "access.checked_out": {"id": "Kunjungan {visit}: keluar", "en": "Visit {visit}: left"},
    "access.list_title": {"id": "Kunjungan ruang server", "en": "Server-room visits"},
    "access.col_visit": {"id": "kunjungan", "en": "visit"},
    "access.col_visitor": {"id": "pengunjung", "en": "visitor"},
    "access.col_institution": {"id": "instansi", "en": "institution"},
    "access.col_planned": {"id": "rencana", "en": "planned"},
    "access.col_status": {"id": "status", "en": "status"},
    "access.col_decided_by": {"id": "disetujui oleh", "en": "decided by"},
    "access.purpose": {"id": "keperluan", "en": "purpose"},
    "access.escort": {"id": "pendamping", "en": "escort"},
    "access.equipment": {"id": "peralatan", "en": "equipment"},
    "access.key_rotated": {
        "id": "Kunci tanda tangan {user} diganti (#{seq}); kunci lama tidak berlaku lagi. Kunci publik baru "
        "(tulis sebagai public_key {user} di inventaris): {key}",
        "en": "Signing key of {user} replaced (#{seq}); the old key signs nothing from now on. New public key "
        "(pin it as public_key of {user} in the inventory): {key}",
    },
    "access.signatures_trusted": {
        "id": "Tanda tangan sampai #{seq} sudah diperiksa verifikasi sebelumnya (--full: periksa semua lagi).",
        "en": "Signatures through #{seq} were checked by an earlier verify (--full: check them all again).",
    },
    "access.checkpoints_checked": {
        "id": "Dicocokkan dengan {n} titik periksa bertanda tangan (di luar basis data).",
        "en": "Checked against {n} signed checkpoint(s) (kept outside the database).",
    },
    "access.checkpoint_written": {
        "id": "Titik periksa #{seq} ({hash}…) ditandatangani dan disimpan di {n} direktori.",
        "en": "Checkpoint #{seq} ({hash}…) signed and kept in {n} director(y/ies).",
    },
    "access.chain_intact": {
        "id": "Rantai utuh: {records} catatan, {decisions} keputusan bertanda tangan, kepala #{seq} {hash}",
        "en": "Chain intact: {records} records, {decisions} signed decisions, head #{seq} {hash}",
    },
    "access.no_breaches": {"id": "Tidak ada pelanggaran.", "en": "No breaches."},
    "access.doors_imported": {
        "id": "{added} kejadian pintu ditambahkan, {present} sudah ada",
        "en": "{added} door events added, {present} already present",
    },
    "access.records_imported": {"id": "{n} catatan diimpor", "en": "{n} records imported"},
    # A visit's state in the terminal's list (access.status.<status>).
    "access.status.pending": {"id": "menunggu", "en": "pending"},
    "access.status.approved": {"id": "disetujui", "en": "approved"},
    "access.status.denied": {"id": "ditolak", "en": "denied"},
    "access.status.inside": {"id": "di dalam", "en": "inside"},
    "access.status.closed": {"id": "selesai", "en": "closed"},
    "access.status.expired": {"id": "kedaluwarsa", "en": "expired"},
    "access.status.lapsed": {"id": "lewat", "en": "lapsed"},
    # Refusals (lpse.access.errors.AccessRefused(code)).
    "access.refused.no_visit": {"id": "kunjungan {visit} tidak ada", "en": "visit {visit} does not exist"},
    "access.refused.not_approver": {
        "id": "{user} bukan pejabat yang berwenang menyetujui kunjungan ruang server",
        "en": "{user} is not an official authorised to approve server-room visits",
    },
    "access.refused.self_approval": {
        "id": "{user} tidak boleh menyetujui kunjungannya sendiri ({visit})",
        "en": "{user} cannot approve their own visit ({visit})",
    },
    "access.refused.already_decided": {
        "id": "kunjungan {visit} sudah {decision} oleh {by}",
        "en": "visit {visit} was already {decision} by {by}",
    },
    "access.refused.not_approved": {
        "id": "kunjungan {visit} belum disetujui: tidak boleh masuk ruang server",
        "en": "visit {visit} has not been approved: no entry to the server room",
    },
    "access.refused.unverified": {
        "id": "persetujuan kunjungan {visit} tidak dapat diverifikasi ({reason}): tidak boleh masuk ruang server",
        "en": "the approval of visit {visit} does not verify ({reason}): no entry to the server room",
    },
    "access.refused.denied": {
        "id": "kunjungan {visit} ditolak oleh {by}: tidak boleh masuk ruang server",
        "en": "visit {visit} was denied by {by}: no entry to the server room",
    },
    "access.refused.not_yet_valid": {
        "id": "persetujuan kunjungan {visit} baru berlaku mulai {start}",
        "en": "the approval of visit {visit} is valid only from {start}",
    },
    "access.refused.expired": {
        "id": "persetujuan kunjungan {visit} sudah kedaluwarsa pada {end}",
        "en": "the approval of visit {visit} expired at {end}",
    },
    "access.refused.already_in": {
        "id": "pengunjung {visit} sudah berada di ruang server sejak {since}",
        "en": "the visitor of {visit} is already in the server room since {since}",
    },
    "access.refused.entries_used": {
        "id": "persetujuan kunjungan {visit} hanya untuk {n} kali masuk, sudah dipakai semua: ajukan kunjungan baru",
        "en": "the approval of visit {visit} admits {n} entr(y/ies), all used: file a new visit request",
    },
    "access.refused.not_in": {
        "id": "pengunjung {visit} tidak sedang berada di ruang server",
        "en": "the visitor of {visit} is not in the server room",
    },
    "access.refused.equipment_differs": {
        "id": "peralatan keluar berbeda dengan yang dibawa masuk ({detail}); beri keterangan untuk mencatatnya",
        "en": "equipment taken out differs from equipment brought in ({detail}); give a note to record it",
    },
    "access.refused.bad_password": {
        "id": "kata sandi {user} salah: keputusan tidak ditandatangani",
        "en": "wrong password for {user}: the decision was not signed",
    },
    "access.refused.initial_password": {
        "id": "{user} masih memakai kata sandi awal: ganti dulu (lpse access passwd {user}, atau halaman web)",
        "en": "{user} still has the initial password: change it first (lpse access passwd {user}, or the web page)",
    },
    "access.refused.not_you": {
        "id": "kata sandi {user} salah: tidak ada yang dicatat",
        "en": "wrong password for {user}: nothing was recorded",
    },
    "access.refused.no_key": {
        "id": "kunci tanda tangan {user} tidak ditemukan di {path} (lpse access init)",
        "en": "the signing key of {user} is not at {path} (lpse access init)",
    },
    "access.refused.key_mismatch": {
        "id": "kunci tanda tangan {user} tidak cocok dengan kunci publik di inventaris",
        "en": "the signing key of {user} does not match the public key in the inventory",
    },
    "access.refused.field": {"id": "{field}: {problem}", "en": "{field}: {problem}"},
    "access.refused.not_guard": {
        "id": "{user} tidak bertugas di meja jaga (access_log_guards)",
        "en": "{user} does not keep the guard desk (access_log_guards)",
    },
}

for _section in (SEVERITY, REPORT, HTML, WEB, ACCESS):
    _twice = MESSAGES.keys() & _section.keys()
    if _twice:
        raise ValueError(f"i18n keys defined twice: {sorted(_twice)}")
    MESSAGES.update(_section)

LANGS = ("id", "en")


def lang() -> str:
    """The language of operator and reader texts: ``LPSE_LANG`` (``--lang`` sets it), ``id`` by
    default and for anything but ``id``/``en``. The one place that reads ``LPSE_LANG``."""
    value = os.environ.get("LPSE_LANG", "id").strip().lower()
    return value if value in LANGS else "id"


_env_lang = lang


def t(key: str, /, lang: str | None = None, **kwargs: object) -> str:
    """The text of ``key`` in ``lang`` (default: ``lang()``), formatted with ``kwargs`` if any."""
    text = MESSAGES[key][lang if lang in LANGS else _env_lang()]
    return text.format(**kwargs) if kwargs else text


def labels(namespace: str, lang: str | None = None) -> dict[str, str]:
    """{name: text} of every ``<namespace>.<name>`` key, for templates (``L.name``)."""
    code = lang if lang in LANGS else _env_lang()
    prefix = namespace + "."
    return {k[len(prefix) :]: v[code] for k, v in MESSAGES.items() if k.startswith(prefix)}
