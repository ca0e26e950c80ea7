"""Accuracy of feedback.sentiment against plain TextBlob on tests/data/sentiment_eval.csv.

    python bench/sentiment_eval.py                 # held-out half: the figures in docs/sentiment.md
    python bench/sentiment_eval.py --split dev     # development half, for tuning
    python bench/sentiment_eval.py --split dev --errors

Plain TextBlob is labelled with the same thresholds (feedback.sentiment.label_for), so the two
columns differ only in the scoring. Tune on the development half only: the held-out figures are
worth something only while nothing has been fitted to them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textblob import TextBlob  # noqa: E402

from feedback.sentiment import Label, classify, label_for  # noqa: E402

DATA = ROOT / "tests" / "data" / "sentiment_eval.csv"
LABELS: tuple[Label, ...] = ("positive", "negative", "neutral")
_LABEL_OF: dict[str, Label] = {label: label for label in LABELS}


def load(split: str) -> list[tuple[Label, str]]:
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out: list[tuple[Label, str]] = []
    for row in rows:
        if split in ("all", row["split"]):
            label = _LABEL_OF.get(row["label"])
            if label is None:
                raise ValueError(f"unknown label {row['label']!r}")
            out.append((label, row["text"]))
    return out


def chorus(text: str) -> Label:
    return classify(text, "en").label


def textblob_plain(text: str) -> Label:
    return label_for(float(TextBlob(text).sentiment.polarity))


def report(
    name: str, predict: Callable[[str], Label], rows: Sequence[tuple[Label, str]]
) -> dict[str, float]:
    predicted = [predict(text) for _, text in rows]
    gold = [label for label, _ in rows]
    result: dict[str, float] = {
        "accuracy": sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(rows)
    }
    for label in LABELS:
        tp = sum(p == g == label for p, g in zip(predicted, gold, strict=True))
        n_pred = sum(p == label for p in predicted)
        n_gold = sum(g == label for g in gold)
        result[f"{label} precision"] = tp / n_pred if n_pred else 0.0
        result[f"{label} recall"] = tp / n_gold if n_gold else 0.0
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("heldout", "dev", "all"), default="heldout")
    parser.add_argument("--errors", action="store_true", help="list the sentences got wrong")
    args = parser.parse_args(argv)

    rows = load(args.split)
    counts = {label: sum(g == label for g, _ in rows) for label in LABELS}
    print(
        f"split={args.split}: {len(rows)} sentences "
        + ", ".join(f"{counts[label]} {label}" for label in LABELS)
    )
    ours = report("chorus", chorus, rows)
    plain = report("textblob", textblob_plain, rows)
    print()
    print(f"| {'measure':<20} | {'feedback.sentiment':>18} | {'plain TextBlob':>14} |")
    print(f"| {'-' * 20} | {'-' * 17}: | {'-' * 13}: |")
    for key in ours:
        print(f"| {key:<20} | {ours[key]:>18.3f} | {plain[key]:>14.3f} |")

    # Both timed on the same sentences, one after the other, so that a busy machine slows both.
    texts = [text for _, text in rows] * max(1, 5000 // len(rows))
    print()
    for name, predict in (("feedback.sentiment", chorus), ("plain TextBlob", textblob_plain)):
        start = time.perf_counter()
        for text in texts:
            predict(text)
        elapsed = time.perf_counter() - start
        print(f"speed: {len(texts) / elapsed:,.0f} sentences a second ({name})")

    if args.errors:
        print()
        for gold, text in rows:
            result = classify(text, "en")
            if result.label != gold:
                print(f"{gold:>8} -> {result.label:<8} {result.polarity:+.2f}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
