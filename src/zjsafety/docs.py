"""README sections generated from the code, so they cannot drift: the rule catalogue (from the
rule classes and the shipped pack) and the finding types of import.

    python -m zjsafety.docs README.md          # rewrite the generated sections in place
    python -m zjsafety.docs --check README.md  # exit 1 if they are stale
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from zjsafety.rules.audit import build_rules, load_pack
from zjsafety.core.plans import periods
from zjsafety.core.findings import FINDING_TYPES
from zjsafety.rules import REGISTRY


def rules_md() -> str:
    """Every shipped pack with its period (the one in force on an as-of date applies), and its rules."""
    lines, used = [], set()
    for name, title, start, end in periods():
        pack = load_pack(name)
        lines += [f"Rule pack `{name}` ({title}), `data/rules/{name}.toml`, in force {start} to {end}:", "",
                  "| rule | clause | title | type | settings | what is measured |", "|---|---|---|---|---|---|"]
        for r in build_rules(pack):
            used.add(r.type)
            settings = ", ".join(f"{k}={v}" for k, v in r.p.model_dump(exclude={"id", "type", "title", "clause"},
                                                                          mode="json").items() if v is not None)
            lines.append(f"| `{r.p.id}` | {r.p.clause} | {r.p.title} | `{r.type}` | {settings or '—'} | "
                         f"{type(r).summary} |")
        lines.append("")
    unused = sorted(set(REGISTRY) - used)
    if unused:
        lines += ["Rule types no shipped pack uses: " + ", ".join(f"`{t}`" for t in unused)]
    return "\n".join(lines).rstrip()


def findings_md() -> str:
    lines = ["| type | meaning |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in FINDING_TYPES.items()]
    return "\n".join(lines)


SECTIONS = {"rules": rules_md, "findings": findings_md}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, fn=fn: m[1] + fn() + "\n" + m[2], text)
    return text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    path = Path([a for a in argv if not a.startswith("--")][0])
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if check:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
