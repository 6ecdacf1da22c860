"""Application and Network Load Balancers (elbv2)."""

from awsbp.collect.base import Api

SERVICE = "elbv2"
SCOPE = "regional"
ACTIONS = ["elasticloadbalancing:DescribeLoadBalancers"]
APIS = [Api("DescribeLoadBalancers", "LoadBalancers")]
