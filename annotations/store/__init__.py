"""The SQLite store: opening a database and the functions that read and write it, one module per concern.

Every access goes through sqlite-utils. Each edit is one short write transaction with one history
event; the model's predictions are written once and never changed. Callers use this package's names
(``store.open_store``, ``store.write_state``); the modules are:

- ``connection``: opening (WAL, busy timeout, migrations, refusing what is not ours), transactions
- ``errors``: StoreError and the errors naming a row or a document
- ``encoding``: the JSON forms of spans, tokens and history changes
- ``documents``: datasets and documents: loading, streaming
- ``new_documents``: storing new documents and new versions
- ``queue``: the document queue and the answer counts
- ``edits``: edits (one transaction, one history event each) and replaying the history
- ``versions``: who has a version of what, and every version of a document
- ``versions_by_document``: every document with several versions, streamed (agreement, statistics)
- ``versions_by_text``: stored documents found by their text, with every version (imports)
- ``review_queue``: the documents several annotators have a version of, with their reviewed version's answer
- ``settings``: labels and settings
- ``batches``: changes made to many documents at once (apply everywhere) and their undo
- ``predictions``: several models' predictions with confidence, documents' doubt, pending bases
- ``scored_predictions``: storing a model's predictions with their confidence, and the documents' doubt
- ``kept_proposals``: how many of each model's proposals people kept
- ``transfer``: copying documents and versions between databases (assign, merge)
- ``models``: the models trained from the corrections (``spandesk train``)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name -> the module defining it, imported on the name's first use (PEP 562): opening the window
# imports only the modules showing the first document needs (connection, queue, documents, settings),
# not batches, predictions, transfer, models... (``tests/test_startup_imports.py``).
_MODULES: dict[str, tuple[str, ...]] = {
    "batches": (
        "Batch",
        "batch",
        "batch_events",
        "last_undoable_batch",
        "new_batch",
        "recent_batches",
    ),
    "connection": (
        "BUSY_TIMEOUT_SECONDS",
        "backup",
        "database_file",
        "database_path",
        "describe_error",
        "free_to_write",
        "open_store",
        "read_snapshot",
        "wait_to_write",
        "write_transaction",
    ),
    "documents": (
        "DocumentRow",
        "Versions",
        "check_stored_span_bounds",
        "damaged_document",
        "dataset_id",
        "dataset_names",
        "documents_from",
        "ensure_dataset",
        "holds_same_texts",
        "iter_document_rows",
        "iter_documents",
        "load_document",
        "model_names",
    ),
    "edits": (
        "apply_state",
        "current_rev",
        "history",
        "replay_events",
        "replay_history",
        "version_id",
        "write_state",
    ),
    "encoding": (
        "decode_change",
        "decode_object",
        "decode_span_keys",
        "decode_spans",
        "decode_token_offsets",
        "decode_tokens",
        "encode_change",
        "encode_spans",
        "encode_tokens",
        "prepare_to_edit",
    ),
    "errors": (
        "DECODE_ERRORS",
        "DamagedRow",
        "EditConflict",
        "HistoryMismatch",
        "StoreError",
    ),
    "kept_proposals": ("ModelKept", "models_kept"),
    "keyset": (
        "BY_ID",
        "QueueKey",
        "QueueOrder",
    ),
    "models": (
        "ModelRow",
        "NewModel",
        "count_models",
        "register_model",
        "registered_model",
        "registered_models",
    ),
    "new_documents": (
        "EncodedDocument",
        "NewDocument",
        "Prediction",
        "encode_documents",
        "insert_documents",
        "insert_encoded",
        "insert_version",
    ),
    "predictions": (
        "BY_DOUBT",
        "ProposedBy",
        "REANNOTATE_EVENT",
        "count_texts",
        "document_texts",
        "has_doubt",
        "models_latest_first",
        "pending_base",
        "proposed_by",
        "shows_base",
    ),
    "queue": (
        "answer_counts",
        "count_queue",
        "counted_answers",
        "document_ids",
        "document_previews",
        "newest_document_id",
        "queue_page",
        "queue_rows",
    ),
    "quick_open": ("finish_opening",),
    "review_queue": (
        "count_review_queue",
        "count_reviewed",
        "review_counts",
        "review_ids",
        "review_page",
        "review_rows",
    ),
    "scored_predictions": ("ScoredPrediction", "store_prediction"),
    "settings": (
        "add_labels",
        "get_setting",
        "labels",
        "set_label_colour",
        "set_setting",
    ),
    "transfer": (
        "MergeCounts",
        "MergeRefused",
        "assignable_documents",
        "attach_limit",
        "attached",
        "copy_assignment",
        "is_older",
        "merge_source",
        "upgraded_copy",
    ),
    "versions": (
        "ANNOTATOR_KINDS",
        "VersionRow",
        "annotator_revs",
        "annotators",
        "answer_events",
        "base_annotators",
        "chosen_answer_counts",
        "count_documents",
        "unreviewed_disagreements",
        "versions",
    ),
    "versions_by_document": ("DocumentVersions", "document_versions"),
    "versions_by_text": ("TextVersions", "document_of_text", "text_versions"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

# The one name that is also a module's: importing ``annotations.store.versions`` (which the first document
# needs anyway) sets the package's ``versions`` to the module, so the function is bound here at once.
from annotations.store.versions import versions  # noqa: E402

if TYPE_CHECKING:  # what type checkers and readers see: the names, from their modules
    from annotations.store.batches import (
        Batch,
        batch,
        batch_events,
        last_undoable_batch,
        new_batch,
        recent_batches,
    )
    from annotations.store.connection import (
        BUSY_TIMEOUT_SECONDS,
        backup,
        database_file,
        database_path,
        describe_error,
        free_to_write,
        open_store,
        read_snapshot,
        wait_to_write,
        write_transaction,
    )
    from annotations.store.documents import (
        DocumentRow,
        Versions,
        check_stored_span_bounds,
        damaged_document,
        dataset_id,
        dataset_names,
        documents_from,
        ensure_dataset,
        holds_same_texts,
        iter_document_rows,
        iter_documents,
        load_document,
        model_names,
    )
    from annotations.store.edits import (
        apply_state,
        current_rev,
        history,
        replay_events,
        replay_history,
        version_id,
        write_state,
    )
    from annotations.store.encoding import (
        decode_change,
        decode_object,
        decode_span_keys,
        decode_spans,
        decode_token_offsets,
        decode_tokens,
        encode_change,
        encode_spans,
        encode_tokens,
        prepare_to_edit,
    )
    from annotations.store.errors import DECODE_ERRORS, DamagedRow, EditConflict, HistoryMismatch, StoreError
    from annotations.store.kept_proposals import ModelKept, models_kept
    from annotations.store.keyset import BY_ID, QueueKey, QueueOrder
    from annotations.store.models import (
        ModelRow,
        NewModel,
        count_models,
        register_model,
        registered_model,
        registered_models,
    )
    from annotations.store.new_documents import (
        EncodedDocument,
        NewDocument,
        Prediction,
        encode_documents,
        insert_documents,
        insert_encoded,
        insert_version,
    )
    from annotations.store.predictions import (
        BY_DOUBT,
        REANNOTATE_EVENT,
        ProposedBy,
        count_texts,
        document_texts,
        has_doubt,
        models_latest_first,
        pending_base,
        proposed_by,
        shows_base,
    )
    from annotations.store.queue import (
        answer_counts,
        count_queue,
        counted_answers,
        document_ids,
        document_previews,
        newest_document_id,
        queue_page,
        queue_rows,
    )
    from annotations.store.quick_open import finish_opening
    from annotations.store.review_queue import (
        count_review_queue,
        count_reviewed,
        review_counts,
        review_ids,
        review_page,
        review_rows,
    )
    from annotations.store.scored_predictions import ScoredPrediction, store_prediction
    from annotations.store.settings import add_labels, get_setting, labels, set_label_colour, set_setting
    from annotations.store.transfer import (
        MergeCounts,
        MergeRefused,
        assignable_documents,
        attach_limit,
        attached,
        copy_assignment,
        is_older,
        merge_source,
        upgraded_copy,
    )
    from annotations.store.versions import (
        ANNOTATOR_KINDS,
        VersionRow,
        annotator_revs,
        annotators,
        answer_events,
        base_annotators,
        chosen_answer_counts,
        count_documents,
        unreviewed_disagreements,
        versions,
    )
    from annotations.store.versions_by_document import DocumentVersions, document_versions
    from annotations.store.versions_by_text import TextVersions, document_of_text, text_versions

__all__ = [
    "finish_opening",
    "ModelRow",
    "NewModel",
    "count_models",
    "register_model",
    "registered_model",
    "registered_models",
    "REANNOTATE_EVENT",
    "ModelKept",
    "ProposedBy",
    "ScoredPrediction",
    "count_texts",
    "document_texts",
    "models_kept",
    "models_latest_first",
    "pending_base",
    "has_doubt",
    "proposed_by",
    "shows_base",
    "store_prediction",
    "Batch",
    "batch",
    "batch_events",
    "recent_batches",
    "last_undoable_batch",
    "new_batch",
    "MergeCounts",
    "MergeRefused",
    "assignable_documents",
    "attach_limit",
    "attached",
    "copy_assignment",
    "is_older",
    "merge_source",
    "upgraded_copy",
    "count_review_queue",
    "count_reviewed",
    "review_counts",
    "review_ids",
    "review_page",
    "BY_ID",
    "BY_DOUBT",
    "QueueKey",
    "QueueOrder",
    "queue_page",
    "review_rows",
    "ANNOTATOR_KINDS",
    "DocumentVersions",
    "TextVersions",
    "VersionRow",
    "base_annotators",
    "chosen_answer_counts",
    "count_documents",
    "document_of_text",
    "text_versions",
    "unreviewed_disagreements",
    "annotator_revs",
    "annotators",
    "answer_events",
    "document_versions",
    "versions",
    "BUSY_TIMEOUT_SECONDS",
    "DECODE_ERRORS",
    "DamagedRow",
    "DocumentRow",
    "EditConflict",
    "HistoryMismatch",
    "NewDocument",
    "EncodedDocument",
    "encode_documents",
    "insert_encoded",
    "Versions",
    "Prediction",
    "StoreError",
    "add_labels",
    "answer_counts",
    "apply_state",
    "backup",
    "check_stored_span_bounds",
    "count_queue",
    "newest_document_id",
    "counted_answers",
    "current_rev",
    "damaged_document",
    "database_file",
    "database_path",
    "dataset_id",
    "dataset_names",
    "documents_from",
    "decode_change",
    "decode_object",
    "decode_span_keys",
    "decode_spans",
    "decode_token_offsets",
    "decode_tokens",
    "describe_error",
    "free_to_write",
    "document_ids",
    "encode_change",
    "encode_spans",
    "encode_tokens",
    "ensure_dataset",
    "get_setting",
    "history",
    "insert_documents",
    "insert_version",
    "iter_document_rows",
    "iter_documents",
    "labels",
    "holds_same_texts",
    "load_document",
    "model_names",
    "open_store",
    "prepare_to_edit",
    "document_previews",
    "queue_rows",
    "read_snapshot",
    "replay_events",
    "replay_history",
    "set_label_colour",
    "set_setting",
    "version_id",
    "write_state",
    "wait_to_write",
    "write_transaction",
]


def __getattr__(name: str) -> Any:
    """A name of the store, from its module, imported now (PEP 562); kept here for the next use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
