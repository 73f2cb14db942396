"""The agreement report as ``spandesk agreement`` prints it: plain text tables, or a JSON object."""

from __future__ import annotations

from typing import Any

from annotations.agreement import PRF, AgreementReport, PairAgreement
from annotations.counting import counted
from annotations.unitizing import AlphaU

WORST_SHOWN = 10


def agreement_json(report: AgreementReport) -> dict[str, Any]:
    """The report as a JSON-ready object (figures that are undefined are null)."""
    return {
        "annotators": report.annotators,
        "pairwise": [_pair_json(pair) for pair in report.pairwise],
        "fleiss_kappa": report.fleiss_kappa,
        "all_accepted": report.all_accepted,
        "alpha_u": report.alpha.alpha if report.alpha else None,
        "alpha_u_per_label": _alpha_per_label(report.alpha),
        "documents": [
            {"id": d.id, "score": d.score, "text": d.snippet, "answers": d.answers} for d in report.documents
        ],
    }


def _pair_json(pair: PairAgreement) -> dict[str, Any]:
    """One pair of annotators' figures."""
    return {
        "annotators": list(pair.annotators),
        "documents": pair.documents,
        "span_p": _p(pair.spans),
        "span_r": _r(pair.spans),
        "span_f1": _f(pair.spans),
        "relaxed_f1": _f(pair.relaxed),
        "kappa": pair.kappa,
        "alpha_u": pair.alpha.alpha if pair.alpha else None,
        "per_label": {
            label: {
                "p": score.p,
                "r": score.r,
                "f": score.f,
                "tp": score.tp,
                "fp": score.fp,
                "fn": score.fn,
                "relaxed_f": pair.relaxed_per_label[label].f,
                "alpha_u": _category_alpha(pair.alpha, label),
            }
            for label, score in sorted(pair.per_label.items())
        },
    }


def _p(score: PRF) -> float | None:
    return score.p if score.any else None


def _r(score: PRF) -> float | None:
    return score.r if score.any else None


def _f(score: PRF) -> float | None:
    """F1, or None when neither annotator marked a span (as spaCy's scorer reports it)."""
    return score.f if score.any else None


def _alpha_per_label(alpha: AlphaU | None) -> dict[str, float | None]:
    return {label: c.alpha for label, c in sorted(alpha.per_category.items())} if alpha else {}


def _category_alpha(alpha: AlphaU | None, label: str) -> float | None:
    category = alpha.per_category.get(label) if alpha else None
    return category.alpha if category else None


def format_agreement(report: AgreementReport, shown: int = WORST_SHOWN) -> str:
    """The report as text: a table of pairs, one of labels per pair, alpha_u, the worst documents."""
    lines = [
        f"Annotators: {', '.join(report.annotators)}. Each pair is compared on the documents both accepted.",
        "",
        _row("Annotators", "Documents", "Span F1", "Relaxed F1", "Kappa", "alpha_u"),
    ]
    lines += [_pair_row(pair) for pair in report.pairwise]
    for pair in report.pairwise:
        lines += [
            "",
            f"{' & '.join(pair.annotators)}, per label:",
            _label_row("Label", "P", "R", "F1", "Relaxed F1"),
        ]
        lines += [
            _label_row(label, _num(s.p), _num(s.r), _num(s.f), _num(pair.relaxed_per_label[label].f))
            for label, s in sorted(pair.per_label.items())
        ]
    lines += ["", *_all_annotators(report), "", *_worst(report, shown)]
    return "\n".join(lines)


def _row(*cells: str) -> str:
    return f"{cells[0]:<24}" + "".join(f"{cell:>12}" for cell in cells[1:])


def _label_row(*cells: str) -> str:
    return "  " + f"{cells[0]:<22}" + "".join(f"{cell:>12}" for cell in cells[1:])


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pair_row(pair: PairAgreement) -> str:
    return _row(
        " & ".join(pair.annotators),
        str(pair.documents),
        _num(_f(pair.spans)),
        _num(_f(pair.relaxed)),
        _num(pair.kappa),
        _num(pair.alpha.alpha if pair.alpha else None),
    )


def _all_annotators(report: AgreementReport) -> list[str]:
    """Fleiss' kappa and alpha_u over the documents every annotator accepted."""
    everyone = f"all {len(report.annotators)} annotators accepted"
    over = f"over the {counted(report.all_accepted, 'document')} {everyone}"
    lines = []
    if len(report.annotators) > 2:
        lines.append(f"Fleiss' kappa {over}: {_num(report.fleiss_kappa)}")
    alpha = report.alpha.alpha if report.alpha else None
    per_label = ", ".join(f"{label} {_num(value)}" for label, value in _alpha_per_label(report.alpha).items())
    lines.append(f"Krippendorff's alpha_u {over}: {_num(alpha)}" + (f" ({per_label})" if per_label else ""))
    return lines


def _worst(report: AgreementReport, shown: int) -> list[str]:
    """The documents with the lowest agreement."""
    if not report.documents:
        return ["No document was answered by two annotators."]
    lines = [f"Lowest agreement (of {counted(len(report.documents), 'document')} answered by two or more):"]
    lines.append(f"  {'Score':>6}  {'Document':>9}  Text")
    for document in report.documents[:shown]:
        lines.append(f"  {document.score:>6.3f}  {document.id:>9}  {document.snippet}")
    return lines
