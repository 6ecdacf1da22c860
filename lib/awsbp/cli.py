"""The ``awsbp`` command: ``run`` a params file, or ``demo`` on a simulated account; follow up on a saved run with
``query`` (SQL), ``explore`` (a scratch notebook) and ``lab`` (JupyterLab).

Problems the user can fix print one line and exit 2 (no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from awsbp import __version__
from awsbp.batch.runner import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PARTIAL, RunResult, run
from awsbp.errors import AwsbpError
from awsbp.params import load


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="awsbp", description="AWS security best-practice workbook (read-only).")
    parser.add_argument("--version", action="version", version=f"awsbp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=["ja", "en"], help="report language (default: the params file's, else ja)")
    common.add_argument("--output", metavar="DIR", help="output directory (default: the params file's, else reports)")
    common.add_argument("--quiet", action="store_true", help="no progress bars (for cron)")
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where accounts are assessed: a local pool (default) or a Dask distributed cluster",
    )
    common.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://HOST:8786); without it --executor dask starts a local cluster",
    )
    p_run = sub.add_parser("run", parents=[common], help="assess the accounts named in a params file")
    p_run.add_argument("params", help="params YAML file (see params/example.yaml)")
    p_run.add_argument(
        "--from-snapshots",
        metavar="RUN_DIR",
        type=Path,
        help="re-assess a previous run's snapshots offline (new language or settings), no AWS call",
    )
    p_run.add_argument(
        "--compare",
        metavar="RUN_DIR",
        type=Path,
        help="mark findings new / fixed / still open against this run (default: the latest earlier run)",
    )
    p_run.add_argument(
        "--no-reports",
        action="store_true",
        help="snapshots, assessments, exports and a plain index only; render later with --from-snapshots",
    )
    sub.add_parser("demo", parents=[common], help="assess a simulated account (no AWS credentials needed)")
    sub.add_parser("policy", help="print the least-privilege read-only IAM policy awsbp needs (JSON)")
    p_pdf = sub.add_parser("pdf", help="print a run's reports to PDF (A4) with a local Chromium")
    p_pdf.add_argument("run_dir", type=Path, help="a run folder (reports/<client>/<run-id>)")
    _followup_parsers(sub)
    return parser


def _followup_parsers(sub: Any) -> None:
    """``query``, ``explore`` and ``lab``: follow-up on a saved run (read only; no AWS call)."""
    p_query = sub.add_parser("query", help="SQL (DuckDB) over a saved run's findings and inventory tables")
    p_query.add_argument("run_dir", metavar="RUN_DIR", help="a run folder, e.g. reports/<client>/<run-id>")
    p_query.add_argument("sql", nargs="?", help="the query; without it, the tables there are")
    p_query.add_argument("--csv", metavar="FILE", type=Path, help="write the result as CSV instead of printing it")
    p_explore = sub.add_parser(
        "explore", help="a scratch copy of the follow-up cookbook opened on a run (prints its path)"
    )
    p_explore.add_argument("run_dir", metavar="RUN_DIR", help="a run folder, e.g. reports/<client>/<run-id>")
    p_explore.add_argument("--scratch", metavar="DIR", help="scratch folder (default: <client folder>/scratch)")
    p_explore.add_argument("--new", action="store_true", help="another scratch notebook even if one exists")
    p_explore.add_argument("--lab", action="store_true", help="open JupyterLab on it")
    p_lab = sub.add_parser("lab", help="JupyterLab at the current folder, runs read-only; with RUN_DIR, on its scratch")
    p_lab.add_argument("run_dir", metavar="RUN_DIR", nargs="?", help="a run to explore (see `awsbp explore`)")
    p_lab.add_argument("--scratch", metavar="DIR", help="scratch folder (default: <client folder>/scratch)")
    p_lab.add_argument("--port", type=int, help="port (default: Jupyter's, 8888 or the next free one)")
    p_lab.add_argument("--no-browser", action="store_true", help="do not open a browser (the default when CI is set)")


def _report(result: RunResult, quiet: bool) -> int:
    for account in result.accounts:
        if account.error:
            print(f"awsbp: {account.name}: {account.error}", file=sys.stderr)
        elif not quiet:
            print(f"awsbp: {account.name}: {_account_line(result, account)}", file=sys.stderr)
        for report in account.reports:
            if not report["ok"]:
                print(f"awsbp: {account.name}: {report['notebook']} incomplete: {report['error']}", file=sys.stderr)
    code = result.exit_code
    if code == EXIT_INTERRUPTED:
        print(
            f"awsbp: interrupted; completed accounts are kept and listed in {result.index.resolve()}", file=sys.stderr
        )
        return code
    if code != EXIT_BAD_INPUT:
        print(result.index.resolve())
    elif not quiet:
        print(f"awsbp: nothing could be assessed; see {result.run_dir / 'run.json'}", file=sys.stderr)
    return code


def _account_line(result: RunResult, account: Any) -> str:
    """``3 FAIL (1 critical), 2 REVIEW, 1 NOT_ASSESSED`` for an assessed account, from its saved counts."""
    from awsbp.assess import Assessment, AssessmentError

    try:
        assessment = Assessment.load(result.run_dir / account.directory)
    except AssessmentError:
        return "assessed (no assessment to summarise)"
    counts = assessment.counts()
    critical = sum(
        1 for f in assessment.findings if f.status == "FAIL" and f.severity == "critical" and not f.suppressed
    )
    parts = [f"{counts['FAIL']} FAIL ({critical} critical)", f"{counts['REVIEW']} REVIEW"]
    parts.append(f"{counts['NOT_ASSESSED']} NOT_ASSESSED")
    return ", ".join(parts)


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``run`` and ``demo`` share: language, output, progress and executor."""
    return {
        "lang": args.lang,
        "output": args.output,
        "quiet": args.quiet,
        "executor": args.executor,
        "scheduler": args.scheduler,
    }


def _demo(args: argparse.Namespace) -> int:
    from awsbp.demo.run import only_intended_failures, run_demo

    result = run_demo(**_run_options(args))
    code = _report(result, args.quiet)
    intended = only_intended_failures(result)
    if code == EXIT_PARTIAL and intended:
        if not args.quiet:
            print(
                f"awsbp: {', '.join(sorted(intended))} failed on purpose (its audit role was never deployed): "
                "the other accounts completed, as in a real partial run",
                file=sys.stderr,
            )
        return 0
    return code


def _query(args: argparse.Namespace) -> int:
    from awsbp.report.followup import open_run
    from awsbp.report.followup.run import INVENTORY_TABLES, RESULT_TABLES

    run = open_run(args.run_dir)
    if not args.sql:
        print("\n".join([*RESULT_TABLES, *INVENTORY_TABLES]))
        return 0
    result = run.sql(args.sql)
    if args.csv:
        from awsbp.files import write_text

        write_text(args.csv, result.to_csv(index=False))
        print(f"awsbp: {len(result)} rows written to {args.csv}", file=sys.stderr)
    elif result.columns.empty:
        print("(no result)")
    else:
        print(result.to_string(index=False, max_colwidth=80) if len(result) else ", ".join(map(str, result.columns)))
        print(f"({len(result)} rows)")
    return 0


def _lab(run_dir: str | None, scratch: str | None, port: int | None, no_browser: bool, new: bool = False) -> int:
    import subprocess

    from awsbp.report.followup.lab import ensure_kernel, lab_available, lab_command

    root = Path.cwd()
    notebook = None
    if run_dir:
        notebook = _explore_notebook(run_dir, scratch, new)
        if root.resolve() not in notebook.resolve().parents:
            print(f"awsbp: {notebook} is outside {root}: JupyterLab opens at the project folder", file=sys.stderr)
            notebook = None
    if not lab_available():
        print("awsbp: JupyterLab is not installed here: `pip install 'awsbp[dev]'` (or `make lab`)", file=sys.stderr)
        return EXIT_BAD_INPUT
    ensure_kernel()
    command = lab_command(root, notebook, port=port, open_browser=False if no_browser else None)
    return subprocess.call(command)


def _explore_notebook(run_dir: str, scratch: str | None, new: bool) -> Path:
    from awsbp.report.followup.scratch import explore

    notebook, created = explore(run_dir, scratch=scratch, new=new)
    if not created:
        print(f"awsbp: {notebook} exists: kept as it is (--new for a fresh copy)", file=sys.stderr)
    return notebook


def _without_iri_grammar() -> None:
    """Spare this process the RFC 3987 grammar: ``jsonschema`` compiles it at import (~2 s of CPU) when the optional
    ``rfc3987-syntax`` is installed (JupyterLab's ``jupyter-events`` pulls it in), and ``nbformat`` imports
    ``jsonschema`` to render. Notebooks are validated against a schema without IRI formats, and JupyterLab runs
    in a process of its own, so nothing here checks an IRI; an import already made is left as it is."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not importable"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``awsbp`` console script."""
    _without_iri_grammar()
    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    # --debug shows awsbp's own debug lines (operation, HTTP status, attempts, timing: awsbp.aws). botocore's and
    # urllib3's debug logs print request and response bodies and credentials: they stay at WARNING, always.
    logging.basicConfig(level=logging.WARNING, format="awsbp: %(message)s")
    logging.getLogger("awsbp").setLevel(logging.DEBUG if debug else logging.WARNING)
    for library in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(library).setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "pdf":
            from awsbp.report.pdf import write_pdfs

            for path in write_pdfs(args.run_dir):
                print(path)
            return 0
        if args.command == "query":
            return _query(args)
        if args.command == "explore":
            if args.lab:
                return _lab(args.run_dir, args.scratch, None, False, args.new)
            print(_explore_notebook(args.run_dir, args.scratch, args.new))
            return 0
        if args.command == "lab":
            return _lab(args.run_dir, args.scratch, args.port, args.no_browser)
        if args.command == "policy":
            from awsbp.collect import readonly_policy

            print(json.dumps(readonly_policy(), indent=2))
            return 0
        params = load(Path(args.params))
        result = run(
            params,
            from_snapshots=args.from_snapshots,
            compare_with=args.compare,
            render=not args.no_reports,
            **_run_options(args),
        )
        return _report(result, args.quiet)
    except AwsbpError as err:
        if debug:
            raise
        print(f"awsbp: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("awsbp: interrupted; completed accounts' snapshots and assessments are kept", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
