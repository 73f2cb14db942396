"""spandesk's Qt front end: a thin window over the core (``annotations``), which it imports first.

The core modules the window uses are imported here, before PySide6: PySide6 installs an import hook
that reads the source of every module imported after it (~0.2 ms a module; ~30 of the core's at start).
"""

from annotations import annotator_names, label_edits, resources, session  # noqa: F401  (see above)
