"""Pure text handling of the German search (no SQLite): words, compounds, the indexed form of a
text, the query parser and highlighting. Every function runs in time linear in its input, without
recursion on its size (docs/search.md, "Hostile input"); db/search.py builds the index with it."""
