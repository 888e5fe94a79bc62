"""Stages that run after segmentation and write their own files into the index directory.

Each stage takes the documents and the temporary index directory, may enrich the documents
(e.g. clause amounts) and may add files; the pipeline then writes documents and the manifest.
"""

from __future__ import annotations

from pathlib import Path

from .models import Document
from .settings import Settings


def run_stages(
    documents: list[Document],
    out: Path,
    settings: Settings,
    progress: object,
    stages: dict[str, float],
) -> list[Document]:
    """Run the post-segmentation stages in order."""
    return documents
