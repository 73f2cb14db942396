"""Import keeps annotators' versions apart: new versions added, differing ones kept, replaced or refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotations import store
from annotations.checking import check_database
from annotations.importing import ImportFailure, VersionConflicts, import_sources
from annotations.model import BASE, Answer, DocumentState, Version

ROOT = Path(__file__).resolve().parents[1]
PARIS = "Alice met Bob in Paris."
ROME = "Carol lives in Rome."


def span(text: str, word: str, label: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def alice_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "alice.jsonl",
        [
            {
                "text": PARIS,
                "spans": [span(PARIS, "Alice", "PERSON")],
                "answer": "accept",
                "_annotator_id": "alice",
            },
            {
                "text": ROME,
                "spans": [span(ROME, "Carol", "PERSON")],
                "answer": "accept",
                "_annotator_id": "alice",
            },
        ],
    )


def bob_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "bob.jsonl",
        [
            {
                "text": PARIS,
                "spans": [span(PARIS, "Alice", "PERSON"), span(PARIS, "Paris", "GPE")],
                "answer": "accept",
                "_annotator_id": "bob",
            },
            {"text": ROME, "spans": [], "answer": "reject", "_annotator_id": "bob"},
        ],
    )


def keys_of(db, document_id: int, version: Version) -> tuple[tuple[tuple[int, int, str], ...], Answer | None]:
    document = store.load_document(db, document_id, version)
    return tuple(s.key() for s in document.spans), document.answer


def document_of(db, text: str) -> int:
    return next(d.id for d in store.iter_documents(db, include_unanswered=True) if d.text == text)


def test_two_annotators_files_of_the_same_texts_make_one_document_each_with_two_versions(
    db, tmp_path
) -> None:
    first = import_sources(db, [alice_file(tmp_path)])
    second = import_sources(db, [bob_file(tmp_path)])
    assert (first.added, second.added, second.duplicates) == (2, 0, 0)
    assert second.new_versions == (("bob", 2),)
    assert second.versions_note() == "2 new versions (bob)"
    assert store.count_documents(db) == 2
    assert store.annotators(db) == ["alice", "bob"]
    paris = document_of(db, PARIS)
    assert keys_of(db, paris, Version.of("alice")) == (((0, 5, "PERSON"),), Answer.ACCEPT)
    assert keys_of(db, paris, Version.of("bob")) == (((0, 5, "PERSON"), (17, 22, "GPE")), Answer.ACCEPT)
    assert keys_of(db, document_of(db, ROME), Version.of("bob")) == ((), Answer.REJECT)
    assert keys_of(db, paris, BASE) == (((0, 5, "PERSON"),), Answer.ACCEPT)  # the base stays alice's file
    assert check_database(db) == []


def test_reimporting_the_same_files_changes_nothing(db, tmp_path) -> None:
    import_sources(db, [alice_file(tmp_path), bob_file(tmp_path)])
    before = [(r.version, r.state, r.rev) for d in (1, 2) for r in store.versions(db, d)]
    again = import_sources(db, [alice_file(tmp_path), bob_file(tmp_path)])
    assert (again.added, again.duplicates, again.new_versions) == (0, 4, ())
    assert [(r.version, r.state, r.rev) for d in (1, 2) for r in store.versions(db, d)] == before


def test_annotator_option_makes_a_files_records_that_persons_versions(db, tmp_path) -> None:
    import_sources(db, [alice_file(tmp_path)])
    report = import_sources(db, [bob_file(tmp_path)], annotator="carol")
    assert report.new_versions == (("carol", 2),)
    assert store.annotators(db) == ["alice", "carol"]  # --annotator overrides the file's _annotator_id
    assert keys_of(db, document_of(db, ROME), Version.of("carol")) == ((), Answer.REJECT)


def test_annotator_option_leaves_plain_text_records_alone(db, tmp_path) -> None:
    source = write_jsonl(tmp_path / "plain.jsonl", [{"text": PARIS}])
    import_sources(db, [alice_file(tmp_path)])
    report = import_sources(db, [source], annotator="carol")
    assert (report.added, report.duplicates, report.new_versions) == (0, 1, ())
    assert store.annotators(db) == ["alice"]


def test_an_empty_annotator_name_is_refused(db, tmp_path) -> None:
    with pytest.raises(ImportFailure, match="annotator name is empty"):
        import_sources(db, [alice_file(tmp_path)], annotator=" ")


def test_session_id_names_the_annotator_when_there_is_no_annotator_id(db, tmp_path) -> None:
    """Prodigy before v1.11 wrote only ``_session_id`` (since, both, with the same value)."""
    source = write_jsonl(
        tmp_path / "old.jsonl",
        [{"text": PARIS, "spans": [], "answer": "accept", "_session_id": "news-dana"}],
    )
    import_sources(db, [source])
    assert store.annotators(db) == ["news-dana"]


def differing_alice(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "alice2.jsonl",
        [
            {"text": "Something new.", "spans": [], "answer": "accept", "_annotator_id": "alice"},
            {"text": PARIS, "spans": [], "answer": "reject", "_annotator_id": "alice"},
        ],
    )


def test_a_differing_version_by_the_same_annotator_is_refused_naming_file_and_line(db, tmp_path) -> None:
    import_sources(db, [alice_file(tmp_path)])
    before = store.versions(db, 1)
    source = differing_alice(tmp_path)
    with pytest.raises(VersionConflicts) as raised:
        import_sources(db, [source])
    message = str(raised.value)
    assert f"{source}:2" in message and "alice" in message and "document 1" in message
    assert "--existing keep" in message and "--existing replace" in message
    assert store.count_documents(db) == 2  # all or nothing: the new text was not stored either
    assert store.versions(db, 1) == before


def test_existing_keep_leaves_the_stored_version_and_imports_the_rest(db, tmp_path) -> None:
    import_sources(db, [alice_file(tmp_path)])
    source = differing_alice(tmp_path)
    report = import_sources(db, [source], existing="keep")
    assert report.added == 1
    assert report.kept == (f"{source}:2",)
    assert keys_of(db, 1, Version.of("alice")) == (((0, 5, "PERSON"),), Answer.ACCEPT)


def test_existing_replace_writes_the_files_version_as_one_import_event(db, tmp_path) -> None:
    import_sources(db, [alice_file(tmp_path)])
    source = differing_alice(tmp_path)
    report = import_sources(db, [source], existing="replace")
    assert report.replaced == (f"{source}:2",)
    alice = Version.of("alice")
    assert keys_of(db, 1, alice) == ((), Answer.REJECT)
    events = store.history(db, 1, alice)
    assert [e["kind"] for e in events] == ["import"]
    states = store.replay_history(db, 1, alice)
    assert states == [DocumentState((), Answer.REJECT)]
    assert store.current_rev(db, 1, alice) == 1
    assert keys_of(db, 1, BASE) == (((0, 5, "PERSON"),), Answer.ACCEPT)  # the base is never edited
    assert check_database(db) == []
    again = import_sources(db, [source], existing="replace")  # now the same: nothing more happens
    assert again.replaced == () and len(store.history(db, 1, alice)) == 1


def test_two_records_of_one_file_by_one_annotator_that_differ_are_a_conflict(db, tmp_path) -> None:
    source = write_jsonl(
        tmp_path / "twice.jsonl",
        [
            {"text": PARIS, "spans": [], "answer": "accept", "_annotator_id": "erin"},
            {
                "text": PARIS,
                "spans": [span(PARIS, "Bob", "PERSON")],
                "answer": "accept",
                "_annotator_id": "erin",
            },
        ],
    )
    with pytest.raises(
        VersionConflicts, match=f"^{source}:2: erin.s version of this text differs from {source}:1"
    ):
        import_sources(db, [source])
    assert store.count_documents(db) == 0
    import_sources(db, [source], existing="replace")
    assert keys_of(db, 1, Version.of("erin")) == (((10, 13, "PERSON"),), Answer.ACCEPT)


def test_records_without_annotator_keep_the_old_rule(db, tmp_path) -> None:
    """A differing record naming nobody is reported and not imported, as before versions."""
    import_sources(db, [alice_file(tmp_path)])
    source = write_jsonl(tmp_path / "anon.jsonl", [{"text": PARIS, "spans": [], "answer": "reject"}])
    report = import_sources(db, [source])
    assert report.differing == (f"{source}:1",)
    assert store.annotators(db) == ["alice"]


def spandesk(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from annotations.cli import main; sys.argv[0] = 'spandesk'; main()"
    command = [sys.executable, "-c", code, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_cli_reports_new_versions_and_refuses_differing_ones(tmp_path) -> None:
    db = str(tmp_path / "cli.db")
    assert spandesk("import", str(alice_file(tmp_path)), "--db", db, cwd=tmp_path).returncode == 0
    added = spandesk("import", str(bob_file(tmp_path)), "--db", db, cwd=tmp_path)
    assert "Imported 0 documents into 'default', 2 new versions (bob); 0 already there." in added.stdout
    source = differing_alice(tmp_path)
    refused = spandesk("import", str(source), "--db", db, cwd=tmp_path)
    assert refused.returncode == 1
    assert f"{source}:2" in refused.stderr and "--existing replace" in refused.stderr
    assert "Traceback" not in refused.stderr
    replaced = spandesk("import", str(source), "--db", db, "--existing", "replace", cwd=tmp_path)
    assert "replaced 1 stored version" in replaced.stdout
    assert spandesk("check", "--db", db, cwd=tmp_path).returncode == 0


def test_distinct_texts_whose_digests_match_are_refused_for_annotators_too(db, tmp_path, monkeypatch) -> None:
    from annotations import hashing

    monkeypatch.setattr(hashing, "text_digest", lambda text: b"same digest for every text")
    source = write_jsonl(
        tmp_path / "two.jsonl",
        [
            {"text": PARIS, "spans": [], "answer": "accept", "_annotator_id": "alice"},
            {"text": ROME, "spans": [], "answer": "accept", "_annotator_id": "bob"},
        ],
    )
    with pytest.raises(ImportFailure, match=r"two\.jsonl:2: its text differs from a stored text"):
        import_sources(db, [source])
    assert store.count_documents(db) == 0
