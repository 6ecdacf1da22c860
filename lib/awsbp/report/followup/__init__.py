"""Follow-up on a saved run, in JupyterLab or on the command line: the run as pandas frames and SQL.

::

    import awsbp

    run = awsbp.open_run("reports/acme/20261130T091500Z")
    run.findings.query("status == 'FAIL' and severity in ['critical', 'high']")
    run.inventory("access_keys").query("password_enabled and not mfa_active and key_age_days > 90")
    run.sql("select account_name, count(*) from findings where status = 'FAIL' group by all")

Everything is read from the run folder (saved assessments, snapshots): no AWS call, no check run, nothing
written there. ``awsbp explore RUN_DIR`` copies the cookbook (``40_explore.ipynb``) beside the run for the
consultant's own cells; ``awsbp lab`` opens JupyterLab, where a run's executed notebooks are read-only.
"""

from awsbp.report.followup.frames import Frame
from awsbp.report.followup.run import Run, RunAccount, RunError, open_run

__all__ = ["Frame", "Run", "RunAccount", "RunError", "open_run"]
