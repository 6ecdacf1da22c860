"""ECR: repositories (scan on push, tag mutability) and the registry's scanning configuration."""

from awsbp.collect.base import Api

SERVICE = "ecr"
SCOPE = "regional"
ACTIONS = ["ecr:DescribeRepositories", "ecr:GetRegistryScanningConfiguration"]
APIS = [
    Api("DescribeRepositories", "repositories"),
    Api(
        "GetRegistryScanningConfiguration",
        fetch=lambda c: [{k: v for k, v in c.get_registry_scanning_configuration().items() if k != "ResponseMetadata"}],
    ),
]
