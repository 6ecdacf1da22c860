"""Secrets Manager: secret metadata only (rotation, last access) — never the secret values."""

from awsbp.collect.base import Api

SERVICE = "secretsmanager"
SCOPE = "regional"
ACTIONS = ["secretsmanager:ListSecrets"]
APIS = [Api("ListSecrets", "SecretList")]
