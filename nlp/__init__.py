"""Tagging for Policy Radar: taxonomy (YAML) → spaCy pipeline → `Tag`s.

Kept light on purpose: importing `nlp` does not import spaCy. Use `nlp.tagger.get_tagger()` or
`nlp.tagger.tag(title, teaser, body)`; see docs/taxonomy.md.
"""
