"""RDS and Aurora: instances, clusters and DB subnet groups."""

from awsbp.collect.base import Api

SERVICE = "rds"
SCOPE = "regional"
ACTIONS = ["rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSubnetGroups"]
APIS = [
    Api("DescribeDBInstances", "DBInstances"),
    Api("DescribeDBClusters", "DBClusters"),
    Api("DescribeDBSubnetGroups", "DBSubnetGroups"),
]
