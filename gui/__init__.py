"""spandesk's Qt front end: a thin window over the core (``annotations``), which it imports first.

The core (and sqlite-utils with its dependencies) is imported before PySide6 because PySide6
installs an import hook that reads the source of every module imported after it.
"""

import annotations  # noqa: F401  (the core first: see above)
