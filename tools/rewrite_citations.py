#!/usr/bin/env python3
"""Rewrite citations of folded documents into docs/protocol.md (and docs/design.md).

docs/numerics-0.2.md, docs/trees.md, docs/logup-gkr.md and docs/committed-inputs.md were
folded into docs/protocol.md (their informative "directions weighed" and cost estimates
into docs/design.md 7-9).  This rewrites, in the files named on the command line, every
citation of the form

    docs/numerics-0.2.md N.M        docs/trees.md N.M          docs/logup-gkr.md 3.2-3.3
    docs/trees.md 3.2, 3.3          docs/trees.md 1-6          `docs/numerics-0.2.md` 5
    docs/numerics-0.2.md section 1  docs/trees.md              (no section: the whole text)
    committed-inputs.md 1           logup-gkr.md               (the last two without docs/)

(a section list may follow a line break and a comment leader: " * ", "-- ", "# ", "// ")
into the sections that now hold the text, by the table below.  Ranges become the list of
their sections.  Text after the section numbers (", step 12", " items 1-8") is kept.

Dry run by default: prints each rewrite as FILE:LINE: OLD -> NEW.  --write applies them.
Exit status 0 when every citation was mapped, 1 when one was not (it is printed and left
as it is), 2 on a usage error.

    tools/rewrite_citations.py $(git grep -l 'logup-gkr.md\\|committed-inputs.md')
    tools/rewrite_citations.py --write $(git grep -l 'logup-gkr.md\\|committed-inputs.md')
"""

import argparse
import os
import re
import sys

DESIGN = "design"

# old section -> new docs/protocol.md section (or (DESIGN, section) for docs/design.md)
NUMERICS = {
    "": ["6.4", "7.17"],
    "1": ["14.3"],
    "2": ["6.4"],
    "3": ["12.5"],
    "3.1": ["12.6"],
    "4": ["6.5"],
    "5": ["7.17"],
    "6": ["8"],
    "7": ["9.1"],
    # items of section 7, cited as if they were subsections
    "7.1": ["9.1"], "7.2": ["9.1"], "7.3": ["9.1"], "7.4": ["9.1"], "7.5": ["9.1"],
    "8": [(DESIGN, "7")],
    "9": ["11.1"],
}

TREES = {
    "": ["15", "16"],
    "1": ["15.1"],
    "2": ["15.2"],
    "2.1": ["15.2.1"],
    "2.2": ["15.2.2"],
    "2.3": ["15.2.3"],
    "3": ["15.3"],
    "3.1": ["15.3.1"],
    "3.2": ["15.3.2"],
    "3.3": ["15.3.3"],
    "3.4": ["15.3.4"],
    "4": ["12.7"],
    "5": ["12.8"],
    "6": ["15.4"],
    "7": ["16"],
    "7.1": ["16.1"],
    "7.2": ["16.2"],
    "7.3": ["16.3"],
    "7.4": ["16.4"],
    "7.5": ["16.5"],
    "7.6": ["16.6"],
    "7.7": ["16.7"],
    "8": ["16.9"],
    "9": ["11.2"],
    "10": ["14.4"],
}

LOGUP_GKR = {
    "": ["6.6", "7.18", "12.10"],
    "1": ["14.2"],
    "2": ["6.6"],
    "2.1": ["6.6.1"],
    "2.2": ["6.6.2"],
    "2.3": ["6.6.3"],
    "2.4": ["6.6.4"],
    "3": ["7.18"],
    "3.0": ["7.18.0"],
    "3.1": ["7.18.1"],
    "3.2": ["7.18.2"],
    "3.3": ["7.18.3"],
    "3.4": ["7.18.4"],
    "3.5": ["7.18.5"],
    "3.6": ["7.18.6"],
    "3.7": ["7.18.7"],
    "3.8": ["7.18.8"],
    "4": ["9.2"],
    "4.1": ["9.2.1"],
    "4.2": ["9.2.2"],
    "5": ["8.1"],
    "6": ["12.10"],
    "6.1": ["12.10.1"],
    "6.2": ["12.10.2"],
    "6.3": ["12.10.3"],
    "6.4": ["12.10.4"],
    "7": [(DESIGN, "8.2")],
    "8": ["10.1"],
    "9": ["11.3"],
    "9.1": ["11.3.1"],
    "9.2": ["11.3.2"],
    "9.3": ["11.3.3"],
    "10": [(DESIGN, "8.1")],
    "11": ["14.5"],
}

COMMITTED_INPUTS = {
    "": ["7.19", "7.20", "12.9", "12.11"],
    "1": ["7.19.1"],
    "2": ["7.19.2", "7.19.3", "7.19.4"],
    "2.1": ["7.19.2"],
    "2.2": ["7.19.3"],
    "2.3": ["7.19.4"],
    "3": ["12.9"],
    "3.1": ["12.9.1"],
    "3.2": ["12.9.2"],
    "3.3": ["12.9.3"],
    "4": ["7.20"],
    "4.1": ["7.20.1"],
    "4.2": ["7.20.2"],
    "4.3": ["7.20.3"],
    "4.4": ["7.20.4"],
    "4.5": ["7.20.5"],
    "4.6": ["7.20.6"],
    "4.7": ["7.20.7"],
    "5": ["8.2"],
    "6": ["9.3"],
    "7": ["12.11"],
    "7.1": ["12.11.1"],
    "7.2": ["12.11.2"],
    "7.3": ["12.11.3"],
    "8": [(DESIGN, "9.3")],
    "9": ["14.4"],
    "10": [(DESIGN, "9.2")],
    "11": [(DESIGN, "9.1")],
    "12": ["11.4"],
}

DOCS = {"numerics-0.2.md": NUMERICS, "trees.md": TREES, "logup-gkr.md": LOGUP_GKR,
        "committed-inputs.md": COMMITTED_INPUTS}

SEC = r"\d+(?:\.\d+)?"
ITEM = r"%s(?:-%s)?" % (SEC, SEC)
CITE = re.compile(
    r"(?P<tick>`?)(?:docs/(?P<doc>numerics-0\.2\.md|trees\.md|logup-gkr\.md|committed-inputs\.md)"
    r"|(?<![\w/.-])(?P<bare>logup-gkr\.md|committed-inputs\.md))(?P=tick)"
    r"(?:(?P<gap>[ \t]*\n[ \t]*(?:\* |-- |# |// )?|[ \t]+)"
    r"(?P<word>section )?"
    r"(?P<list>%s(?:,(?:[ \t]+|[ \t]*\n[ \t]*(?:\* |-- |# |// )?)%s)*)(?![\d.]*\d))?" % (ITEM, ITEM))
LIST_SEP = re.compile(r",\s*(?:\* |-- |# |// )?")


def sections_of(table, item):
    """The old sections an item names: one, or every one of a range (in table order)."""
    if "-" not in item:
        return [item]
    lo, hi = item.split("-")
    keys = [k for k in table if k]
    key = lambda s: tuple(int(x) for x in s.split("."))
    if lo not in table or hi not in table:
        return None
    top_only = "." not in lo and "." not in hi
    return [k for k in keys if key(lo) <= key(k) <= key(hi) and (not top_only or "." not in k)]


def rewrite_match(m):
    """The new text of one citation, or None when a section has no mapping."""
    table = DOCS[m.group("doc") or m.group("bare")]
    items = LIST_SEP.split(m.group("list")) if m.group("list") else [""]
    targets = []
    for item in items:
        olds = sections_of(table, item) if item else [""]
        if olds is None or any(o not in table for o in olds):
            return None
        for o in olds:
            for t in table[o]:
                if t not in targets:
                    targets.append(t)
    tick = m.group("tick")
    proto = [t for t in targets if not isinstance(t, tuple)]
    design = [t[1] for t in targets if isinstance(t, tuple)]
    gap = m.group("gap") or " "
    word = m.group("word") or ""
    # a list that went on after a line break keeps one, before its last section
    broken = [sep for sep in LIST_SEP.findall(m.group("list") or "") if "\n" in sep]
    out = []
    if proto:
        text = ", ".join(proto)
        if broken and len(proto) > 1:
            text = ", ".join(proto[:-1]) + broken[0] + proto[-1]
        out.append("%sdocs/protocol.md%s%s%s%s" % (tick, tick, gap, word, text))
    if design:
        out.append("%sdocs/design.md%s%s%s%s" % (tick, tick, gap if not proto else " ", word,
                                                  ", ".join(design)))
    return " and ".join(out)


def rewrite_text(text, path, report):
    unmapped = 0
    pieces, pos = [], 0
    for m in CITE.finditer(text):
        new = rewrite_match(m)
        line = text.count("\n", 0, m.start()) + 1
        old = m.group(0)
        if new is None:
            report("%s:%d: no mapping for %r (left as it is)" % (path, line, old))
            unmapped += 1
            continue
        report("%s:%d: %s -> %s" % (path, line, old.replace("\n", "\\n"),
                                    new.replace("\n", "\\n")))
        pieces.append(text[pos:m.start()])
        pieces.append(new)
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces), unmapped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="apply the rewrites (default: "
                    "print them only)")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    unmapped = changed = 0
    for path in args.files:
        if os.path.realpath(path) == os.path.realpath(__file__):
            continue                    # its own tables and examples name the old documents
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new, bad = rewrite_text(text, path, print)
        unmapped += bad
        if new != text:
            changed += 1
            if args.write:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    print("%d files %s, %d citations without a mapping"
          % (changed, "rewritten" if args.write else "to rewrite (dry run)", unmapped),
          file=sys.stderr)
    return 1 if unmapped else 0


if __name__ == "__main__":
    sys.exit(main())
