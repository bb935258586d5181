"""Turns one bench/run directory into the Markdown report and its PNG plots.

    report.py DIR REPORT.md

DIR holds what bench/run collected: machine.tsv (fact, value), scripts.tsv (name, status,
exit code, seconds, reason) and tsv/<name>.tsv, the lines each script wrote with bench/lib.sh
`result` (section, figure, ours, baseline, unit, better, baseline name, target, note).
Writes REPORT.md, DIR/<section>.png (when matplotlib is there) and prints the table.
Exit 1 when a script failed, exited 0 without a result line, or wrote a malformed one.
Standard library only, plus matplotlib (Agg) for the plots.
"""

import math
import os
import re
import sys
import textwrap

FIELDS = ("section", "figure", "ours", "baseline", "unit", "better", "baseline_name", "target",
          "note")


def number(text):
    """The float in TEXT, or None when TEXT is "-"; raises ValueError for anything else."""
    if text == "-":
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text}")
    return value


def parse_row(script, fields):
    """One result line as a dict with numbers parsed; raises ValueError if it is malformed."""
    if len(fields) != len(FIELDS):
        raise ValueError(f"{len(fields)} fields, {len(FIELDS)} expected")
    row = dict(zip(FIELDS, fields))
    row["script"] = script
    if row["ours"] == "-":
        raise ValueError("OURS is '-'")
    row["ours_v"] = number(row["ours"])
    row["baseline_v"] = number(row["baseline"])
    row["target_v"] = number(row["target"])
    if row["better"] not in ("higher", "lower"):
        raise ValueError(f"BETTER is '{row['better']}', not higher or lower")
    # ours/baseline is the ratio whichever way is better; the direction only decides whether
    # the ratio meets the target (>= for higher-is-better figures, <= for lower).
    row["ratio_v"] = None
    if row["baseline_v"]:
        row["ratio_v"] = row["ours_v"] / row["baseline_v"]
    return row


def fmt_ratio(r):
    if r is None:
        return "-"
    if abs(r) >= 100:
        return f"{r:.0f}"
    if abs(r) >= 0.1:
        return f"{r:.2f}"
    return f"{r:.3g}"


def target_cell(row):
    if row["target_v"] is None:
        return "-"
    return ("≥ " if row["better"] == "higher" else "≤ ") + row["target"]


def meets(row):
    if row["target_v"] is None:
        return "-"
    if row["ratio_v"] is None:
        return "n/a"
    if row["better"] == "higher":
        return "yes" if row["ratio_v"] >= row["target_v"] else "no"
    return "yes" if row["ratio_v"] <= row["target_v"] else "no"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def collect(directory):
    """Scripts (with final status), valid rows and problems, in the order bench/run ran them."""
    scripts, rows, problems = [], [], []
    for fields in read_tsv(os.path.join(directory, "scripts.tsv")):
        name, status, code, secs, why = (fields + [""] * 5)[:5]
        own = []
        for number_, line in enumerate(read_tsv(os.path.join(directory, "tsv", name + ".tsv")), 1):
            try:
                own.append(parse_row(name, line))
            except ValueError as e:
                problems.append(f"{name}.sh: malformed result line {number_} ({e}): "
                                + " | ".join(line))
        if status == "ok" and not own:
            status, why = "failed", "exited 0 but wrote no result line"
        if status == "ok" and len(own) < len(read_tsv(os.path.join(directory, "tsv",
                                                                    name + ".tsv"))):
            status, why = "failed", "wrote malformed result lines"
        scripts.append({"name": name, "status": status, "code": code, "secs": secs,
                        "why": why, "rows": len(own)})
        rows.extend(own)
    return scripts, rows, problems


def table_lines(rows):
    out = ["| section | figure | ours | baseline | unit | ratio | target | meets target "
           "| baseline is | note |",
           "|---|---|---:|---:|---|---:|---:|---|---|---|"]
    for r in rows:
        out.append("| " + " | ".join(cell(c) for c in (
            r["section"], r["figure"], r["ours"], r["baseline"], r["unit"],
            fmt_ratio(r["ratio_v"]), target_cell(r), meets(r), r["baseline_name"],
            r["note"])) + " |")
    return out


def text_table(rows):
    """The table for a terminal: aligned columns, the note left out."""
    head = ("section", "figure", "ours", "baseline", "unit", "ratio", "target", "meets")
    body = [(r["section"], r["figure"], r["ours"], r["baseline"], r["unit"],
             fmt_ratio(r["ratio_v"]), target_cell(r), meets(r)) for r in rows]
    widths = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    right = {2, 3, 5, 6}
    lines = []
    for x in [head] + body:
        lines.append("  ".join(str(v).rjust(w) if i in right else str(v).ljust(w)
                               for i, (v, w) in enumerate(zip(x, widths))).rstrip())
    return lines


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "section"


def plot_sections(rows, directory):
    """One bar chart per section: ours/baseline per figure, the target marked.

    Returns (list of (section, file name), warning or None)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is missing (Debian: python3-matplotlib): no plots"
    matplotlib.rcdefaults()
    sections = []
    for r in rows:
        if r["section"] not in sections:
            sections.append(r["section"])
    made = []
    for section in sections:
        mine = [r for r in rows if r["section"] == section and r["ratio_v"] is not None]
        if not mine:
            continue
        labels = ["\n".join(textwrap.wrap(r["figure"], 38)) for r in mine]
        ratios = [r["ratio_v"] for r in mine]
        colours = []
        for r in mine:
            m = meets(r)
            colours.append({"yes": "#4c9a2a", "no": "#c0392b"}.get(m, "#7f8c8d"))
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.75 * len(mine)), dpi=100)
        ys = list(range(len(mine)))[::-1]
        ax.barh(ys, ratios, color=colours, height=0.6)
        for y, r in zip(ys, mine):
            if r["target_v"] is not None:
                ax.plot([r["target_v"]] * 2, [y - 0.4, y + 0.4], color="black", linewidth=2)
            ax.annotate(fmt_ratio(r["ratio_v"]), (r["ratio_v"], y), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=8)
        ax.axvline(1.0, color="#999999", linestyle=":", linewidth=1)
        ax.margins(x=0.12)
        positive = [v for v in ratios if v > 0]
        if positive and max(positive) / min(positive) > 50:
            ax.set_xscale("log")
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xlabel("ours / baseline (black tick: target; green meets it, red does not)")
        ax.set_title(section)
        fig.tight_layout()
        name = slug(section) + ".png"
        # No Software/date entries: the same figures give the same bytes.
        fig.savefig(os.path.join(directory, name), metadata={"Software": None})
        plt.close(fig)
        made.append((section, name))
    return made, None


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py DIR REPORT.md")
    directory, report = sys.argv[1], sys.argv[2]
    facts = dict((f + [""])[:2] for f in read_tsv(os.path.join(directory, "machine.tsv")))
    scripts, rows, problems = collect(directory)
    plots, warning = plot_sections(rows, directory)
    if warning:
        print(f"report.py: warning: {warning}", file=sys.stderr)
    rel = os.path.relpath(directory, os.path.dirname(os.path.abspath(report)))
    smoke = facts.get("smoke") == "1"

    md = [f"# Benchmark report {facts.get('date', '')}", ""]
    if smoke:
        md += ["**Smoke run**: every script ran for seconds; the figures only show that the "
               "harness works and mean nothing.", ""]
    md += ["How to read it: bench/README.md. `ratio` is ours / baseline, both measured in this "
           "run; `target` is the issue's aim for that ratio (≥: higher is better, ≤: lower is "
           "better).", "", "## Machine", "", "| | |", "|---|---|"]
    for key in ("date", "command", "commit", "build", "compiler", "dpdk", "nproc", "cpu",
                "kernel", "memory", "hugepages", "user", "load average at start",
                "load average at end", "duration"):
        if key in facts:
            md.append(f"| {key} | {cell(facts[key])} |")
    md += ["", "## Results", ""]
    md += table_lines(rows) if rows else ["No figures: no script produced a result line."]
    md += ["", "## Scripts", "", "| script | status | rows | seconds | log | reason |",
           "|---|---|---:|---:|---|---|"]
    for s in scripts:
        log = f"[log]({rel}/logs/{s['name']}.log)" if s["status"] != "missing" else "-"
        md.append(f"| {s['name']}.sh | {s['status']} | {s['rows']} | {s['secs']} | {log} "
                  f"| {cell(s['why'])} |")
    not_ok = [s for s in scripts if s["status"] != "ok"]
    md += ["", "## Skipped and failed", ""]
    md += [f"- {s['name']}.sh: **{s['status']}**: {s['why']}" for s in not_ok] or ["None."]
    if problems:
        md += ["", "Malformed result lines:", ""] + [f"- {cell(p)}" for p in problems]
    md += ["", "## Plots", ""]
    if warning:
        md.append(f"Not drawn: {warning}.")
    elif not plots:
        md.append("None: no figure has a baseline to compare with.")
    for section, name in plots:
        md += [f"![{section}]({rel}/{name})", ""]
    with open(report, "w", encoding="utf-8") as f:
        f.write("\n".join(md).rstrip() + "\n")

    print("\n".join(text_table(rows)) if rows else "no figures")
    print()
    for s in scripts:
        print(f"{s['name'] + '.sh':18} {s['status']:8} {s['rows']:3} rows {s['secs']:>5} s"
              + (f"  {s['why']}" if s["why"] else ""))
    for p in problems:
        print("malformed: " + p)
    return 1 if any(s["status"] == "failed" for s in scripts) else 0


if __name__ == "__main__":
    sys.exit(main())
