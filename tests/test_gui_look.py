"""The document's look (issue 15): readable label tags, the model's proposals told apart from the person's
without a link-like underline, no text moving when spans change, and the same at 200% scaling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gui_helpers import make_database, open_window
from look_driver import caret_rect, geometry_problems
from PySide6.QtCore import QPoint, QRectF
from PySide6.QtGui import QColor, QFont, QTextCharFormat

from annotations.labels import colour_for, default_colours
from annotations.model import Span, SpanSource
from gui.span_style import MIN_CONTRAST, SpanStyle, contrast_ratio, text_colour_on

REPO = Path(__file__).resolve().parents[1]
# an emoji (two UTF-16 units) before the spans; a paragraph long enough to wrap; a second paragraph
TEXT = (
    "🙂 Yesterday Anna Berg flew from Paris to Berlin with Marc Olsen, and the people of Lyon and Oslo "
    "watched the whole long trip on television while the weather stayed calm over Europe all day.\n"
    "Later that week Paris answered Berlin in kind."
)


def _at(word: str, label: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return Span(start, start + len(word), label)


MODEL_SPANS = [_at("Anna Berg", "PERSON"), _at("Paris", "GPE"), _at("Lyon", "GPE"), _at("Europe", "LOC")]


@pytest.fixture
def window(qtbot, tmp_path: Path):
    path = tmp_path / "look.db"
    make_database(path, [TEXT], [MODEL_SPANS])
    window = open_window(qtbot, path)
    window.resize(900, 600)
    window.view.repaint()
    return window


def test_text_colour_on_picks_the_readable_one():
    assert text_colour_on("#ffeb80") == "#000000"  # displaCy's EVENT yellow
    assert text_colour_on("#1f3a93") == "#ffffff"
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("selected", [False, True], ids=["plain", "selected"])
@pytest.mark.parametrize("source", [SpanSource.MODEL, SpanSource.HUMAN])
def test_every_label_tag_reads_at_4_5_to_1(qtbot, source, selected):
    """Every bundled label colour, a custom label's derived colour and a mid grey chosen by hand."""
    colours = {**default_colours(), "MY_CUSTOM_LABEL": colour_for("MY_CUSTOM_LABEL"), "GREY": "#767676"}
    style = SpanStyle(QFont())
    style.set_colours(colours)
    for label in colours:
        look = style.look(Span(0, 1, label, source), selected)
        ratio = contrast_ratio(look.tag_text.name(), look.tag_fill.name())
        assert ratio >= MIN_CONTRAST, (label, look.tag_text.name(), look.tag_fill.name(), ratio)
        if look.text is not None:  # the selected span's own text on its darker mark
            assert contrast_ratio(look.text.name(), look.fill.name()) >= MIN_CONTRAST, label


def _row_colours(image, box: QRectF, y: float) -> list[str]:
    row = round(y)
    return [image.pixelColor(x, row).name() for x in range(round(box.left()) + 1, round(box.right()) - 1)]


def test_model_proposals_and_the_persons_spans_differ_at_a_glance_without_underline(window):
    view = window.view
    person = window.controller.add_span(*_at("Berlin", "GPE").key()[:2], "GPE")  # a GPE of the person's
    assert person is not None and person.source is SpanSource.HUMAN
    view.select_span(None)
    view.repaint()
    image = view.viewport().grab().toImage()
    pieces = {
        view.span_index.spans[p.index].key(): p for p in view._mark_pieces(QRectF(view.viewport().rect()))
    }
    model_piece, person_piece = pieces[_at("Paris", "GPE").key()], pieces[person.key()]
    model_fill, person_fill = model_piece.look.fill.name(), person_piece.look.fill.name()
    assert model_fill != person_fill
    # the fills are what is on screen between the letters
    assert model_fill in _row_colours(image, model_piece.box, model_piece.box.center().y())
    assert person_fill in _row_colours(image, person_piece.box, person_piece.box.center().y())
    # the model's mark has a dashed border (dark and light pixels alternate along its bottom edge),
    # the person's none
    top = _row_colours(image, model_piece.box, model_piece.box.bottom() - 1)
    dark = [c for c in top if QColor(c).lightness() < QColor(model_fill).lightness() - 40]
    assert 0 < len(dark) < len(top)
    assert person_piece.look.border is None
    person_top = _row_colours(image, person_piece.box, person_piece.box.bottom() - 1)
    assert not [c for c in person_top if QColor(c).lightness() < QColor(person_fill).lightness() - 40]
    # and no text is underlined (an underline reads as a link)
    for number in range(view.document().blockCount()):
        for formats in view.document().findBlockByNumber(number).layout().formats():
            style = formats.format.underlineStyle()
            assert style == QTextCharFormat.UnderlineStyle.NoUnderline and not formats.format.fontUnderline()


def _positions(view) -> list[tuple[int, int]]:
    """Where some characters after the spans are drawn (the end of each word of the last paragraph too)."""
    offsets = [TEXT.index("flew"), TEXT.index("watched"), TEXT.index("calm"), TEXT.index("kind"), len(TEXT)]
    return [(caret_rect(view, o).left(), caret_rect(view, o).top()) for o in offsets]


def test_deleting_relabelling_or_adding_a_span_moves_no_text(window):
    view, controller = window.view, window.controller
    before = _positions(view)
    height = view.document().documentLayout().documentSize().height()
    controller.remove_span(view.span_index.spans[0])  # Anna Berg
    window.view.repaint()
    assert _positions(view) == before
    controller.relabel(view.span_index.spans[0], "LOC")  # Paris: GPE -> LOC, a longer tag
    window.view.repaint()
    assert _positions(view) == before
    assert controller.add_span(*_at("Marc Olsen", "PERSON").key()[:2], "PERSON") is not None
    window.view.repaint()
    assert _positions(view) == before
    assert view.document().documentLayout().documentSize().height() == height


def test_lines_have_room_for_the_tags_and_clicks_find_spans(window):
    view = window.view
    problems, checked = geometry_problems(view)
    assert problems == [] and checked == len(MODEL_SPANS)
    line = caret_rect(view, TEXT.index("Paris"))
    text_height = view.fontMetrics().height()
    assert line.height() >= 1.8 * text_height  # room between lines: marks never touch the next line


def painted_tags(qtbot, tmp_path: Path, text: str, spans: list[Span]):
    """The document view showing ``text`` with ``spans``, and the label tags it paints (one a span)."""
    make_database(tmp_path / "tags.db", [text], [spans])
    window = open_window(qtbot, tmp_path / "tags.db")
    window.resize(1000, 600)
    view = window.view
    tags = view._tags(view._mark_pieces(QRectF(view.viewport().rect())))
    assert len(tags) == len(spans)
    return view, tags


def test_tags_of_short_spans_side_by_side_never_overlap(qtbot, tmp_path: Path):
    text = "Talks in US, UK and NZ: Al, Bo and Cy met. New York City was calm."
    spans = [Span(text.index(word), text.index(word) + len(word), label) for word, label in (
        ("US", "GPE"), ("UK", "GPE"), ("NZ", "GPE"), ("Al", "PERSON"), ("Bo", "PERSON"), ("Cy", "PERSON"),
        ("New York", "GPE"), ("New York City", "LOCATION"),
    )]  # fmt: skip
    view, tags = painted_tags(qtbot, tmp_path, text, spans)
    boxes = sorted((box.top(), box.left(), box.right(), label) for _, label, box in tags)
    for (top, left, right, label), (next_top, next_left, _, _) in zip(boxes, boxes[1:]):
        if next_top == top and next_left > left:
            assert right <= next_left, f"the tag of {label} runs into the next one"
    full = {label: box.width() == view.style.tag_width(label) for _, label, box in tags}
    assert full["GPE"] and full["LOCATION"]  # room enough, or nested spans: no tag is cut for nothing
    assert any(box.width() < view.style.tag_width("PERSON") for _, label, box in tags if label == "PERSON")


@pytest.mark.parametrize("scale", ["1", "2"])
def test_at_200_percent_clicks_offsets_and_tags_stay_right(tmp_path: Path, scale):
    path = tmp_path / "look.db"
    make_database(path, [TEXT], [MODEL_SPANS])
    environment = {**os.environ, "QT_SCALE_FACTOR": scale, "QT_QPA_PLATFORM": "offscreen"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "look_driver.py"), str(path)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr
    assert lines == [f"CHECKED {len(MODEL_SPANS)} scale={scale}"], result.stdout + result.stderr


CHINESE = (
    "北京市是中华人民共和国的首都，也是全国的政治中心和文化中心。习近平主席昨天在北京会见了法国总统马克龙，"
    "双方讨论了气候变化和贸易问题。上海和深圳的代表也参加了会议，会议持续了三个小时。\r\n东京の会議にも出席した。"
)


def test_chinese_and_japanese_lines_have_room_for_the_tags_and_copy_the_stored_text(qtbot, tmp_path: Path):
    words = [("北京市", "GPE"), ("马克龙", "PERSON"), ("上海", "GPE"), ("深圳", "GPE"), ("东京", "GPE")]
    spans = [Span(CHINESE.index(word), CHINESE.index(word) + len(word), label) for word, label in words]
    make_database(tmp_path / "zh.db", [CHINESE], [spans])
    window = open_window(qtbot, tmp_path / "zh.db")
    window.resize(700, 600)  # the paragraph wraps over several lines, none of them with a space
    view = window.view
    view.repaint()
    assert view.document().firstBlock().layout().lineCount() >= 3
    problems, checked = geometry_problems(view)
    assert problems == [] and checked == len(spans)
    cursor = view.textCursor()
    cursor.setPosition(view.display.to_qt(CHINESE.index("上海")))
    cursor.setPosition(view.display.to_qt(len(CHINESE)), cursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    assert view.createMimeDataFromSelection().text() == CHINESE[CHINESE.index("上海") :]


RIGHT_TO_LEFT = (
    "Yesterday דוד כהן met محمد علي in Paris.\nשלום, דוד כהן הלך הביתה עם שרה לוי היום בבוקר.\n"
    "ذهب محمد علي إلى القاهرة مع فاطمة."
)


def test_a_span_in_right_to_left_text_is_found_by_a_click_and_a_hover(qtbot, tmp_path: Path):
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QToolTip

    words = [("דוד כהן", 0), ("محمد علي", 0), ("דוד כהן", 1), ("שרה לוי", 0), ("القاهرة", 0), ("محمد علي", 1)]
    starts = [RIGHT_TO_LEFT.index(word) if n == 0 else RIGHT_TO_LEFT.rindex(word) for word, n in words]
    spans = sorted(Span(start, start + len(word), "PERSON") for start, (word, _) in zip(starts, words))
    make_database(tmp_path / "rtl.db", [RIGHT_TO_LEFT], [spans])
    window = open_window(qtbot, tmp_path / "rtl.db")
    window.resize(1000, 600)
    view = window.view
    view.repaint()
    for span in spans:  # the middle of its text, whichever way it runs (Hebrew, Arabic lines; in English)
        first, last = caret_rect(view, span.start + 1), caret_rect(view, span.end - 1)
        inside = QPoint((first.center().x() + last.center().x()) // 2, first.center().y())
        assert view.span_at(inside) == span
        QApplication.sendEvent(
            view.viewport(), QHelpEvent(QEvent.Type.ToolTip, inside, view.mapToGlobal(inside))
        )
        assert QToolTip.text().startswith(f"PERSON {span.start}-{span.end},")
        QToolTip.hideText()
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=inside)
        selected = view.selected
        assert selected is not None and (selected.start, selected.end) == (span.start, span.end)


@pytest.mark.parametrize(
    ("text", "right_to_left"),
    [
        ("Berlin and Paris", False),  # ASCII: never looked at by the pattern
        ("Zürich, Kraków, naïve café", False),
        ("北京和东京 👏 🙄", False),
        ("Meet דוד כהן today", True),  # Hebrew
        ("Meet محمد علي today", True),  # Arabic
        ("Arabic presentation form \ufe8d", True),
        ("Phoenician \U00010900", True),  # beyond the BMP
        ("Adlam \U0001e900", True),
    ],
)
def test_lines_holding_right_to_left_letters_are_told_apart(text: str, right_to_left: bool):
    from gui.document_view import _has_right_to_left

    assert _has_right_to_left(text) is right_to_left


def test_the_tags_of_spans_starting_together_never_run_into_a_span_starting_inside_them(
    qtbot, tmp_path: Path
):
    text = "Talks in New York City went on. Al, Bo and Cy met."
    spans = sorted(
        Span(text.index(word), text.index(word) + len(word), label)
        for word, label in (("New York City", "LOCATION"), ("New York", "GPE"), ("York", "PERSON"),
                            ("Al", "PERSON"), ("Al, Bo", "ORGANIZATION"), ("Bo", "PERSON"))
    )  # fmt: skip
    view, tags = painted_tags(qtbot, tmp_path, text, spans)
    for _, label, box in tags:
        for _, other_label, other in tags:
            if other.top() == box.top() and box.left() < other.left():
                assert box.right() <= other.left(), f"the tag of {label} runs into the tag of {other_label}"


@pytest.mark.parametrize("width", [420, 700, 1000])
def test_every_line_of_a_long_chinese_paragraph_has_room_for_the_tags(qtbot, tmp_path: Path, width):
    """Room makers come every few characters, not after each: every line still holds one."""
    text = CHINESE.replace("\r\n", "") * 20 + "东京。"
    make_database(tmp_path / "long.db", [text])
    window = open_window(qtbot, tmp_path / "long.db")
    window.resize(width, 600)
    view = window.view
    view.repaint()
    text_height = view.fontMetrics().height()
    layout = view.document().firstBlock().layout()
    assert layout.lineCount() >= 20
    short = [n for n in range(layout.lineCount()) if layout.lineAt(n).height() < 1.8 * text_height]
    assert short == [], f"lines without room for the tags: {short} of {layout.lineCount()}"
