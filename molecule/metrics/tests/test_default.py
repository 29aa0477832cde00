"""What the metrics role leaves on a host, read from the host itself."""


def test_node_exporter_serves_the_lpse_metrics(host):
    assert host.service("prometheus-node-exporter.service").is_running
    host.run_expect([0], "systemctl start lpse-metrics.service")
    metrics = host.check_output("curl -fsS http://127.0.0.1:9100/metrics")
    assert "lpse_metrics_timestamp_seconds" in metrics
    assert "node_filesystem_avail_bytes" in metrics  # node_exporter's own collectors too


def test_the_writer_runs_every_minute_hardened(host):
    assert host.service("lpse-metrics.timer").is_running
    show = host.check_output("systemctl show lpse-metrics.service -p ProtectSystem -p NoNewPrivileges")
    assert "ProtectSystem=strict" in show and "NoNewPrivileges=yes" in show
