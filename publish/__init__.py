"""Publishing the archive with Datasette: metadata, templates and a small plugin."""
