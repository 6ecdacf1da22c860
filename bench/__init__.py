"""Benchmark of awsbp's collection, analysis and rendering on synthetic accounts, side by side with Prowler."""
