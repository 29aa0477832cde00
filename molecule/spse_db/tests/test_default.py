"""What the spse_db role leaves on a host, read from the host itself."""

from pathlib import Path

PASSWORD = Path("/var/lib/lpse-lab/molsdb/spse_db_password")


def psql(host, sql):
    return host.check_output("cd / && runuser -u postgres -- psql -XAt -c %s", sql)


def test_listens_on_the_lan_not_everywhere(host):
    assert host.socket("tcp://10.213.55.12:5432").is_listening
    assert not host.socket("tcp://0.0.0.0:5432").is_listening


def test_scram_only_and_no_trust(host):
    assert psql(host, "SHOW password_encryption") == "scram-sha-256"
    methods = set(psql(host, "SELECT DISTINCT auth_method FROM pg_hba_file_rules").split())
    assert methods <= {"peer", "scram-sha-256"}
    clients = psql(host, "SELECT address FROM pg_hba_file_rules WHERE type = 'host'").split()
    assert clients == ["127.0.0.1", "10.213.55.20"]


def test_database_owned_by_epns_who_logs_in_with_the_vaulted_password(host):
    assert psql(host, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'epns_prod'") == "epns"
    password = PASSWORD.read_text().split()[0]
    login = host.run("PGPASSWORD=%s psql -XAt -h 127.0.0.1 -U epns -d epns_prod -c 'SELECT current_user'", password)
    assert login.rc == 0 and login.stdout.strip() == "epns"


def test_memory_settings_follow_the_given_ram(host):
    assert psql(host, "SHOW shared_buffers") == "256MB"
    assert psql(host, "SHOW effective_cache_size") == "768MB"


def test_data_directory_is_on_the_data_disk(host):
    assert host.check_output("findmnt -n -o TARGET --target /var/lib/postgresql/15/main") == "/var/lib/postgresql"
