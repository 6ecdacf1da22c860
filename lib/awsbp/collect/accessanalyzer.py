"""IAM Access Analyzer: analyzers per assessed region."""

from awsbp.collect.base import Api

SERVICE = "accessanalyzer"
SCOPE = "regional"
ACTIONS = ["access-analyzer:ListAnalyzers"]
APIS = [Api("ListAnalyzers", "analyzers")]
