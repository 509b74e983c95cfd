"""Aggregates benchmark records into a markdown table, a JSON file and a PNG plot."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from .runner import BenchResult

IOU_GOOD = 0.90
ALPHA_KEYS = ("sad", "mse", "mad", "grad", "conn")


def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarise(result: BenchResult) -> list[dict]:
    """One row per method x round: means over images/instances, time percentiles and the share of good IoUs."""
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in result.records:
        groups[(r["method"], r["round"])].append(r)
    order = {m: i for i, m in enumerate(result.methods)}
    rows = []
    for (method, rnd), recs in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        row = {"method": method, "round": rnd, "n": len(recs),
               "prompts": float(np.mean([r["prompts"] for r in recs])),
               "iou": float(np.mean([r["iou"] for r in recs])),
               "iou_good_share": float(np.mean([r["iou"] >= IOU_GOOD for r in recs]))}
        for k in ALPHA_KEYS:
            row[k] = float(np.mean([r["whole"][k] for r in recs]))
        unk = [r["unknown"] for r in recs if r["unknown"] is not None]
        row["unknown"] = {k: float(np.mean([u[k] for u in unk])) for k in ALPHA_KEYS} if unk else None
        seg = [r["segment_seconds"] for r in recs if r["segment_seconds"] is not None]
        ref = [r["refine_seconds"] for r in recs if r["refine_seconds"] is not None]
        tot = [r["segment_seconds"] + r["refine_seconds"] for r in recs if r["segment_seconds"] is not None]
        row.update(segment_p50=_pct(seg, 50), segment_p95=_pct(seg, 95), refine_p50=_pct(ref, 50),
                   refine_p95=_pct(ref, 95), round_p50=_pct(tot, 50), round_p95=_pct(tot, 95))
        rows.append(row)
    return rows


def summarise_noc(result: BenchResult) -> list[dict]:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in result.noc:
        by[r["method"]].append(r)
    out = []
    for method, recs in by.items():
        keys = [k for k in recs[0] if k.startswith("noc@")]
        row = {"method": method, "n": len(recs), **{k: float(np.mean([r[k] for r in recs])) for k in keys}}
        for k in keys:  # the share that reached the threshold at all within the clicks allowed
            t = int(k[4:]) / 100.0
            row[f"reached@{k[4:]}"] = float(np.mean([max(r["ious"], default=0.0) >= t for r in recs]))
        out.append(row)
    return out


def oracle_ratios(rows: list[dict]) -> dict[str, float]:
    """Each multi-round method's last-round SAD divided by the oracle's SAD (when the oracle ran)."""
    oracle = [r for r in rows if r["method"] == "oracle"]
    if not oracle or oracle[0]["sad"] <= 0:
        return {}
    last: dict[str, dict] = {}
    for r in rows:
        if r["method"] not in ("oracle", "trimap-cf"):
            last[r["method"]] = r
    return {m: r["sad"] / oracle[0]["sad"] for m, r in last.items()}


def _f(v: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if v is None else fmt.format(v)


def markdown(result: BenchResult, title: str = "") -> str:
    rows = summarise(result)
    cfg = result.config
    lines = []
    if title:
        lines += [f"## {title}", ""]
    lines += [f"protocol `{cfg['protocol']}`, data `{cfg['data']}`, seed {cfg['seed']}, "
              f"images/instances per round as `n`; whole-image metrics (SAD, Grad, Conn / 1000; MSE, MAD x 10^3); "
              f"`SAD unk` = trimap-unknown region (Trimap1) where a trimap exists; times in seconds (p50 / p95).", ""]
    lines.append("| method | round | n | prompts | SAD | MSE | MAD | Grad | Conn | SAD unk | IoU | IoU>=0.90 "
                 "| segment s | refine s | s/round |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        unk = r["unknown"]["sad"] if r["unknown"] else None
        lines.append(
            f"| {r['method']} | {r['round']} | {r['n']} | {r['prompts']:.1f} | {r['sad']:.1f} | {r['mse'] * 1e3:.1f} "
            f"| {r['mad'] * 1e3:.1f} | {r['grad']:.1f} | {r['conn']:.1f} | {_f(unk, '{:.1f}')} | {r['iou']:.3f} "
            f"| {r['iou_good_share'] * 100:.0f}% | {_f(r['segment_p50'])} / {_f(r['segment_p95'])} "
            f"| {_f(r['refine_p50'])} / {_f(r['refine_p95'])} | {_f(r['round_p50'])} / {_f(r['round_p95'])} |")
    ratios = oracle_ratios(rows)
    if ratios:
        lines += ["", "last round's SAD / oracle SAD: " + ", ".join(f"{m} {v:.2f}x" for m, v in ratios.items())]
    noc = summarise_noc(result)
    if noc:
        keys = [k for k in noc[0] if k.startswith(("noc@", "reached@"))]
        lines += ["", "NoC (clicks only, up to 20; 20 where never reached) and the share that reached each IoU:", "",
                  "| method | n | " + " | ".join(keys) + " |", "|---|---:|" + "---:|" * len(keys)]
        for r in noc:
            lines.append(f"| {r['method']} | {r['n']} | " + " | ".join(
                f"{r[k]:.2f}" if k.startswith("noc@") else f"{r[k] * 100:.0f}%" for k in keys) + " |")
    lines += ["", f"peak RSS of the benchmark process: {result.peak_rss_mb:.0f} MB", ""]
    return "\n".join(lines)


def write_json(result: BenchResult, path: str | Path) -> None:
    doc = {"config": result.config, "methods": result.methods, "peak_rss_mb": result.peak_rss_mb,
           "summary": summarise(result), "noc_summary": summarise_noc(result), "records": result.records,
           "noc": result.noc}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent=1), encoding="utf-8")


def write_markdown(result: BenchResult, path: str | Path, title: str = "") -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(markdown(result, title), encoding="utf-8")


def write_plot(result: BenchResult, path: str | Path, title: str = "") -> None:
    """SAD and IoU per round for every method (single-result methods such as trimap-cf as a dashed line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = summarise(result)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=80)
    for method in result.methods:
        rs = [r for r in rows if r["method"] == method]
        if not rs:
            continue
        x = [r["round"] for r in rs]
        for ax, key in zip(axes, ("sad", "iou")):
            y = [r[key] for r in rs]
            if len(rs) == 1 and result.config["rounds"] > 1:
                line = ax.axhline(y[0], linestyle="--", linewidth=1, label=method)
                if key == "sad" and rs[0]["unknown"]:
                    ax.axhline(rs[0]["unknown"]["sad"], linestyle=":", linewidth=1, color=line.get_color(),
                               label=f"{method} (unknown region)")
            else:
                ax.plot(x, y, marker="o", label=method)
    axes[0].set(xlabel="round", ylabel="SAD (whole image) / 1000", title="SAD")
    axes[1].set(xlabel="round", ylabel="IoU (alpha >= 0.5)", title="IoU")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
