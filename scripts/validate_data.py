"""`rasa data validate`, failing on every warning but the two that retrieval intents
always raise in Rasa 3.6.

The topics whose aspects are retrieval intents (data/nlu_*.yml: withdraw/delay...) are
answered by custom actions, never by Rasa's `utter_<topic>` retrieval action, so Rasa
warns that `utter_<topic>` is unused; and it merges the retrieval intents it finds in the
data into the domain that already lists them, warning of "duplicated intents". Any other
warning (or a retrieval intent that is not a topic of the domain) fails, as
`rasa data validate --fail-on-warnings` would.

    python -m scripts.validate_data
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Set

import yaml

ROOT = Path(__file__).resolve().parents[1]
WARNING = re.compile(r"UserWarning: (.*)")
UNUSED = re.compile(r"The utterance 'utter_(\w+)' is not used in any story or rule\.")
DUPLICATES = re.compile(r"The following duplicated intents have been found across multiple "
                        r"domain files: (.*)")


def retrieval_intents() -> Set[str]:
    """The intents that have retrieval keys (`topic/aspect`) in the domain's responses."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name[len("utter_"):].split("/")[0] for name in domain.get("responses", {})
            if "/" in name}


def unexpected_warnings(output: str, allowed: Set[str]) -> List[str]:
    """The warnings of `output` that are not the two retrieval-intent ones."""
    found = []
    for line in output.splitlines():
        match = WARNING.search(line)
        if not match:
            continue
        warning = match.group(1).strip()
        unused = UNUSED.fullmatch(warning)
        if unused and unused.group(1) in allowed:
            continue
        duplicates = DUPLICATES.fullmatch(warning)
        if duplicates and {name.strip() for name in duplicates.group(1).split(",")} <= allowed:
            continue
        found.append(warning)
    return found


def main() -> int:
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run([rasa, "data", "validate"], cwd=ROOT, capture_output=True,
                            text=True)
    output = result.stdout + result.stderr
    unexpected = unexpected_warnings(output, retrieval_intents())
    if result.returncode != 0 or unexpected:
        print(output[-6000:])
        for warning in unexpected:
            print("unexpected warning:", warning)
        return 1
    print("rasa data validate: no warning but those of the retrieval intents "
          f"({', '.join(sorted(retrieval_intents()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
