"""File formats as pure functions: readers yield Records, writers turn Documents into records or Docs."""

from typing import Literal

Format = Literal["prodigy", "doccano", "spacy"]
FORMATS: tuple[Format, ...] = ("prodigy", "doccano", "spacy")  # what ``spandesk export`` writes
