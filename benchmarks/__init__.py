"""Timing runs beside the tests: each reports medians and p99 as ratios to a floor measured in the same run."""
