"""NLU benchmark: this project's pipeline against Rasa's default pipeline (`rasa init`).

Both are trained on the NLU files of data/ and scored on tests/nlu/nlu_test_set.yml in the same run;
prints intent macro-F1, accuracy, entity F1 and training time side by side.

    python -m benchmarks.nlu_benchmark [--runs N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
TEST_SET = ROOT / "tests" / "nlu" / "nlu_test_set.yml"

# The pipeline `rasa init` writes (commented out) and uses by default.
RASA_DEFAULT_PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]


def write_configs(folder: Path) -> dict:
    ours = folder / "config_project.yml"
    ours.write_text((ROOT / "config.yml").read_text())
    default = folder / "config_rasa_default.yml"
    default.write_text(yaml.safe_dump({
        "recipe": "default.v1", "language": "fr", "assistant_id": "rasa_default",
        "pipeline": RASA_DEFAULT_PIPELINE,
    }))
    return {"this project": ours, "rasa init default": default}


def train(config: Path, out: Path, name: str) -> float:
    started = time.perf_counter()
    subprocess.run([RASA, "train", "nlu", "-c", str(config), "--nlu", "data",
                    "--out", str(out), "--fixed-model-name", name],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def evaluate(model: Path, out: Path) -> dict:
    subprocess.run([RASA, "test", "nlu", "--nlu", str(TEST_SET), "--model", str(model),
                    "--out", str(out), "--no-plot"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    intents = json.loads((out / "intent_report.json").read_text())
    scores = {"macro_f1": intents["macro avg"]["f1-score"], "accuracy": intents["accuracy"]}
    entity_report = out / "DIETClassifier_report.json"
    if entity_report.exists():
        entities = json.loads(entity_report.read_text())
        scores["entity_f1"] = entities.get("micro avg", entities.get("weighted avg", {})).get("f1-score")
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="trainings of each pipeline")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        configs = write_configs(folder)
        for run in range(args.runs):
            for label, config in configs.items():  # interleaved: same machine state for both
                slug = label.replace(" ", "_")
                seconds = train(config, folder / "models", f"{slug}_{run}")
                scores = evaluate(folder / "models" / f"{slug}_{run}.tar.gz", folder / f"eval_{slug}_{run}")
                results.setdefault(label, []).append({"train_seconds": seconds, **scores})
                print(f"run {run + 1}: {label}: {json.dumps({k: round(v, 4) for k, v in results[label][-1].items() if v is not None})}",
                      flush=True)
    print()
    print(f"NLU benchmark, {args.runs} run(s) each, trained on data/nlu*.yml, scored on {TEST_SET.relative_to(ROOT)}")
    print(f"{'pipeline':20s} {'intent macro-F1':>16s} {'accuracy':>9s} {'entity F1':>10s} {'train (s, median)':>18s}")
    for label, runs in results.items():
        def med(key, runs=runs):
            values = [r[key] for r in runs if r.get(key) is not None]
            return statistics.median(values) if values else float("nan")
        print(f"{label:20s} {med('macro_f1'):16.3f} {med('accuracy'):9.3f} {med('entity_f1'):10.3f} {med('train_seconds'):18.1f}")
    ours, base = results["this project"], results["rasa init default"]
    ratio = statistics.median(o["train_seconds"] / b["train_seconds"] for o, b in zip(ours, base))
    print(f"training time ratio (this project / default), median of pairs: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
