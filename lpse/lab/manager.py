"""The lab as a whole: bring it up, take it down, say how it is, change what devices report.

``up`` is idempotent: a member (host or device) that is running and wired is kept; anything
stale or half-built (a namespace without its process, a process without its veth) is torn down
and started again. ``down`` removes every namespace, veth, bridge, cgroup and process of the lab;
host disks (overlay upper dirs) stay unless ``purge`` is given, like servers that are powered off.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lpse.errors import InputError, LpseError
from lpse.lab import cgroup, devices, inventory, mirror, network, probe, rootfs, sh, tls
from lpse.lab.topology import Device, Host, Topology, load_topology

STATE_ROOT = Path(os.environ.get("LPSE_LAB_STATE", "/var/lib/lpse-lab"))
RUN_ROOT = Path("/run/lpse-lab")
HERE = Path(__file__).resolve().parent
MIRROR_PACKAGES = HERE / "data" / "mirror-packages.txt"
BOOT_TIMEOUT = 90.0
# Each host's systemd, journald and logind take inotify instances, counted per user (root) across
# every namespace: Debian's default of 128 stops the 18th host or so (systemd exits 255 at boot).
INOTIFY = Path("/proc/sys/fs/inotify/max_user_instances")
INOTIFY_PER_HOST = 64  # about 7 used per host, with room for what runs beside the lab
STOP_TIMEOUT = 15.0

Progress = Callable[[str], None]


def default_topology() -> Path:
    """``$LPSE_TOPOLOGY``, else inventory/lab/topology.yml of the checkout we run from."""
    if os.environ.get("LPSE_TOPOLOGY"):
        return Path(os.environ["LPSE_TOPOLOGY"])
    for base in [Path.cwd(), *Path.cwd().parents, HERE.parent.parent]:
        candidate = base / "inventory" / "lab" / "topology.yml"
        if candidate.exists():
            return candidate
    raise InputError("no topology given and no inventory/lab/topology.yml found: pass --topology FILE")


@dataclass
class MemberStatus:
    name: str
    kind: str
    groups: str
    address: str
    running: bool
    answers: bool
    detail: str


def _make_ext4_image(image: Path, size_mb: int, label: str) -> None:
    """A sparse ext4 image (a data disk or a portable medium), made once and kept."""
    if image.exists():
        return
    image.parent.mkdir(parents=True, exist_ok=True)
    with open(image, "wb") as fh:
        fh.truncate(size_mb * 1024 * 1024)
    sh.run(["mkfs.ext4", "-q", "-F", "-L", label, "-E", "root_owner=0:0", str(image)])


class Lab:
    def __init__(self, topology: Path | str | None = None):
        self.topology_path = Path(topology) if topology else default_topology()
        self.topo: Topology = load_topology(self.topology_path)
        self.state = STATE_ROOT / self.topo.name
        self.run_dir = RUN_ROOT / self.topo.name

    # --- paths --------------------------------------------------------------------------
    @property
    def key(self) -> Path:
        return self.state / "ssh" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state / "ssh" / "known_hosts"

    @property
    def lkpp_key(self) -> Path:
        """The key LKPP's monitoring host logs in with (its public half goes to the inventory)."""
        return self.state / "ssh" / "lkpp_ed25519"

    @property
    def inventory_path(self) -> Path:
        return self.topology_path.with_name("hosts.yml")

    @property
    def vault_password_link(self) -> Path:
        return self.topology_path.with_name("vault-password")

    def host_dir(self, name: str) -> Path:
        return self.state / "hosts" / name

    def disk_image(self, host: str, mount: str) -> Path:
        return self.host_dir(host) / "disks" / (mount.strip("/").replace("/", "_") + ".ext4")

    def medium_image(self, host: str, label: str) -> Path:
        return self.host_dir(host) / "media" / (label + ".ext4")

    def images(self) -> list[Path]:
        """Every image the lab attaches to a loop device (data disks and portable media)."""
        return [self.disk_image(h.name, d.mount) for h in self.topo.hosts.values() for d in h.disks] + [
            self.medium_image(h.name, m.label) for h in self.topo.hosts.values() for m in h.media
        ]

    def device_dir(self, name: str) -> Path:
        return self.state / "devices" / name

    def cg(self, member: str) -> Path:
        return cgroup.lab_dir(self.topo.name) / member

    # --- secrets generated at lab time (never in the repo) -------------------------------
    def secrets(self) -> dict[str, str]:
        path = self.state / "secrets.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        wanted = {
            "snmp_community": lambda: "lab" + secrets.token_hex(6),
            "switch_username": lambda: "lpseadmin",
            "switch_password": lambda: secrets.token_urlsafe(12),
            "vault_password": lambda: secrets.token_urlsafe(24),
            "spse_db_password": lambda: secrets.token_urlsafe(18),
            "backup_passphrase": lambda: secrets.token_urlsafe(32),
            "ups_primary_password": lambda: secrets.token_urlsafe(18),
            "ups_secondary_password": lambda: secrets.token_urlsafe(18),
        }
        missing = [k for k in wanted if k not in values]
        if not missing:
            return values
        values.update({k: wanted[k]() for k in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(values, fh, indent=2)
        return values

    # --- up ---------------------------------------------------------------------------
    def up(self, progress: Progress = print, fresh: bool = False) -> dict[str, float]:
        sh.require_root()
        sh.require_tools("ip", "unshare", "ssh-keygen", "nsenter")
        timings: dict[str, float] = {}
        t0 = time.monotonic()
        mirror_host = urllib.parse.urlsplit(rootfs.debian_mirror()).hostname or ""
        clash = network.clashes(self.topo, (mirror_host,))
        if clash:
            raise InputError(f"{self.topo.path}: " + "; ".join(clash) + " (choose other subnets)")
        if fresh:
            self.down(progress, purge=True)
        # The root file system and the mirror are shared by every lab: labs coming up at once
        # (make test starts two, Molecule more) build them once, one after the other.
        rootfs.CACHE.mkdir(parents=True, exist_ok=True)
        with open(rootfs.CACHE / ".images.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            root = rootfs.ensure(progress)
            repo = mirror.ensure(mirror.read_package_list(MIRROR_PACKAGES), root, progress)
        timings["images"] = time.monotonic() - t0

        t1 = time.monotonic()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._ensure_key()
        sec = self.secrets()
        self._raise_inotify_limit(progress)
        cgroup.create(cgroup.lab_dir(self.topo.name))
        network.ensure_bridges(self.topo)
        self._ensure_mirror_server(repo)

        started: list[str] = []
        for dev in self.topo.devices.values():
            if not self._device_healthy(dev):
                self._teardown_member(dev.name)
                self._start_device(dev, sec)
                started.append(dev.name)
        for host in self.topo.hosts.values():
            if not self._host_healthy(host):
                self._teardown_member(host.name)
                self._prepare_host(host)
                network.wire(self.topo, host)
                self._start_host(host, root)
                started.append(host.name)
        self._write_known_hosts()
        self._ensure_key(self.lkpp_key, "lkpp-monitor")
        tls.ensure(self.state / "tls", self.topo)
        self._write_vault_password(sec)
        inventory.write(self, sec)
        if started:
            progress(f"starting {len(started)} member(s): {', '.join(started)}")
        self._wait_ready(sec)
        timings["start"] = time.monotonic() - t1
        timings["total"] = time.monotonic() - t0
        progress(
            f"lab {self.topo.name!r} is up: {len(self.topo.hosts)} hosts, {len(self.topo.devices)} devices "
            f"({timings['start']:.1f} s); inventory: {self.inventory_path}"
        )
        return timings

    def _raise_inotify_limit(self, progress: Progress) -> None:
        """Raise the machine's inotify instance limit when it is too low for this lab (never lower it)."""
        need = max(1024, INOTIFY_PER_HOST * len(self.topo.hosts))
        current = int(INOTIFY.read_text())
        if current >= need:
            return
        try:
            INOTIFY.write_text(f"{need}\n")
        except OSError as exc:  # a read-only /proc/sys: the lab may still fit, so go on and say so
            progress(
                f"warning: fs.inotify.max_user_instances is {current} and could not be raised to {need} ({exc}); "
                "hosts past the first dozen or so may stop at boot: sysctl -w fs.inotify.max_user_instances="
                f"{need}"
            )
            return
        progress(f"fs.inotify.max_user_instances {current} -> {need} (systemd in every lab host needs some)")

    def _ensure_key(self, key: Path | None = None, comment: str = "") -> None:
        key = key or self.key
        if not key.exists():
            key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            sh.run(
                [
                    "ssh-keygen",
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    comment or f"lpse-lab-{self.topo.name}",
                    "-f",
                    str(key),
                ]
            )

    def _write_vault_password(self, sec: dict[str, str]) -> None:
        """The lab's vault password, and a link to it beside the inventory (git-ignored)."""
        path = self.state / "vault-password"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(sec["vault_password"] + "\n")
        link = self.vault_password_link
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(path)

    def _spawn(self, cg: Path, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        """Start a detached process inside cgroup ``cg`` (it moves itself there before exec)."""
        cgroup.create(cg)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as fh:
            subprocess.Popen(
                ["sh", "-c", 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"', "sh", str(cg), *argv],
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **(env or {})},
            )

    def _ensure_mirror_server(self, repo: Path) -> None:
        cg = self.cg("mirror")
        served = self.run_dir / "mirror.repo"
        # Keep a running server only if it serves this repository (the package list can change).
        if cgroup.procs(cg) and served.exists() and served.read_text() == str(repo):
            return
        cgroup.kill(cg)
        served.write_text(str(repo))
        binds = [f"{n.control_address}:{self.topo.mirror_port}" for n in self.topo.networks.values()]
        argv = [sys.executable, "-m", "lpse.lab.mirror", str(repo)]
        for b in binds:
            argv += ["--bind", b]
        self._spawn(cg, argv, self.run_dir / "mirror.log")

    # devices
    def _device_healthy(self, dev: Device) -> bool:
        return network.wired(self.topo, dev) and bool(cgroup.procs(self.cg(dev.name)))

    def _start_device(self, dev: Device, sec: dict[str, str]) -> None:
        network.wire(self.topo, dev)
        ddir = self.device_dir(dev.name)
        bindir = Path(sys.executable).parent
        ns = self.topo.netns(dev.name)
        if dev.kind in devices.RECORDS:
            state = devices.DeviceState(ddir, dev.kind, dev.name, sec["snmp_community"])
            # Each start writes the current state and removes records of an older community.
            for old in state.data_dir.glob("*.snmprec") if state.data_dir.exists() else []:
                old.unlink()
            state.save(state.load())
            (ddir / "cache").mkdir(exist_ok=True)
            argv = [
                "ip",
                "netns",
                "exec",
                ns,
                str(bindir / "snmpsim-command-responder"),
                f"--data-dir={state.data_dir}",
                f"--cache-dir={ddir / 'cache'}",
                f"--agent-udpv4-endpoint={dev.address}:161",
            ]
            self._spawn(self.cg(dev.name), argv, self.run_dir / f"{dev.name}.log", {"SNMPSIM_ALLOW_ROOT": "true"})
        elif dev.kind == "switch":
            ddir.mkdir(parents=True, exist_ok=True)
            # fake-switches' Cisco IOS simulator with a startup configuration kept in ddir, as
            # NVRAM keeps it (lpse/lab/switch.py): a down/up is a power cut, not a factory reset.
            argv = [
                "ip",
                "netns",
                "exec",
                ns,
                sys.executable,
                "-m",
                "lpse.lab.switch",
                f"--state-dir={ddir}",
                "--hostname",
                dev.name,
                # KEY=VALUE form: a generated password may start with "-".
                f"--username={sec['switch_username']}",
                f"--password={sec['switch_password']}",
                "--listen-host",
                str(dev.address),
                "--listen-port",
                "22",
            ]
            self._spawn(self.cg(dev.name), argv, self.run_dir / f"{dev.name}.log")

    # hosts
    def _host_healthy(self, host: Host) -> bool:
        return network.wired(self.topo, host) and self._systemd_pid(host.name) is not None

    def _systemd_pid(self, name: str) -> int | None:
        """The host PID of the lab host's PID 1 (its systemd), if it runs."""
        for pid in cgroup.procs(self.cg(name) / "host"):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("NSpid:") and line.split()[-1] == "1" and len(line.split()) > 2:
                    return pid
        return None

    def _prepare_host(self, host: Host) -> None:
        hdir = self.host_dir(host.name)
        upper, work = hdir / "upper", hdir / "work"
        shutil.rmtree(work, ignore_errors=True)
        for d in (upper / "etc/ssh", upper / "etc/apt/sources.list.d", upper / "root/.ssh", work):
            d.mkdir(parents=True, exist_ok=True)
        (upper / "root").chmod(0o700)
        (upper / "root/.ssh").chmod(0o700)
        etc = upper / "etc"
        (etc / "hostname").write_text(host.name + "\n")
        lines = ["127.0.0.1 localhost", f"127.0.1.1 {host.name}", "::1 localhost ip6-localhost ip6-loopback"]
        for m in self.topo.members():
            lines += [f"{i.address} {m.name}" for i in m.interfaces[:1]]
        (etc / "hosts").write_text("\n".join(lines) + "\n")
        (etc / "resolv.conf").write_text("# The lab has no DNS resolver; names come from /etc/hosts.\n")
        if not (etc / "machine-id").exists() or not (etc / "machine-id").read_text().strip():
            (etc / "machine-id").write_text(secrets.token_hex(16) + "\n")
        for kind in ("ed25519", "ecdsa"):
            keyfile = etc / "ssh" / f"ssh_host_{kind}_key"
            if not keyfile.exists():
                sh.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", f"root@{host.name}", "-f", str(keyfile)])
        auth = upper / "root/.ssh/authorized_keys"
        auth.write_text(self.key.with_suffix(".pub").read_text())
        auth.chmod(0o600)
        for disk in host.disks:
            label = ("lpse" + disk.mount.replace("/", "-"))[:16]
            _make_ext4_image(self.disk_image(host.name, disk.mount), disk.size_mb, label)
        for medium in host.media:
            _make_ext4_image(self.medium_image(host.name, medium.label), medium.size_mb, medium.label)
        mirror_at = self.topo.mirror_address(host)
        (etc / "apt/sources.list.d/lpse-lab-mirror.list").write_text(
            "# The lab's offline mirror (lpse lab up); hosts have no internet.\n"
            f"deb [trusted=yes] http://{mirror_at}:{self.topo.mirror_port}/ ./\n"
        )

    def _start_host(self, host: Host, root: Path) -> None:
        hdir = self.host_dir(host.name)
        merged = self.run_dir / "roots" / host.name
        merged.mkdir(parents=True, exist_ok=True)
        cg = self.cg(host.name)
        cgroup.create(cg / "supervisor")
        cgroup.create(cg / "host")
        log = self.run_dir / f"{host.name}.log"
        with open(log, "ab") as fh:
            subprocess.Popen(
                [
                    str(HERE / "supervise.sh"),
                    str(cg),
                    self.topo.netns(host.name),
                    str(HERE / "hostinit.sh"),
                    str(root),
                    str(hdir / "upper"),
                    str(hdir / "work"),
                    str(merged),
                    host.name,
                    *[f"{self.disk_image(host.name, d.mount)}:{d.mount}" for d in host.disks],
                    *[f"{self.medium_image(host.name, m.label)}:@medium" for m in host.media],
                ],
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self, sec: dict[str, str]) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        pending = {m.name for m in self.topo.members()}
        while pending and time.monotonic() < deadline:
            with ThreadPoolExecutor(max_workers=16) as pool:
                answers = dict(
                    zip(sorted(pending), pool.map(lambda n: self._answers(n, sec), sorted(pending)), strict=True)
                )
            pending = {n for n, ok in answers.items() if not ok}
            dead = [n for n in sorted(pending) if n in self.topo.hosts and self._supervisor_ended(n)]
            if dead:
                log = self.run_dir / f"{dead[0]}.log"
                tail = log.read_text()[-1500:]
                raise LpseError(f"lab host {dead[0]} stopped while booting; its log ({log}) ends:\n{tail}")
            if pending:
                time.sleep(0.2)
        if pending:
            logs = ", ".join(str(self.run_dir / f"{n}.log") for n in sorted(pending))
            raise LpseError(
                f"lab members did not answer within {BOOT_TIMEOUT:.0f} s: {', '.join(sorted(pending))} "
                f"(see {logs}); `lpse lab up` again retries them"
            )

    def _supervisor_ended(self, name: str) -> bool:
        """The host's supervisor logged its exit (a boot failure) and nothing of it runs."""
        log = self.run_dir / f"{name}.log"
        try:
            ended = "host exited with status" in log.read_text()
        except OSError:
            return False
        return ended and not cgroup.procs(self.cg(name))

    def _answers(self, name: str, sec: dict[str, str]) -> bool:
        member = self.topo.member(name)
        if isinstance(member, Host) or getattr(member, "kind", "") == "switch":
            return probe.ssh_banner(str(member.address)) is not None
        return probe.snmp_answers(str(member.address), sec["snmp_community"], timeout=0.5)

    def _write_known_hosts(self) -> None:
        lines = []
        for host in self.topo.hosts.values():
            pub = self.host_dir(host.name) / "upper/etc/ssh/ssh_host_ed25519_key.pub"
            if pub.exists():
                names = ",".join([host.name, *[str(i.address) for i in host.interfaces]])
                keytype, keydata = pub.read_text().split()[:2]
                lines.append(f"{names} {keytype} {keydata}")
        self.known_hosts.write_text("\n".join(lines) + "\n")

    # --- down ---------------------------------------------------------------------------
    def _teardown_member(self, name: str) -> None:
        cgroup.kill(self.cg(name))
        network.unwire(self.topo, name)
        host = self.topo.hosts.get(name)
        # Media stay attached across a host's reboots (hostinit reuses them); unplug them here.
        for medium in host.media if host else ():
            image = self.medium_image(name, medium.label)
            for line in sh.run(["losetup", "-j", str(image)], check=False).stdout.splitlines():
                sh.run(["losetup", "-d", line.split(":", 1)[0]], check=False)

    def down(self, progress: Progress = print, purge: bool = False) -> None:
        sh.require_root()
        # Graceful first: ask every host's systemd to power off, then wait for all together.
        for host in self.topo.hosts.values():
            pid = self._systemd_pid(host.name)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGRTMIN + 4)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and any(cgroup.procs(self.cg(h) / "host") for h in self.topo.hosts):
            time.sleep(0.1)
        for member in self.topo.members():
            self._teardown_member(member.name)
        cgroup.kill(cgroup.lab_dir(self.topo.name))
        for ns in network.netns_list(f"{self.topo.name}-"):
            sh.run(["ip", "netns", "del", ns], check=False)
        network.remove_bridges(self.topo)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if purge:
            shutil.rmtree(self.state, ignore_errors=True)
            self.inventory_path.unlink(missing_ok=True)
            self.vault_password_link.unlink(missing_ok=True)
        progress(f"lab {self.topo.name!r} is down" + (" and its disks are wiped" if purge else ""))

    def leftovers(self) -> list[str]:
        """Everything of this lab still on the machine: after ``down`` the list must be empty."""
        found = [f"network namespace {ns}" for ns in network.netns_list(f"{self.topo.name}-")]
        names = {self.topo.bridge(n) for n in self.topo.networks}
        names |= {self.topo.veth(m.name, i) for m in self.topo.members() for i in range(len(m.interfaces))}
        found += [f"link {n}" for n in sorted(names) if network.link_exists(n)]
        for image in self.images():
            attached = sh.run(["losetup", "-j", str(image)], check=False).stdout.strip()
            if attached:
                found.append(f"loop device still attached: {attached}")
        if cgroup.lab_dir(self.topo.name).exists():
            found.append(f"cgroup {cgroup.lab_dir(self.topo.name)}")
        markers = [f"{self.run_dir}/", f"{self.state}/"]
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                mounts = (proc / "mountinfo").read_text()
            except OSError:
                continue
            if any(m in cmdline for m in markers):
                found.append(f"process {proc.name}: {cmdline.strip()[:120]}")
            elif any(m in mounts for m in markers):
                found.append(f"mount namespace of process {proc.name} holds lab mounts")
        return found

    # --- status -------------------------------------------------------------------------
    def status(self) -> list[MemberStatus]:
        sec = self.secrets() if (self.state / "secrets.json").exists() else {"snmp_community": "public"}

        def one(member: Host | Device) -> MemberStatus:
            kind = "host" if isinstance(member, Host) else member.kind
            addr = ", ".join(str(i.address) for i in member.interfaces)
            groups = ", ".join(member.groups)
            if isinstance(member, Host):
                running = self._host_healthy(member)
                answers = running and probe.ssh_banner(str(member.address)) is not None
                detail = self._systemd_state(member) if answers else ("not running" if not running else "no SSH")
            else:
                running = self._device_healthy(member)
                answers = running and self._answers(member.name, sec)
                detail = ("SSH" if member.kind == "switch" else "SNMP") + (" answers" if answers else " silent")
            return MemberStatus(member.name, kind, groups, addr, running, answers, detail)

        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(one, self.topo.members()))

    def _systemd_state(self, host: Host) -> str:
        proc = subprocess.run(
            self.ssh_argv(host.name, ["systemctl", "is-system-running"]), capture_output=True, text=True, timeout=20
        )
        return f"systemd: {proc.stdout.strip() or proc.stderr.strip()}"

    # --- ssh and set ----------------------------------------------------------------------
    def bootstrapped(self, name: str) -> bool:
        """The host has the automation account (`lpse bootstrap` ran): seen in its file system."""
        from lpse.lab.inventory import AUTOMATION_USER

        return (self.host_dir(name) / "upper/home" / AUTOMATION_USER / ".ssh/authorized_keys").exists()

    def bootstrap(self, progress: Progress = print, quiet: bool = True) -> None:
        """`lpse bootstrap --login root` on the lab: its hosts start as a fresh install leaves them
        (root logs in with the lab key); a host that has the automation account is left alone."""
        from lpse.runner import run_playbook

        result = run_playbook(
            "playbooks/bootstrap.yml",
            inventory=self.inventory_path,
            extravars={"bootstrap_login": "root"},
            quiet=quiet,
        )
        if not result.ok:
            raise LpseError(f"lpse bootstrap failed on the lab: {result.failures}")
        progress(f"lab '{self.topo.name}': the automation account logs in with sudo ({result.seconds:.1f} s)")

    def ssh_argv(self, name: str, command: list[str] | None = None) -> list[str]:
        """ssh to a lab host as its operator would: the automation account with sudo once the host
        is bootstrapped (root cannot log in to a provisioned server), root before. A command runs
        as root through ``sudo -n sh -c``; without one, a root shell (``sudo -i``)."""
        from lpse.lab.inventory import AUTOMATION_USER, MANAGED_GROUPS
        from lpse.lab.topology import LPSE_SERVER_GROUPS

        member = self.topo.member(name)
        if not isinstance(member, Host):
            raise InputError(f"{name} is a {member.kind} device, not a host: `lpse lab ssh` reaches hosts only")
        managed = any(g in (*MANAGED_GROUPS, *LPSE_SERVER_GROUPS) for g in member.groups)
        via_sudo = managed and self.bootstrapped(name)
        if via_sudo:
            login = f"{AUTOMATION_USER}@{member.address}"
            remote = ["sudo", "-n", "--", "sh", "-c", shlex.quote(" ".join(command))] if command else ["sudo", "-i"]
        else:
            login, remote = f"root@{member.address}", list(command or [])
        return [
            "ssh",
            *(["-t"] if via_sudo and not command else []),
            "-i",
            str(self.key),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            # A command's output should not start with the login banner; a shell shows it.
            *(["-o", "LogLevel=ERROR"] if command else []),
            login,
            *remote,
        ]

    def set(self, name: str, assignments: list[str]) -> dict:
        member = self.topo.member(name)
        if isinstance(member, Host):
            raise InputError(
                f"{name} is a host; `lpse lab set` changes what a device reports "
                f"(devices: {', '.join(self.topo.devices) or 'none'})"
            )
        changes = devices.parse_assignments(member.kind, name, assignments)
        if not (self.state / "secrets.json").exists():
            raise LpseError(f"lab {self.topo.name!r} has never been started: run `lpse lab up` first")
        state = devices.DeviceState(self.device_dir(name), member.kind, name, self.secrets()["snmp_community"])
        return state.update(changes)
