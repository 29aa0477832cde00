"""Mitogen's linear strategy, found through the installed ``mitogen`` package.

Ansible loads strategy plugins from a directory; this file is that directory's entry point so
``ansible.cfg`` can name a path inside the project instead of one inside a virtualenv. Mitogen
keeps one Python interpreter per host for the whole run instead of starting a new one (and
recompiling Ansible's module_utils) for every task: a second ``site.yml`` on the lab drops from
about 75 s to about 25 s (``bench/results/lab.json``). Everything else is Ansible's own linear
strategy.
"""

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
    """Ansible's linear strategy, run over Mitogen connections."""
