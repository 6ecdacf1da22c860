"""Checks: one spec per check (``spec.py``), rules per domain (``vpc``, ``iam``, ``devtools``), the registry built
from them (``registry``), running them over an inventory (``run``) and the checks that need several accounts
(``cross_account``). Views read :data:`awsbp.checks.registry.REGISTRY`; only :mod:`awsbp.assess` runs checks."""
