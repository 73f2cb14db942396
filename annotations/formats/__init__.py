"""File formats as pure functions: readers yield Records, writers turn Documents into records or Docs."""
