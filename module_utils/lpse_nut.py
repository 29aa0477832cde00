# lpse-dc — Apache-2.0
"""A client of the Network UPS Tools protocol (upsd, TCP 3493) and the facts the project reads
from it. Standard library only: shared by ``library/ups_facts.py``, the power checks and tests.

Protocol (docs/net-protocol.txt of NUT): one request per line; ``LIST VAR <ups>`` answers
``BEGIN LIST VAR <ups>``, ``VAR <ups> <name> "<value>"`` lines and ``END LIST VAR <ups>``;
``GET NUMLOGINS <ups>`` answers ``NUMLOGINS <ups> <n>``; errors are ``ERR <CODE>``.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import socket
from typing import Any

# What each NUT error means for an operator (NUT's own words are terse).
ERRORS = {
    "ACCESS-DENIED": "the login was refused (wrong user or password, or not allowed from this address)",
    "UNKNOWN-UPS": "the NUT server knows no UPS of that name",
    "DATA-STALE": "the NUT driver has stale data: it lost contact with the UPS",
    "DRIVER-NOT-CONNECTED": "the NUT server has no driver running for that UPS",
    "VAR-NOT-SUPPORTED": "the UPS does not report that value",
    "INVALID-USERNAME": "the user name is not valid",
    "USERNAME-REQUIRED": "a user name is needed first",
}


class NutError(Exception):
    """An ``ERR`` answer, a broken connection, or an answer this client does not understand."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class NutClient:
    def __init__(self, host: str, port: int = 3493, timeout: float = 5.0) -> None:
        self.where = f"{host}:{port}"
        try:
            self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        except OSError as exc:
            raise NutError(f"cannot reach the NUT server at {self.where}: {exc}") from None
        self.buf = b""

    def _line(self) -> str:
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(4096)
            except OSError as exc:
                raise NutError(f"the NUT server at {self.where} stopped answering: {exc}") from None
            if not chunk:
                raise NutError(f"the NUT server at {self.where} closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def _send(self, line: str) -> None:
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError as exc:
            raise NutError(f"the NUT server at {self.where} stopped answering: {exc}") from None

    def _check(self, answer: str, what: str) -> str:
        if answer.startswith("ERR "):
            code = answer.split()[1]
            raise NutError(f"{what}: {ERRORS.get(code, code)} (ERR {code})", code)
        return answer

    def command(self, line: str, what: str) -> str:
        self._send(line)
        return self._check(self._line(), what)

    def list(self, kind: str, ups: str | None, what: str) -> list[list[str]]:
        target = f"{kind} {ups}" if ups else kind
        self._send(f"LIST {target}")
        first = self._check(self._line(), what)
        if first != f"BEGIN LIST {target}":
            raise NutError(f"{what}: unexpected answer {first!r} from {self.where}")
        rows = []
        while True:
            line = self._line()
            if line == f"END LIST {target}":
                return rows
            rows.append(shlex.split(line))

    def login(self, username: str, password: str) -> None:
        self.command(f"USERNAME {username}", f"user {username}")
        self.command(f"PASSWORD {password}", f"user {username}")

    def upses(self) -> dict[str, str]:
        return {r[1]: r[2] if len(r) > 2 else "" for r in self.list("UPS", None, "listing the UPSes")}

    def variables(self, ups: str) -> dict[str, str]:
        try:
            rows = self.list("VAR", ups, f"UPS {ups}")
        except NutError as exc:
            if exc.code == "UNKNOWN-UPS":
                known = ", ".join(self.upses()) or "none"
                message = f"the NUT server at {self.where} knows no UPS named {ups!r}; it has: {known}"
                raise NutError(message, exc.code) from None
            raise
        return {r[2]: r[3] for r in rows if len(r) >= 4}

    def clients(self, ups: str) -> list[str]:
        """Addresses of the upsmon clients logged in to ``ups`` (needs a login on NUT 2.8)."""
        return [r[2] for r in self.list("CLIENT", ups, f"clients of {ups}") if len(r) >= 3]

    def num_logins(self, ups: str) -> int:
        answer = self.command(f"GET NUMLOGINS {ups}", f"logins of {ups}")
        m = re.match(rf"^NUMLOGINS {re.escape(ups)} (\d+)$", answer)
        if not m:
            raise NutError(f"unexpected answer {answer!r} from {self.where}")
        return int(m.group(1))

    def close(self) -> None:
        with contextlib.suppress(NutError):
            self._send("LOGOUT")
        self.sock.close()


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def facts(variables: dict[str, str]) -> dict[str, Any]:
    """The values the project uses, typed; the raw variables stay under ``vars``."""
    flags = (variables.get("ups.status") or "").split()
    runtime = _number(variables.get("battery.runtime"))
    return {
        "status": variables.get("ups.status", ""),
        "online": "OL" in flags and "OB" not in flags,
        "on_battery": "OB" in flags,
        "low_battery": "LB" in flags,
        "charge_pct": _number(variables.get("battery.charge")),
        "runtime_s": int(runtime) if runtime is not None else None,
        "load_pct": _number(variables.get("ups.load")),
        "input_voltage": _number(variables.get("input.voltage")),
        "self_test_result": variables.get("ups.test.result"),
        "self_test_date": variables.get("ups.test.date"),
        "vars": variables,
    }


def read(host: str, ups: str, port: int = 3493, username: str | None = None, password: str | None = None,
         timeout: float = 5.0) -> dict[str, Any]:  # fmt: skip
    """One poll of a UPS through upsd: its facts, the number of upsmon logins and (with a login)
    the addresses of the upsmon clients."""
    client = NutClient(host, port, timeout)
    try:
        out = facts(client.variables(ups))
        out["logins"] = client.num_logins(ups)
        out["clients"] = None
        if username:
            # upsd checks a password only when it is used: LOGIN (as a upsmon does) proves it,
            # and this client then appears in the list once, which is taken out again.
            client.login(username, password or "")
            client.command(f"LOGIN {ups}", f"user {username} on {ups}")
            clients = client.clients(ups)
            own = client.sock.getsockname()[0]
            if own in clients:
                clients.remove(own)
            out["clients"] = sorted(clients)
        return out
    finally:
        client.close()
