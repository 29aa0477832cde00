"""The people of the lab's access log: the lab plays a site's officials and guards.

At a site, each person trades the generated first password for one of their own, which
nobody writes down. The lab has no people, so this does it for them: every user still holding
the first password gets a random one, kept (0600) in ``<lab state>/access/lab-passwords/<user>``
for the demo and the lab tests. A site has no such directory.
"""

from __future__ import annotations

import secrets
from pathlib import Path


def settle(inventory: Path, state: Path) -> Path:
    """Initialise the lab's access log and give every user a chosen password; returns the
    directory holding them."""
    from lpse.access.config import load
    from lpse.access.service import AccessLog, _write_private

    log = AccessLog(load(inventory))
    try:
        log.init()
        folder = state / "access" / "lab-passwords"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        initial = log.config.keys_dir / "initial-passwords"
        for user in log.config.users():
            first = initial / user
            if not first.exists():
                continue
            chosen = secrets.token_urlsafe(15)
            log.set_password(user, chosen, first.read_text().strip())
            _write_private(folder / user, chosen.encode() + b"\n")
        return folder
    finally:
        log.store.close()
