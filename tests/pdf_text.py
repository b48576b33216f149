"""A PDF's text as the tests read it, with pypdf."""

import re
import unicodedata

from pypdf import PdfReader


def pdf_pages(path) -> list[str]:
    """Each page's text with its words single-spaced (Qt places words one by one) and ligatures ("ﬁ") and the
    ellipsis ("…") in plain letters (NFKC)."""
    return [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", page.extract_text())) for page in PdfReader(path).pages]
