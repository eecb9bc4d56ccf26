"""Hardening that applies to every request: security headers and rate limits (middleware)."""
