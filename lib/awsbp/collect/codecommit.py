"""CodeCommit repositories (names only; contents are never read)."""

from awsbp.collect.base import Api

SERVICE = "codecommit"
SCOPE = "regional"
ACTIONS = ["codecommit:ListRepositories"]
APIS = [Api("ListRepositories", "repositories")]
