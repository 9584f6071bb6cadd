"""A draft --map file in the clerk's words: every header an import could not read, under the
section of its sheet's kind, with the fields it may be. Each line is commented out: the clerk
removes the '#' in front of the lines that are right (and corrects the rest), then passes the
file back with --map."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core import refdata
from zjsafety.core.clock import beijing_today
from zjsafety.core.labels import cn_date
from zjsafety.importers.headers import Synonyms


def draft(result, syn: Synonyms) -> str:
    kinds = refdata.kinds()
    today = beijing_today()
    lines = ["# zjsafety 列名映射草稿（zjsafety import --suggest-map 生成，"
             f"{cn_date(today)}）",
             "# 下面每一行左边是台账里没能识别的列名，右边是它可能对应的项目。",
             "# 哪一行对，就删去行首的“#”；不对就把右边改成正确的项目（各节开头列出了可填的项目）；",
             "# 不需要的列不用管。改好后：zjsafety import 台账文件 --map 本文件", ""]
    sections: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for f in result.files:
        if not f.kind and f.guess:  # a sheet no kind fits: the headers of the closest kind
            kind, left, taken = f.guess
            where = f"{Path(f.path).name}[{f.sheet}]"
            for header in left:
                best, cands = syn.similar(kind, header, set(taken))
                labels = [kinds[kind]["fields"][g][0] for g in ([best] if best else cands)]
                line = (f'# "{header}" = "{labels[0] if labels else "？"}"   # '
                        + (f"可能是：{'、'.join(labels)}" if labels else "看不出是哪一项，请填写或不管它"))
                if line not in sections.setdefault(kind, []):
                    sections[kind].append(line)
            if where not in sources.setdefault(kind, []):
                sources[kind].append(where)
            continue
        if not f.kind:
            continue
        for x in f.findings:
            if x.type not in ("unknown_column", "ambiguous_column", "missing_column") or not x.header:
                continue
            header = x.header
            best, cands = syn.similar(f.kind, header, set())
            guesses = [best] if best else cands
            labels = [kinds[f.kind]["fields"][g][0] for g in guesses]
            target = labels[0] if labels else "？"
            note = f"可能是：{'、'.join(labels)}" if labels else "看不出是哪一项，请填写或不管它"
            line = f'# "{header}" = "{target}"   # {note}'
            if line not in sections.setdefault(f.kind, []):
                sections[f.kind].append(line)
            where = f"{Path(f.path).name}[{f.sheet}]"
            if where not in sources.setdefault(f.kind, []):
                sources[f.kind].append(where)
    if not sections:
        lines.append("# 本次导入的台账没有无法识别的列。")
    for kind, rows in sections.items():
        spec = kinds[kind]
        lines.append(f"[{spec.get('short', spec['label'])}]   # {spec['label']}，来自：{'、'.join(sources[kind])}")
        lines.append(f"# 可填的项目：{'、'.join(v[0] for v in spec['fields'].values())}")
        lines.extend(rows)
        lines.append("")
    return "\n".join(lines) + "\n"
