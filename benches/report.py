#!/usr/bin/env python3
"""Turn one criterion run (target/criterion) into the README's table and an SVG chart.

Usage: python3 benches/report.py [--svg benches/report.svg] > table.md
Medians are criterion's median point estimates; GB/s uses each group's Throughput::Bytes.
Ratios compare `bits-codec/decode` with `httparse/tokenize`, `httparse+typed/decode` and
`serde_json/owned` in the same group (same run). Standard library only.
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")
OURS = "bits-codec/decode"
BASES = ["httparse/tokenize", "httparse+typed/decode", "serde_json/owned"]


def load():
    rows = []
    for group in sorted(os.listdir(ROOT)):
        gdir = os.path.join(ROOT, group)
        if group == "report" or not os.path.isdir(gdir):
            continue
        for root, _dirs, files in os.walk(gdir):
            if os.path.basename(root) != "new" or "benchmark.json" not in files:
                continue
            bench = json.load(open(os.path.join(root, "benchmark.json")))
            est = json.load(open(os.path.join(root, "estimates.json")))
            median = est["median"]["point_estimate"]
            nbytes = (bench.get("throughput") or {}).get("Bytes")
            rows.append({
                "group": bench["group_id"],
                "id": bench["function_id"],
                "param": bench.get("value_str"),
                "ns": median,
                "gbps": nbytes / median if nbytes else None,  # bytes per ns = GB/s
                "bytes": nbytes,
            })
    return rows


def table(rows):
    out = ["| group | input bytes | ID | median (ns) | GB/s | decode ÷ this |", "| --- | ---: | --- | ---: | ---: | ---: |"]
    by_group = {}
    for r in rows:
        by_group.setdefault((r["group"], r["param"]), []).append(r)
    for (group, param), rs in sorted(by_group.items(), key=lambda kv: (kv[0][0], int(kv[0][1] or 0))):
        ours = next((r for r in rs if r["id"] == OURS), None)
        order = {OURS: 0, "httparse/tokenize": 1, "httparse+typed/decode": 2, "serde_json/owned": 3}
        for r in sorted(rs, key=lambda r: order.get(r["id"], 9)):
            ratio = ""
            if ours and r["id"] in BASES:
                ratio = f"{ours['ns'] / r['ns']:.2f}×"
            name = group if param is None else f"{group}/{param}"
            gbps = f"{r['gbps']:.2f}" if r["gbps"] else ""
            out.append(f"| {name} | {r['bytes'] or ''} | `{r['id']}` | {r['ns']:.0f} | {gbps} | {ratio} |")
    return "\n".join(out)


def svg(rows, path):
    groups = [r for r in rows if r["param"] is None]
    names = sorted({r["group"] for r in groups})
    ids = [OURS, "httparse/tokenize", "httparse+typed/decode", "serde_json/owned", "bits-codec/encode"]
    colors = {OURS: "#1f77b4", "httparse/tokenize": "#ff7f0e", "httparse+typed/decode": "#2ca02c",
              "serde_json/owned": "#9467bd", "bits-codec/encode": "#8c564b"}
    width, bar_h, gap, left = 900, 12, 10, 230
    scale_max = max(r["ns"] for r in groups)
    y = 40
    parts = []
    for g in names:
        parts.append(f'<text x="4" y="{y + 10}" font-size="12" font-family="sans-serif">{g}</text>')
        for i in ids:
            r = next((r for r in groups if r["group"] == g and r["id"] == i), None)
            if not r:
                continue
            w = (width - left - 90) * r["ns"] / scale_max
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[i]}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 10}" font-size="10" font-family="sans-serif">{r["ns"]:.0f} ns</text>')
            y += bar_h + 2
        y += gap
    legend = "".join(
        f'<rect x="{left + k * 150}" y="8" width="10" height="10" fill="{colors[i]}"/>'
        f'<text x="{left + k * 150 + 14}" y="17" font-size="10" font-family="sans-serif">{i}</text>'
        for k, i in enumerate(ids))
    doc = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 120}" height="{y + 10}">'
           f'<rect width="100%" height="100%" fill="white"/>{legend}{"".join(parts)}</svg>\n')
    with open(path, "w") as f:
        f.write(doc)


def main():
    rows = load()
    if "--svg" in sys.argv:
        svg(rows, sys.argv[sys.argv.index("--svg") + 1])
    print(table(rows))


if __name__ == "__main__":
    main()
