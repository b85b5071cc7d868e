"""Read one of Rasa's reports (intent_report.json, response_selection_report.json), print
the F1 of each label (worst first), and fail when the macro-F1 is under the threshold."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-macro-f1", type=float, default=0.90)
    parser.add_argument("--label", default="intent", help="what the report scores")
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    per_intent = {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    for name, scores in sorted(per_intent.items(), key=lambda item: item[1]["f1-score"]):
        print(f"  {name:24s} f1={scores['f1-score']:.3f} support={scores['support']}")
    macro = report["macro avg"]["f1-score"]
    print(f"{args.label} macro-F1 = {macro:.4f}, accuracy = {report.get('accuracy', float('nan')):.4f}"
          f" (threshold {args.min_macro_f1})")
    if macro < args.min_macro_f1:
        print(f"FAIL: {args.label} macro-F1 under the threshold", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
