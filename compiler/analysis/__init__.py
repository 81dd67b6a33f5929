"""Bias metrics on data: pre-flight checks, Clarify's post-training metrics, baselines, capture merge."""
