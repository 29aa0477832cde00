"""Auditing many LPSEs: one inventory per site under one tree, one `lpse comply` run per site,
results kept per site (``<results>/sites/<site>/compliance/<time>/``).

A site is a directory of the tree holding an inventory (``hosts.yml``, ``hosts.yaml`` or ``hosts``)
and, beside it, its group_vars and waivers.yml, exactly as ``inventory/lab/`` is laid out. Every
site's inventory and waivers are checked before any host of any site is audited.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from rich.console import Console

from lpse.comply import run as comply_run
from lpse.errors import InputError

INVENTORY_NAMES = ("hosts.yml", "hosts.yaml", "hosts")
SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def find_sites(tree: Path) -> list[tuple[str, Path]]:
    """(site, inventory) for each site directory of ``tree``, sorted; every problem named."""
    if not tree.is_dir():
        raise InputError(f"--sites {tree}: not a directory")
    sites = []
    for directory in sorted(p for p in tree.iterdir() if p.is_dir() and not p.name.startswith(".")):
        inventory = next((directory / n for n in INVENTORY_NAMES if (directory / n).is_file()), None)
        if inventory is None:
            continue
        if not SITE_NAME.match(directory.name):
            raise InputError(
                f"{directory}: a site's directory name must be lower-case letters, digits, '-' or '_' "
                "(it names the site's results)"
            )
        sites.append((directory.name, inventory))
    if not sites:
        raise InputError(f"--sites {tree}: no site directory holds an inventory ({', '.join(INVENTORY_NAMES)})")
    return sites


def comply_sites(
    tree: Path, template: comply_run.ComplyRequest, results: Path, console: Console | None = None
) -> list[tuple[str, comply_run.ComplyOutcome]]:
    """Audit every site of ``tree`` with the options of ``template``, one after another."""
    root = comply_run.project_root()
    requests = []
    for site, inventory in find_sites(tree):
        request = dataclasses.replace(template, inventory=inventory, results_dir=results / "sites" / site)
        try:
            comply_run.plan(request, root)
        except InputError as exc:
            raise InputError(f"site {site}: {exc}") from None
        requests.append((site, request))
    return [(site, comply_run.run(request, console=console)) for site, request in requests]
