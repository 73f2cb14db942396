"""Read-only tables of rows (search hits, an apply-everywhere preview): one look for both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget

Table = TypeVar("Table", bound=QTableWidget)


def row_table(table: Table, headings: Sequence[str], widths: Sequence[int]) -> Table:
    """``table`` set up to show whole rows, one selected at a time, not editable, with these headings and
    first column widths (the last column takes the rest); Tab leaves it rather than walking its cells."""
    table.setColumnCount(len(headings))
    table.setHorizontalHeaderLabels(list(headings))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    header.setStretchLastSection(True)
    return table
