"""Simulated AWS account(s) for ``awsbp demo``: a local moto server and the seeding of a small company's world."""
