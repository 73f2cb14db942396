"""``spandesk stats``' comparison of models: how many of each model's spans people kept exactly."""

from __future__ import annotations

from collections.abc import Sequence

from annotations.store import ModelKept


def format_models_kept(rows: Sequence[ModelKept]) -> str:
    """A table: per model, answered documents, spans it proposed on them, spans kept (label and offsets
    the same in the current version) and the share kept; empty when no model's predictions meet an
    answered document."""
    if len(rows) == 0:
        return ""
    header = ("Model", "Answered documents", "Proposed", "Kept exactly", "Kept")
    lines = [header] + [
        (
            r.model,
            str(r.documents),
            str(r.proposed),
            str(r.kept),
            f"{r.kept / r.proposed:.0%}" if r.proposed else "-",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    return "Models on the answered documents (spans people kept exactly):\n" + "\n".join(text)
