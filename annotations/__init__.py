"""spandesk's core: the data model, the store, pre-annotation, import, export and the CLI (no Qt)."""

__version__ = "0.1.0"
