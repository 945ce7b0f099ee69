"""Plots a `ratify bench finality` JSON report (schema ratify.bench.finality/v1) to PNG.

single / saturate: per run, submit->final latency of each transaction over time (sampled,
never-final transactions in red at the top) and the latency distribution (HdrHistogram
percentiles as a CDF on a log axis). sweep: p50/p99 finality and finalized tx/s against the
validator count.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def percentile_points(summary):
    keys = [("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9), ("max", 100)]
    return [summary[k] for k, _ in keys], [p for _, p in keys]


def title(run):
    s, m = run["settings"], run["machine"]
    load = " ".join(f"{x:.1f}" for x in m["load_average_start"])
    return (f'{s["validators"]} validators, {s["rate_tx_per_s"]:.0f} tx/s offered, {s["build_mode"]} build; '
            f'{m["cores"]} cores {m["cpu_model"]}, load {load}')


def plot_runs(doc, out):
    runs = doc["runs"]
    fig, axes = plt.subplots(len(runs), 2, figsize=(13, 3.6 * len(runs)), squeeze=False)
    for row, run in enumerate(runs):
        over_time, dist = axes[row]
        samples = run["samples"]
        final = [(s["t"], s["latency_ms"]) for s in samples if s["latency_ms"] >= 0]
        lost = [s["t"] for s in samples if s["latency_ms"] < 0]
        if final:
            over_time.scatter([t for t, _ in final], [l for _, l in final], s=2, alpha=0.5, label="transaction")
        blocks = [b for b in run["block_series"] if b.get("propose_to_final_ms") is not None]
        if blocks:
            over_time.plot([b["t"] for b in blocks], [b["propose_to_final_ms"] for b in blocks], color="orange",
                           linewidth=0.8, label="block propose->final")
        if lost:
            top = max([l for _, l in final], default=1) * 1.1
            over_time.scatter(lost, [top] * len(lost), s=6, color="red", label="not final")
        over_time.axvline(0, color="grey", linestyle=":", linewidth=0.8)
        over_time.set_yscale("log")
        over_time.set_xlabel("seconds since the end of the warm-up")
        over_time.set_ylabel("submit -> final (ms)")
        over_time.set_title(title(run), fontsize=8)
        over_time.legend(fontsize=7, loc="upper left")
        summary = run["latency_ms"]["submit_to_final"]
        values, percents = percentile_points(summary)
        measured = sorted(l for t, l in final if t >= 0)
        if measured:
            n = len(measured)
            dist.plot(measured, [100.0 * (i + 1) / n for i in range(n)], linewidth=1, label="samples (CDF)")
        dist.scatter(values, percents, color="black", zorder=3, s=12, label="HdrHistogram p50/p90/p99/p99.9/max")
        for v, p in zip(values, percents):
            dist.annotate(f"{v:.1f}", (v, p), fontsize=7, xytext=(4, -8), textcoords="offset points")
        dist.set_xscale("log")
        dist.set_xlabel("submit -> final (ms)")
        dist.set_ylabel("percent of transactions")
        t = run["throughput"]
        dist.set_title(f'finalized {t["finalized_tx_per_s"]:.0f} of {t["offered_tx_per_s"]:.0f} tx/s offered; '
                       f'p50 {summary["p50"]:.1f} ms, p99 {summary["p99"]:.1f} ms', fontsize=8)
        dist.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def plot_sweep(doc, out):
    runs = doc["runs"]
    counts = [r["settings"]["validators"] for r in runs]
    fig, (lat, thr) = plt.subplots(1, 2, figsize=(12, 4))
    for key, label in [("p50", "p50"), ("p99", "p99"), ("p99_9", "p99.9")]:
        lat.plot(counts, [r["latency_ms"]["submit_to_final"][key] for r in runs], marker="o", label=label)
    lat.set_xlabel("validators")
    lat.set_ylabel("submit -> final (ms)")
    lat.set_yscale("log")
    lat.legend()
    lat.set_title(title(runs[-1]), fontsize=8)
    thr.plot(counts, [r["throughput"]["offered_tx_per_s"] for r in runs], marker="o", label="offered tx/s")
    thr.plot(counts, [r["throughput"]["finalized_tx_per_s"] for r in runs], marker="o", label="finalized tx/s")
    thr.plot(counts, [r["blocks"]["per_s"] for r in runs], marker="s", label="blocks/s")
    thr.set_xlabel("validators")
    thr.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot-finality.py REPORT.json OUT.png")
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    if doc.get("schema") != "ratify.bench.finality/v1":
        sys.exit(f"{sys.argv[1]}: not a ratify.bench.finality/v1 report")
    if doc["mode"] == "sweep":
        plot_sweep(doc, sys.argv[2])
    else:
        plot_runs(doc, sys.argv[2])


if __name__ == "__main__":
    main()
