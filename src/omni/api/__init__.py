"""The JSON API at /api/v1/: one router per domain, one error shape for every failure."""
