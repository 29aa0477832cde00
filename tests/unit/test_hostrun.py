"""Commands on audited hosts: a check that cannot look is an error with its cause, never a fail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lpse.comply import hostrun
from lpse.comply.hostrun import CheckError


@dataclass
class Result:
    rc: int
    stdout: str = ""
    stderr: str = ""
    command: str = "cmd"


class Backend:
    def __init__(self, result: Result):
        self.result = result

    def run(self, command, *args, **kwargs):
        self.result.command = command
        if self.result.rc == 255:  # as testinfra's ssh backend does
            raise RuntimeError(self.result)
        return self.result

    def get_hostname(self):
        return "mgmt-01"


class Host:
    def __init__(self, result: Result):
        self.backend = Backend(result)

    def run(self, command, *args, **kwargs):
        return self.backend.run(command, *args, **kwargs)


BANNER = "*" * 60 + "\n  Sistem milik LPSE. Akses tanpa izin dilarang.\n" + "*" * 60


def guarded(result: Result) -> Host:
    return hostrun.guard(Host(result), "mgmt-01")


def test_ssh_refused_is_an_error_naming_ssh():
    host = guarded(Result(255, stderr="ssh: connect to host 10.213.0.13 port 22: Connection refused"))
    with pytest.raises(CheckError, match=r"cannot reach mgmt-01 over SSH \(exit 255\): ssh: connect .* refused"):
        host.run("nft -j list ruleset")


def test_a_missing_tool_is_an_error_naming_the_command():
    host = guarded(Result(127, stderr="bash: line 1: nft: command not found"))
    with pytest.raises(CheckError, match=r"cannot run `nft -j list ruleset` on mgmt-01 \(exit 127: .*nft: command"):
        host.run("nft -j list ruleset")


def test_a_remote_exit_255_that_is_not_ssh_is_the_commands_own():
    assert guarded(Result(255, stderr="my tool says 255")).run("x").rc == 255


def test_an_error_that_is_not_a_command_result_passes_through():
    class Broken(Backend):
        def run(self, command, *args, **kwargs):
            raise RuntimeError("something else")

    host = Host(Result(0))
    host.backend = Broken(Result(0))
    with pytest.raises(RuntimeError, match="something else"):
        hostrun.guard(host, "mgmt-01").run("x")


def test_check_output_raises_an_error_not_an_assertion():
    host = guarded(Result(1, stderr="sshd: /etc/ssh/sshd_config line 3: Bad option"))
    with pytest.raises(CheckError, match=r"`sshd -T` failed on mgmt-01 \(exit 1\): sshd: .* Bad option"):
        host.check_output("sshd -T")


def test_the_cause_is_what_the_tool_said_not_the_login_banner():
    result = Result(
        3, stderr=BANNER + "\nlpse-backup: status: the medium is busy after 60 s: held exclusively by pid 9"
    )
    with pytest.raises(CheckError) as caught:
        hostrun.must(guarded(result), "lpse-backup status --json", what="lpse-backup status")
    message = str(caught.value)
    assert message.startswith("lpse-backup status failed (exit 3): ")
    assert "held exclusively by pid 9" in message
    assert "****" not in message


def test_must_accepts_the_exit_codes_it_is_told():
    assert hostrun.must(guarded(Result(3)), "x", ok=(0, 3)).rc == 3
