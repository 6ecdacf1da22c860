"""Classic Load Balancers (elb)."""

from awsbp.collect.base import Api

SERVICE = "elb"
SCOPE = "regional"
ACTIONS = ["elasticloadbalancing:DescribeLoadBalancers"]
APIS = [Api("DescribeLoadBalancers", "LoadBalancerDescriptions")]
