"""Build the spaCy pipeline from the taxonomy: `spacy.blank("de")` + our registered components.

Everything is chosen in a config (tokenizer, components, taxonomy directory) so the pipeline can be
inspected with `nlp.config.to_str()`; no model is loaded or downloaded.
"""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

import nlp.components  # noqa: F401  (registers the tokenizer and the factories)
import nlp.orgs  # noqa: F401  (registers radar_orgs)
from nlp.taxonomy import DEFAULT_DIR

CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "radar.tokenizer.v1"}}}


def build_pipeline(taxonomy_dir: Path | None = None, write_spans: bool = True, keep_candidates: bool = False) -> Language:
    """A blank German pipeline that tags with the taxonomy in `taxonomy_dir` (default: packaged).

    Mentions land in `doc.spans["radar"]` (when `write_spans`) and `doc.user_data["radar"]`; organisations
    the register does not know in `doc.spans["radar_orgs"]` / `doc.user_data["radar_orgs"]`;
    `keep_candidates` also keeps every overlapping candidate in `doc.spans["radar_candidates"]`.
    """
    directory = str(Path(taxonomy_dir or DEFAULT_DIR).resolve())
    nlp = spacy.blank("de", config=CONFIG)
    nlp.add_pipe("radar_matcher", config={"taxonomy_dir": directory, "write_spans": write_spans,
                                          "keep_candidates": keep_candidates})
    nlp.add_pipe("radar_orgs", config={"write_spans": write_spans})
    return nlp
