"""Datasette plugin hooks for Policy Radar (registered via the `datasette` entry point)."""
