"""API tokens and webhook subscriptions live here once the API lands."""
