"""Developer-tooling frames of the inventory: functions' and builds' variables, user data, pipelines,
images, secrets — and one frame of every secret detected, shared by BP-DEV-01..03 and BP-IAM-04.

Values were redacted at collection; what is here are names, places (``where``: ``line 3``,
``part 2 (setup.sh), line 3``, ``source.buildspec, line 7``, ``stages[0].actions[1].configuration.OAuthToken``),
detector types and fingerprints — and, where the collector could not read something (user data it could not
decode, Lambda variables it could not decrypt), why (``unreadable``), so that no PASS is said for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import pandas as pd

from awsbp.inventory.network import NetworkFrames
from awsbp.inventory.source import Source, parse_time

NAME_PATTERN = "Secret-like name"


def wildcard_match(pattern: str, name: str) -> bool:
    """Whether a repository name matches an ECR filter of type WILDCARD, where ``*`` (and only ``*``) stands for any
    characters: ``prod-*`` matches ``prod-api``; ``app.v1`` matches only itself (a dot is a dot). Linear in the name
    for every pattern (split on ``*``, then find each piece in order: no regular expression, no backtracking).

    >>> wildcard_match("prod-*", "prod-api"), wildcard_match("app.v1", "appxv1"), wildcard_match("*-api-*", "a-api-b")
    (True, False, True)
    """
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return name == pattern
    head, tail = pieces[0], pieces[-1]
    if len(head) + len(tail) > len(name) or not name.startswith(head) or not name.endswith(tail):
        return False
    position, end = len(head), len(name) - len(tail)
    for piece in pieces[1:-1]:
        found = name.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


class DevtoolsFrames:
    """Build projects, pipelines, user data, images, secrets, and every secret detection in one frame."""

    def __init__(self, source: Source, network: NetworkFrames):
        self.source = source
        self.settings = source.settings
        self.network = network

    def _items(self, service: str, api: str) -> list[tuple[str, dict[str, Any]]]:
        return self.source.items(service, api)

    @cached_property
    def codebuild_projects(self) -> pd.DataFrame:
        rows = []
        for region, p in self._items("codebuild", "BatchGetProjects"):
            env = p.get("environment") or {}
            rows.append(
                {
                    "region": region,
                    "name": p.get("name", ""),
                    "arn": p.get("arn", ""),
                    "role_arn": p.get("serviceRole", ""),
                    "privileged": bool(env.get("privilegedMode")),
                    "plaintext_names": [
                        v["name"]
                        for v in env.get("environmentVariables", [])
                        if v.get("type", "PLAINTEXT") == "PLAINTEXT"
                    ],
                    "secrets": p.get("AwsbpSecrets", []),
                    "references": p.get("AwsbpReferences", []),
                }
            )
        cols = ["region", "name", "arn", "role_arn", "privileged", "plaintext_names", "secrets", "references"]
        return pd.DataFrame(rows, columns=cols).astype({"privileged": bool})

    @cached_property
    def pipelines(self) -> pd.DataFrame:
        rows = [
            {"region": r, "name": p["name"], "role_arn": p.get("roleArn", ""), "secrets": p.get("AwsbpSecrets", [])}
            for r, p in self._items("codepipeline", "GetPipeline")
        ]
        return pd.DataFrame(rows, columns=["region", "name", "role_arn", "secrets"])

    def pipeline_id(self, region: str, name: str) -> str:
        """A pipeline's ARN (GetPipeline's answer as kept holds none): ``arn:<partition>:codepipeline:…``."""
        partition = self.source.snapshot.meta.get("partition", "aws")
        return f"arn:{partition}:codepipeline:{region}:{self.source.snapshot.account_id}:{name}"

    @cached_property
    def user_data(self) -> pd.DataFrame:
        names = dict(zip(self.network.instances["instance_id"], self.network.instances["name"], strict=True))
        rows = [
            {
                "region": r,
                "instance_id": u["InstanceId"],
                "name": names.get(u["InstanceId"]) or u["InstanceId"],
                "size": u.get("Size", 0),
                "secrets": u.get("AwsbpSecrets", []),
                "unreadable": u.get("AwsbpUnreadable", ""),
            }
            for r, u in self._items("ec2", "DescribeInstanceAttribute")
        ]
        return pd.DataFrame(rows, columns=["region", "instance_id", "name", "size", "secrets", "unreadable"])

    @cached_property
    def ecr_repositories(self) -> pd.DataFrame:
        rows = [
            {
                "region": r,
                "name": repo["repositoryName"],
                "arn": repo.get("repositoryArn", ""),
                "scan_on_push": bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush")),
                "mutability": repo.get("imageTagMutability", "MUTABLE"),
            }
            for r, repo in self._items("ecr", "DescribeRepositories")
        ]
        return pd.DataFrame(rows, columns=["region", "name", "arn", "scan_on_push", "mutability"]).astype(
            {"scan_on_push": bool}
        )

    def registry_scans_on_push(self, region: str, repository: str) -> bool:
        """Whether the region's registry scanning (enhanced, or a scan-on-push rule) covers a repository."""
        for r, config in self._items("ecr", "GetRegistryScanningConfiguration"):
            if r != region:
                continue
            scanning = config.get("scanningConfiguration") or {}
            for rule in scanning.get("rules", []):
                if rule.get("scanFrequency") not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
                    continue
                for f in rule.get("repositoryFilters", []):
                    if wildcard_match(f.get("filter", ""), repository):
                        return True
        return False

    @cached_property
    def secrets_manager(self) -> pd.DataFrame:
        rows = [
            {
                "region": r,
                "name": s.get("Name", ""),
                "arn": s.get("ARN", ""),
                "rotation_enabled": bool(s.get("RotationEnabled")),
                "last_accessed": parse_time(s.get("LastAccessedDate")),
                "created": parse_time(s.get("CreatedDate")),
            }
            for r, s in self._items("secretsmanager", "ListSecrets")
        ]
        cols = ["region", "name", "arn", "rotation_enabled", "last_accessed", "created"]
        return pd.DataFrame(rows, columns=cols, dtype=object).astype({"rotation_enabled": bool})

    @cached_property
    def code_repositories(self) -> pd.DataFrame:
        rows = [
            {"region": r, "name": x.get("repositoryName", "")} for r, x in self._items("codecommit", "ListRepositories")
        ]
        return pd.DataFrame(rows, columns=["region", "name"])

    # --- one frame of every detection ---------------------------------------------------------
    def _secret_name(self, name: str) -> bool:
        return any(re.search(p, name, re.I) for p in self.settings.secret_name_patterns)

    @cached_property
    def secret_detections(self) -> pd.DataFrame:
        """Every secret found: detector hits, plus variables whose *name* looks secret (not references).
        ``where`` says where it is (the collector's ``where``; else the variable's name; else ``line N``)."""
        rows: list[dict[str, Any]] = []

        def add(
            source: str,
            region: str,
            rtype: str,
            rid: str,
            name: str,
            secrets: list[dict[str, Any]],
            names: Sequence[str] = (),
            references: Sequence[str] = (),
            prefix: str = "",
        ) -> None:
            def row(where: str, kind: str, fingerprint: str) -> dict[str, Any]:
                return {
                    "source": source,
                    "region": region,
                    "resource_type": rtype,
                    "resource_id": rid,
                    "name": name,
                    "where": where,
                    "type": kind,
                    "fingerprint": fingerprint,
                }

            hit = set()
            for s in secrets:
                where = s.get("where") or s.get("name") or f"line {s.get('line')}"
                hit.update({where, s.get("name")})
                rows.append(row(where, s["type"], s["fingerprint"]))
            for variable in names:
                if variable not in hit and variable not in references and self._secret_name(variable):
                    rows.append(row(f"{prefix}{variable}", NAME_PATTERN, ""))

        for f in self.network.lambda_functions.to_dict("records"):
            add(
                "lambda",
                f["region"],
                "lambda_function",
                f["arn"],
                f["function_name"],
                f["secrets"],
                f["env_names"],
                f["references"],
            )
        for p in self.codebuild_projects.to_dict("records"):
            add(
                "codebuild",
                p["region"],
                "codebuild_project",
                p["arn"] or p["name"],
                p["name"],
                p["secrets"],
                p["plaintext_names"],
                p["references"],
                prefix="environmentVariables.",
            )
        for p in self.pipelines.to_dict("records"):
            rid = self.pipeline_id(p["region"], p["name"])
            add("codepipeline", p["region"], "codepipeline_pipeline", rid, p["name"], p["secrets"])
        for u in self.user_data.to_dict("records"):
            add("user_data", u["region"], "instance", u["instance_id"], u["name"], u["secrets"])
        cols = ["source", "region", "resource_type", "resource_id", "name", "where", "type", "fingerprint"]
        return pd.DataFrame(rows, columns=cols)
