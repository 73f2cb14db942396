"""The keyboard shortcuts, as one table: shown in Help ▸ Keyboard shortcuts and in docs/shortcuts.md."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

SHORTCUTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Answer and move",
        (
            ("A", "Accept the document and go to the next one"),
            ("X", "Reject the document and go to the next one"),
            ("Space", "Ignore the document and go to the next one"),
            ("Right / Page Down", "Next document, without answering"),
            ("Left / Page Up", "Previous document, without answering"),
            ("Ctrl+Z", "Undo the last edit or answer (in any document)"),
            ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
        ),
    ),
    (
        "Search and apply everywhere",
        (
            ("Ctrl+F", "Find in all documents (the search panel; its box takes the keys)"),
            ("Down, then Up / Down", "From the search box to the hits, and along them"),
            ("Enter / double-click a hit", "Open its document with the match selected"),
            ("Enter / click a queue row", "Open that document"),
            ("Escape (in the search panel)", "Back to the document (with its box empty, the panel closes)"),
            ("Ctrl+Shift+A", "After a correction: preview it at the other occurrences of its text"),
            ("Space (in the preview)", "Check or uncheck the selected occurrence"),
            ("Enter / Escape (in the preview)", "Apply to the checked occurrences / cancel"),
            (
                "Ctrl+Z after applying",
                "Undo the whole apply-everywhere (Edit ▸ Undo last apply-everywhere after a restart)",
            ),
        ),
    ),
    (
        "Getting there",
        (
            (
                "/ , a few letters, Enter",
                "Find in this document: select the span or token where the text starts",
            ),
            ("/ , letters, Ctrl+Enter", "Select exactly the text found (also inside a token)"),
            ("/ then Enter, F3 / Shift+F3", "Find the same text again: next / previous place"),
            ("Escape (in the find box)", "Cancel the find"),
            ("Ctrl+Down / Ctrl+Up", "Keyboard selection on the first word of the next / previous paragraph"),
            ("] / [", "Select the next / previous span of the selected span's label (else the active one)"),
            (
                "Edit ▸ Token steps skip punctuation",
                "On by default: Ctrl+arrows and Shift+arrows pass over tokens of punctuation alone",
            ),
        ),
    ),
    (
        "Labels",
        (
            (
                "1 … 9, 0",
                "Relabel the selected span or label the keyboard selection (the active label stays);"
                " with neither, choose the active label",
            ),
            ("L, a few letters, Enter", "The label picker: any label, the same way as a number key"),
            ("Click a label", "Relabel the selected span; with none selected, choose the active label"),
            ("Right-click a label", "Change the label's colour (kept in the database)"),
            ("Filter box", "Show only the labels whose name contains the text"),
        ),
    ),
    (
        "Spans with the mouse",
        (
            ("Drag over text", "Label it with the active label (snaps to whole tokens)"),
            ("Alt + drag", "Label single characters (snaps to user-perceived characters)"),
            ("Edit ▸ Select characters", "Make character selection the default"),
            ("Double-click a word", "Label that word with the active label"),
            ("Click a span", "Select it"),
        ),
    ),
    (
        "Spans with the keyboard",
        (
            ("Tab / Shift+Tab", "Select the next / previous span"),
            (
                "Ctrl+Tab / Ctrl+Shift+Tab",
                "Select the next / previous span, least certain (the model's) first",
            ),
            ("Delete / Backspace", "Delete the selected span"),
            ("Shift+Right / Shift+Left", "Move the selected span's end one token right / left"),
            ("Ctrl+Shift+Left / Ctrl+Shift+Right", "Move the selected span's start one token left / right"),
            ("Ctrl+Right / Ctrl+Left", "Put the keyboard selection on the next / previous token"),
            (
                "Shift+Right / Shift+Left (no span selected)",
                "Grow / shrink the keyboard selection by a token",
            ),
            (
                "Ctrl+Shift+Right / Ctrl+Shift+Left (no span selected)",
                "Move the keyboard selection's start by a token",
            ),
            ("C (Edit ▸ Select characters)", "Shift and Ctrl+Shift arrows move edges by one character"),
            ("Enter", "Label the keyboard selection with the active label"),
            ("Escape", "Clear the selection"),
            (
                "Ctrl+Shift+Delete",
                "Delete every span of the selected span's label (none selected: the picker asks which);"
                " one Ctrl+Z brings them back",
            ),
            ("Ctrl+Shift+Backspace", "Clear the document: delete every span (one Ctrl+Z brings them back)"),
            ("Up / Down", "Scroll"),
        ),
    ),
    (
        "Review (Review ▸ Review disagreements)",
        (
            ("Ctrl+R", "Enter or leave review mode"),
            ("Tab / Shift+Tab", "In review mode: go to the next / previous disagreement"),
            (
                "1 … 9, 0",
                "In review mode, at a disagreement: take annotator 1 … 9's (0: the tenth's) proposal"
                " (numbered in the panel)",
            ),
            ("A / X / Space", "Accept / reject / ignore the reviewed version"),
        ),
    ),
)


def shortcuts_markdown() -> str:
    """The shortcut sheet as Markdown (docs/shortcuts.md)."""
    lines = [
        "# Keyboard shortcuts",
        "",
        "Every edit is saved the moment it is made; there is no Save button.",
        "",
    ]
    for title, rows in SHORTCUTS:
        lines += [f"## {title}", "", "| Key | Does |", "|---|---|"]
        lines += [f"| {key} | {does} |" for key, does in rows]
        lines.append("")
    lines.append(
        "Spans the model proposed have a light fill inside a dashed border; your own are filled solid."
    )
    return "\n".join(lines) + "\n"


def shortcuts_html() -> str:
    """The shortcut sheet as HTML (the Help dialog)."""
    parts = ["<style>td{padding:3px 12px 3px 0} th{text-align:left;padding-top:10px}</style><table>"]
    for title, rows in SHORTCUTS:
        parts.append(f"<tr><th colspan=2>{title}</th></tr>")
        parts += [f"<tr><td><b>{key}</b></td><td>{does}</td></tr>" for key, does in rows]
    parts.append("</table><p>Model proposals: light fill, dashed border. Your spans: filled solid.</p>")
    return "".join(parts)


class ShortcutSheet(QDialog):
    """The shortcut sheet in a scrollable, non-modal window (Help ▸ Keyboard shortcuts, F1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 640)
        self.browser = QTextBrowser()
        self.browser.setHtml(shortcuts_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.browser)
        column.addWidget(buttons)

    def text(self) -> str:
        """The sheet as plain text."""
        return self.browser.toPlainText()
