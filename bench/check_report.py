"""Checks a report written by bench/run (the meson test bench-run-smoke); no timing asserted.

    check_report.py REPORT.md

Fails (exit 1, reasons on stdout) unless:
- the Scripts table lists every script bench/run knows, none of them "failed";
- every script that ran ("ok") contributed at least one row, and the Results table has
  exactly as many rows as the ok scripts say they wrote;
- in every row, ours parses as a number, baseline/ratio/target as a number or "-", the ratio
  is ours/baseline and "meets target" agrees with ratio, target and its direction;
- every plot the report links to exists and is a PNG.
"""

import math
import os
import re
import sys

SCRIPTS = ("micro packet_rate tcp_bulk latency http_tap http_rr scaling lcore_scaling api_rr "
           "netd_bench netd_nginx").split()


def tables(lines, heading):
    """The rows (lists of cells) of the first table under '## heading'."""
    start = lines.index(f"## {heading}")
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|")
                     for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows[2:]  # header and separator


def num(text, what, errors, dash_ok=True):
    if dash_ok and text == "-":
        return None
    try:
        v = float(text)
        if not math.isfinite(v):
            raise ValueError
        return v
    except ValueError:
        errors.append(f"{what}: '{text}' is not a number")
        return None


def check_row(cells, errors):
    if len(cells) != 10:
        errors.append(f"results row with {len(cells)} cells: {cells}")
        return
    section, figure, ours, base, _unit, ratio, target, met = cells[:8]
    what = f"{section} / {figure}"
    o = num(ours, what + " ours", errors, dash_ok=False)
    b = num(base, what + " baseline", errors)
    r = num(ratio, what + " ratio", errors)
    sign, _, t_text = target.partition(" ") if target != "-" else ("", "", "-")
    if target != "-" and sign not in ("≥", "≤"):
        errors.append(f"{what}: target '{target}' has no direction")
    t = num(t_text, what + " target", errors)
    if o is not None and b:
        if r is None or abs(r - o / b) > max(0.01, 0.02 * abs(o / b)):
            errors.append(f"{what}: ratio {ratio} is not ours/baseline = {o / b:.4g}")
    elif r is not None:
        errors.append(f"{what}: a ratio ({ratio}) without a baseline")
    if t is None:
        expect = "-"
    elif b is None or not b:
        expect = "n/a"
    else:
        good = (o / b >= t) if sign == "≥" else (o / b <= t)
        expect = "yes" if good else "no"
    # The rounding of the ratio column can put a figure right at its target on either side.
    if met != expect and not (t is not None and b and abs(o / b - t) < 0.01 * abs(t)):
        errors.append(f"{what}: 'meets target' is '{met}', expected '{expect}'")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_report.py REPORT.md")
    path = sys.argv[1]
    lines = open(path, encoding="utf-8").read().splitlines()
    errors = []
    scripts = {c[0].removesuffix(".sh"): c for c in tables(lines, "Scripts")}
    results = tables(lines, "Results")
    for name in SCRIPTS:
        if name not in scripts:
            errors.append(f"{name}.sh is not in the Scripts table")
    expected_rows = 0
    for name, (_, status, rows, _secs, _log, why) in scripts.items():
        print(f"{name}.sh: {status}, {rows} rows{': ' + why if why else ''}")
        if status == "failed":
            errors.append(f"{name}.sh failed: {why}")
        elif status == "ok":
            if int(rows) < 1:
                errors.append(f"{name}.sh ran but has no row")
            expected_rows += int(rows)
        elif status not in ("skipped", "missing"):
            errors.append(f"{name}.sh: unknown status '{status}'")
    if len(results) != expected_rows:
        errors.append(f"the Results table has {len(results)} rows, the scripts wrote "
                      f"{expected_rows}")
    for cells in results:
        check_row(cells, errors)
    base = os.path.dirname(os.path.abspath(path))
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", "\n".join(lines)):
        png = os.path.join(base, link)
        if not os.path.isfile(png):
            errors.append(f"plot {link} does not exist")
        elif open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            errors.append(f"plot {link} is not a PNG")
    print(f"{len(results)} result rows checked")
    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
