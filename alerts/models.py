"""Monitoring events (deduplicated alerts) live here once alert intake lands."""
