"""The files of a run folder, named once: ``reports/<client>/<run-id>/`` holds the run's own files, and one folder
per account (its id) holds that account's."""

RUN_FILE = "run.json"  # the run's facts and every account's outcome
INDEX_FILE = "index.html"  # the run's summary
DOCUMENT_FILE = "report.html"  # the client document
CROSS_ACCOUNT_FILE = "cross_account_findings.json"
SNAPSHOT_FILE = "snapshot.json.gz"  # per account: the evidence
ASSESSMENT_FILE = "assessment.json"  # per account: every finding, made once
