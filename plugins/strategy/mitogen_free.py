"""Mitogen's free strategy, found through the installed ``mitogen`` package (see mitogen_linear.py).

Each host runs through a play's tasks without waiting for the others. ``ansible.cfg`` keeps the
linear one: ``bench/scale.py`` measures this one for the record, and site.yml's plays have hosts
that depend on each other (the UPS primary before its secondaries, the database before the app).
"""

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_Free = ansible_mitogen.loaders.strategy_loader.get("free", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Free):
    """Ansible's free strategy, run over Mitogen connections."""
