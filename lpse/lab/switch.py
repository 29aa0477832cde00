"""The lab's core switch: fake-switches' Cisco IOS simulator with a startup configuration.

A real switch keeps two configurations: the running one (lost at power-off) and the startup one
in NVRAM, written by ``write memory`` and loaded at boot. fake-switches keeps only the running one,
so this launcher adds the other, as hardware does: ``write memory`` saves what ``show
running-config`` shows to ``<state dir>/startup-config``, ``show startup-config`` shows that
file, and a boot applies it before the switch answers. `lpse lab down`/`up` is then a power cut.

    python -m lpse.lab.switch --state-dir D --hostname H --username U --password P --listen-host A
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

# Lines of a saved running configuration that are not configuration commands.
NOT_COMMANDS = ("!", "end", "version ", "hostname ", "Building configuration", "Current configuration")


class _Capture:
    """A terminal controller that keeps what a command processor writes."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def write(self, text: str) -> None:
        self.text.append(text)

    def get_reply(self):  # pragma: no cover - the simulator asks only for interactive commands
        return None


def running_config(processor) -> str:
    """What ``show running-config`` shows, from the enabled command processor."""
    capture = _Capture()
    saved = processor.terminal_controller
    processor.terminal_controller = capture
    try:
        processor.show_run()
    finally:
        processor.terminal_controller = saved
    lines = "".join(capture.text).splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Current configuration")), -1)
    return "\n".join(lines[start + 1 :]).strip() + "\n"


def boot(core, startup: Path) -> int:
    """Apply the saved startup configuration to a new switch; returns the commands applied."""
    if not startup.exists():
        return 0
    from fake_switches.command_processing.piping_processor_base import NotPipingProcessor
    from fake_switches.terminal import NoopTerminalController

    processor = core.new_command_processor()
    processor.init(core.switch_configuration, NoopTerminalController(), logging.getLogger("boot"), NotPipingProcessor())
    processor.process_command("configure terminal")
    applied, in_mode = 0, False
    for line in startup.read_text().splitlines():
        if not line.strip() or line.strip().startswith(NOT_COMMANDS):
            continue
        top = not line.startswith(" ")
        if top and in_mode:  # leave `vlan N` / `interface X` before the next global command
            processor.process_command("exit")
            in_mode = False
        processor.process_command(line.strip())
        in_mode = in_mode or (top and line.startswith(("vlan ", "interface ")))
        applied += 1
    processor.process_command("exit")
    return applied


def patch(startup: Path) -> None:
    """``write memory`` saves to ``startup``; ``show startup-config`` shows it."""
    from fake_switches.cisco.command_processor.enabled import EnabledCommandProcessor

    show = EnabledCommandProcessor.do_show

    def do_write(self, *args):
        self.write_line("Building configuration...")
        text = running_config(self)
        tmp = startup.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(startup)
        self.switch_configuration.commit()
        self.write_line("[OK]")

    def do_show(self, *args):
        if args and len(args[0]) >= 3 and "startup-config".startswith(args[0]):
            if not startup.exists():
                self.write_line("startup-config is not present")
                return
            text = startup.read_text()
            self.write_line(f"Using {len(text)} out of 65536 bytes")
            for line in text.rstrip("\n").splitlines():
                self.write_line(line)
            return
        show(self, *args)

    EnabledCommandProcessor.do_write = do_write
    EnabledCommandProcessor.do_show = do_show


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, required=True, help="where startup-config is kept")
    parser.add_argument("--hostname", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--listen-host", required=True)
    parser.add_argument("--listen-port", type=int, default=22)
    args = parser.parse_args()

    from fake_switches import switch_factory
    from fake_switches.transports.ssh_service import SwitchSshService
    from twisted.internet import reactor

    logging.basicConfig(level=logging.INFO)
    startup = args.state_dir / "startup-config"
    patch(startup)
    core = switch_factory.SwitchFactory().get("cisco_generic", args.hostname, args.password.encode())
    logging.info("startup-config: %d command(s) applied", boot(core, startup))
    SwitchSshService(
        ip=args.listen_host,
        port=args.listen_port,
        switch_core=core,
        users={args.username: args.password.encode()},
    ).hook_to_reactor(reactor)
    reactor.run()


if __name__ == "__main__":
    main()
