# lpse-dc — the two commands a new user needs are `make demo` and `make test` (as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DEBIAN_FRONTEND := noninteractive

# Debian packages the control node needs: the lab's parts and the tools tests drive.
APT_PACKAGES := debootstrap dpkg-dev apt-utils iproute2 util-linux iputils-ping traceroute \
	openssh-client e2fsprogs nftables iperf3 snmp nut-server nut-client nut-snmp python3-venv git make \
	chromium poppler-utils fonts-dejavu-core openjdk-17-jdk-headless postgresql

STANDIN := build/spse-standin.jar

# A test tier's command, followed by "tier <target>: <seconds> s" (bench/suite.py reads it).
tier = @echo '$(strip $(1))'; t0=$$(date +%s); ( $(1) ); rc=$$?; echo "tier $@: $$(( $$(date +%s) - t0 )) s"; exit $$rc

.PHONY: help deps apt venv standin demo test test-rest lab-test-a lab-test-b check fast-tests lint unit access-test root-test lab-smoke lab-test molecule bench figures benchmarks lab-up lab-down clean

help:
	@echo "make demo      build the lab, provision it, back it up and drill a restore, audit it (lpse comply), write this month's report"
	@echo "make test      everything CI runs: lint, unit, access-log, root, lab tests, molecule scenarios"
	@echo "make check     the fast loop: lint, unit and access-log tests (no lab)"
	@echo "make lab-smoke the lab's smoke tier: provision once, comply once, a few end-to-end paths"
	@echo "make bench     benchmarks -> bench/results/*.json (about 3 h: bench/scale.py builds labs of 1, 10 and 30 app servers)"
	@echo "make figures   the README's figures from bench/results/*.json"
	@echo "make lab-down  stop the lab (lpse lab down)"

deps: apt venv standin

apt:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q $(APT_PACKAGES); }

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-nodeps.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

# The SPSE stand-in application the lab deploys (the real SPSE comes from LKPP); the checksum
# file plays the part of the checksum LKPP publishes with a release.
standin: $(STANDIN)

$(STANDIN): $(shell find standin/src -name '*.java')
	rm -rf build/standin && mkdir -p build/standin
	javac --release 17 -d build/standin $^
	jar --create --date=2026-01-01T00:00:00Z --file $@ --main-class id.lpse.standin.SpseStandin -C build/standin .
	cd build && sha256sum spse-standin.jar > spse-standin.jar.sha256

demo: deps
	lpse lab up
	@# First contact, as on fresh servers: root logs in once and makes the automation account.
	lpse bootstrap --login root
	lpse provision playbooks/site.yml
	@# The UPS's own periodic self-test (a real UPS runs one every two weeks), on the lab's UPS card;
	@# the room recorder notes it (LPSE-21.3-UPS-04). NUT's driver polls the card every 5 s.
	lpse lab set ups-01 ups.test.result=in-progress
	lpse lab ssh mgmt-01 -- 'sleep 7; systemctl start lpse-room.service'
	lpse lab set ups-01 ups.test.result=passed
	lpse lab ssh mgmt-01 -- 'sleep 7; systemctl start lpse-room.service'
	lpse backup run
	lpse backup drill
	@# The access log, and its officials' and guards' own passwords (the lab plays those people).
	lpse lab officials
	@# The medium leaves the server room on an approved visit (Pasal 21 ayat (4), Pasal 23 ayat (2)).
	set -e; keys=$$(lpse lab officials); \
	visit=$$(lpse access request --as satpam --password-file $$keys/satpam --name "Budi Santoso" --id-type nip --id-number 198805172015031002 \
	  --institution "LPSE Kabupaten Bandung" --purpose "Membawa media cadangan LPSE-BAK-01 ke brankas arsip" \
	  --start now --end +2h --escort "Asep Saepudin" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["visit"])'); \
	lpse access approve $$visit --as kepala --password-file $$keys/kepala --reason "Rotasi media cadangan"; \
	lpse access checkin $$visit --as satpam --password-file $$keys/satpam --badge T-01; \
	lpse access checkout $$visit --as satpam --password-file $$keys/satpam --equipment hdd-cadangan:LPSE-BAK-01 --note "Media cadangan dibawa ke brankas arsip"; \
	lpse backup custody --location "Brankas arsip, Kantor Sekretariat Daerah" --carrier budi --visit $$visit
	lpse access verify
	lpse lab status
	lpse comply
	lpse report monthly --month $$(date +%Y-%m)

# Everything CI runs, in two streams side by side (each prints its whole output when it ends):
#  1. most of tests/lab, on the lab;
#  2. lint, unit, access log, root, then tests/lab's files that name no address on a copy of the
#     lab (lab b: 10.214.0.0/16 and 198.18.100.0/24; a results store of its own, as a second site
#     would have: the devices' saved configurations are kept by device name), then the Molecule
#     scenarios (each on its own small lab and subnet).
# Both mostly wait on hosts booting, SSH round trips and timers: on 2 cores they slow each other
# by 7-25 % (bench/results/suite.json). `make lab-test` runs the whole of tests/lab on the lab.
LAB_B := .lpse/lab-b/topology.yml
LAB_B_TESTS := tests/lab/test_backup.py tests/lab/test_site.py tests/lab/test_verdicts.py

test: deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target lab-test-a test-rest

test-rest: deps
	@for t in lint unit access-test root-test lab-test-b molecule; do $(MAKE) --no-print-directory $$t || exit 1; done

lab-test-a: deps
	$(call tier, $(PY) -m pytest tests/lab -q -rs --durations=20 $(addprefix --ignore=,$(LAB_B_TESTS)))

lab-test-b: deps
	@lpse lab copy $(dir $(LAB_B)) --name lpseb --move 10.213.=10.214. --move 198.51.100.=198.18.100. >/dev/null
	$(call tier, LPSE_TOPOLOGY=$(CURDIR)/$(LAB_B) LPSE_RESULTS=$(CURDIR)/$(dir $(LAB_B))results \
	  $(PY) -m pytest $(LAB_B_TESTS) -q -rs --durations=10)

# The fast loop: no lab, no namespaces (a bare `pytest` runs the unit tier alone). Lint and the
# tests run side by side (each target's output is printed whole when it ends); the access log's
# writer race is run at 200 records a writer instead of 1000.
check: venv
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint fast-tests

fast-tests: venv
	LPSE_ACCESS_WRITES=100 $(PY) -m pytest tests/unit tests/access -q -n 2 -p no:cacheprovider

lint: venv
	$(call tier, ruff check . && ruff format --check . && yamllint -s . && ansible-lint)

unit: venv
	$(call tier, $(PY) -m pytest tests/unit -q)

# The server-room access log: rules, tamper evidence, SQLite and a real PostgreSQL, the web app
# in chromium, fuzzing (no lab needed).
access-test: deps
	$(call tier, $(PY) -m pytest tests/access -q)

# Root on this machine, no lab: tc in a scratch network namespace, a real upsd on loopback.
root-test: deps
	$(call tier, $(PY) -m pytest tests/root -q)

# The lab smoke tier: provision once, comply once, HTTPS to SPSE, a backup and its restore
# drill, the monthly report (a subset of lab-test, for a quick look before the whole run).
lab-smoke: deps
	$(PY) -m pytest tests/lab -q -rs -m smoke

lab-test: deps
	$(call tier, $(PY) -m pytest tests/lab -q -rs --durations=20)

molecule: deps
	$(call tier, molecule/shared/test-all.sh)

bench: deps
	$(PY) bench/run.py
	$(PY) bench/comply.py
	$(PY) bench/backup.py
	$(PY) bench/access.py
	$(PY) bench/network.py
	$(PY) bench/monitoring.py
	$(PY) bench/scale.py --sizes 1,10,30 --ablate 10=all --ablate 30=forks20,forks50
	$(PY) bench/figures.py

# The README's figures from bench/results/*.json (bench/suite.py and bench/demo.py record a fresh
# clone's `make test` and five `make demo` runs).
figures: venv
	$(PY) bench/figures.py

# compliance/benchmarks.md: CIS Debian 12 and ANSSI BP-028 rule -> control -> check (a unit test fails when stale)
benchmarks: venv
	$(PY) -m lpse.comply.benchmarks > compliance/benchmarks.md

lab-up: deps
	lpse lab up

lab-down: venv
	lpse lab down
	if [ -f $(LAB_B) ]; then lpse lab down -t $(LAB_B); fi

clean:
	-lpse lab down --purge
	-if [ -f $(LAB_B) ]; then lpse lab down --purge -t $(LAB_B); fi
	rm -rf $(VENV) .lpse .pytest_cache .ruff_cache
