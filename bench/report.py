#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Assemble make bench's results (bench/run-bench.sh calls this).

    report.py OUTDIR RAW.jsonl...

Reads the records the benchmark programs printed (one JSON object per line),
adds the commit, and writes OUTDIR/results.json (every figure of EXPECTED,
value null with a note when it was not measured), OUTDIR/results.md and the
plots OUTDIR/*.png (gnuplot). Standard library only.
"""
import datetime
import json
import os
import subprocess
import sys

GEMMS = ["512x512x512", "1024x1024x1024", "2048x2048x2048", "4096x4096x4096", "8192x8192x8192",
         "128x4096x4096", "16x4096x4096", "4096x11008x4096"]
GEMVS = ["1x4096x4096", "1x11008x4096"]
CONVS = ["3x3.64-64.56x56", "1x1.256-64.56x56", "3x3.128-128.28x28", "7x7s2.3-64.224x224"]
B4_MODELS = ["cnn_b1", "cnn_b100", "encoder"]

EXPECTED = (
    [f"B1.gemm.{s}.fp16" for s in GEMMS]
    + [f"B1.gemv.{s}.fp16" for s in GEMVS]
    + [f"B1.conv.{c}.b{b}.fp16{k}" for c in CONVS for b in (1, 32) for k in ("", ".nc1hwc0")]
    + [f"B2.gemm.{s}.{p}" for s in GEMMS for p in ("fp16", "fp32")]
    + ["B3.nop_roundtrip_vs_nvme_4k_read", "B3.nop_roundtrip_us", "B3.nvme_4k_read_us",
       "B3.nop_jobs_per_s.single", "B3.nop_jobs_per_s.batched64"]
    + [f"B4.{m}.{k}" for m in B4_MODELS for k in ("latency_vs_onnxruntime", "modeled_device_us")]
    + ["B5.host_us_per_dispatched_op", "B5.host_us_per_launch_in_job_of_64", "B5.host_us_per_cmdbuf_replay"]
)

# Published reference points for results.md (not measured here).
H100_CUBLAS = {
    "B1.gemm.2048x2048x2048.fp16": 0.69,
    "B1.gemm.4096x4096x4096.fp16": 0.78,
    "B1.gemm.4096x11008x4096.fp16": 0.75,
    "B1.gemv.1x11008x4096.fp16": 0.77,
}

SECTIONS = [
    ("B1", "Compiler quality (modeled on the default chip, sim backend)",
     "Cube utilization = ideal cube cycles / modeled cycles (GEMM, conv); GEMV: achieved fraction of the "
     "modeled device-memory bandwidth. Ideal figures come from the device's properties (cores x cube "
     "MACs per cycle, bandwidth, clock). Weights are constants, as in inference. For comparison, cuBLAS "
     "on an H100 reaches 0.69 at 2048^3, 0.78 at 4096^3, 0.75 at 4096x11008x4096 and 0.77 of its memory "
     "bandwidth at GEMV 1x11008x4096 (published figures, not measured here)."),
    ("B2", "Emulator speed (host)",
     "Simulator flop rate / OpenBLAS sgemm flop rate on the same shape, one thread each, same process."),
    ("B3", "Submission path (emulated machine, drm backend)",
     "NOP job round trip (submit, completion, wait returns) against a 4 KiB O_DIRECT read of an "
     "emulated NVMe namespace in the same guest (medians)."),
    ("B4", "End to end (sim backend on the host against ONNX Runtime's CPU provider)",
     "Host latency per run (median), one thread each; modeled device time of the same run."),
    ("B5", "Runtime overhead (sim backend, host)",
     "Host time the runtime spends per recorded and submitted launch, and per command-buffer replay."),
]


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def met(r):
    v, t = r.get("value"), r.get("target")
    if v is None or t is None:
        return None
    return v >= t if r.get("better", "higher") == "higher" else v <= t


def fmt(v, unit="ratio"):
    if v is None:
        return "—"
    if unit == "ratio":
        return f"{v:.3f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def cells(r):
    """(value, target, met) cells of a table row."""
    m = met(r)
    unit = r.get("unit", "ratio")
    tgt = r.get("target")
    tgt_s = "—" if tgt is None else ("≥ " if r.get("better", "higher") == "higher" else "≤ ") + fmt(tgt, unit)
    val = fmt(r.get("value"), unit) + ("" if unit == "ratio" or r.get("value") is None else " " + unit)
    return val, tgt_s, "yes" if m else "no" if m is not None else "—"


def detail(r):
    """A short human summary of a record's measured details."""
    d = []
    if "modeled_cycles" in r and r["modeled_cycles"] is not None:
        d.append(f"{r['modeled_cycles']:,.0f} cycles (ideal {r['ideal_cycles']:,.0f})")
    if r.get("op_cycles") and "," in r["op_cycles"]:
        d.append(f"cycles by op: {r['op_cycles']}")
    if r.get("roofline_bound") is not None and r["roofline_bound"] < 0.999:
        d.append(f"memory-bound: at most {r['roofline_bound']:.2f} on this chip")
    if "sim_gflops" in r and r.get("sim_gflops") is not None:
        d.append(f"sim {r['sim_gflops']:.1f} GFLOPS vs OpenBLAS {r['openblas_gflops']:.1f} ({r.get('openblas_core')})")
    if "nop_roundtrip_us" in r:
        d.append(f"NOP {fmt(r['nop_roundtrip_us'], 'us')} us, NVMe read {fmt(r.get('nvme_read_us'), 'us')} us")
    if "sinan_sim_ms" in r:
        d.append(f"sim {r['sinan_sim_ms']:.3f} ms vs ONNX Runtime {fmt(r.get('onnxruntime_ms'), 'ms')} ms")
    if r.get("submit_call_us") is not None:
        d.append(f"of which the submit call {fmt(r['submit_call_us'], 'us')} us")
    if "p99_us" in r and r["p99_us"] is not None:
        d.append(f"p99 {fmt(r['p99_us'], 'us')} us")
    if "roundtrip_us" in r:
        d.append(f"to completion {fmt(r['roundtrip_us'], 'us')} us")
    if "cube_utilization" in r and r["cube_utilization"]:
        d.append(f"cube utilization {r['cube_utilization']:.3f}")
    if r["id"] in H100_CUBLAS:
        d.append(f"H100 cuBLAS: {H100_CUBLAS[r['id']]:.2f}")
    if r.get("note"):
        d.append(r["note"])
    return "; ".join(d)


def plot(out, recs):
    """PNG plots of utilization against shape (gnuplot); returns the file names made."""
    made = []
    by = {r["id"]: r for r in recs}

    def series(ids, labels):
        rows = []
        for i, lab in zip(ids, labels):
            v = by.get(i, {}).get("value")
            rows.append(f"\"{lab}\" {v if v is not None else 'NaN'} {H100_CUBLAS.get(i, 'NaN')} "
                        f"{by.get(i, {}).get('target') or 'NaN'} {by.get(i, {}).get('roofline_bound') or 'NaN'}")
        return "\n".join(rows)

    order = sorted(GEMMS, key=lambda s: eval(s.replace("x", "*")))
    gem = series([f"B1.gemm.{s}.fp16" for s in order] + [f"B1.gemv.{s}.fp16" for s in GEMVS],
                 [s.replace("x", "×") for s in order] + [f"GEMV {s.replace('x', '×')}" for s in GEMVS])
    conv_ids, conv_labels = [], []
    for c in CONVS:
        for b in (1, 32):
            for k, lab in (("", ""), (".nc1hwc0", " chain")):
                conv_ids.append(f"B1.conv.{c}.b{b}.fp16{k}")
                conv_labels.append(f"{c.split('.')[0]} {c.split('.')[1]} b{b}{lab}")
    conv = series(conv_ids, conv_labels)
    b2 = "\n".join(f"\"{s.replace('x', '×')}\" {by.get(f'B2.gemm.{s}.fp16', {}).get('value') or 'NaN'} "
                   f"{by.get(f'B2.gemm.{s}.fp32', {}).get('value') or 'NaN'}" for s in order)
    common = ("set terminal pngcairo size 1000,600 font 'sans,10'\nset style data histograms\n"
              "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
              "set boxwidth 0.9\nset xtics rotate by -30 left\nset grid ytics\nset key below horizontal\n")
    scripts = {
        "b1-gemm.png": common + "set title 'B1: fp16 GEMM cube utilization / GEMV bandwidth fraction vs shape (M×N×K)'\n"
        "set yrange [0:1.05]\nset ylabel 'fraction of ideal'\n"
        f"$d << EOD\n{gem}\nEOD\n"
        "plot $d using 2:xtic(1) title 'Sinan (modeled)', '' using 3 title 'H100 cuBLAS (published)', "
        "'' using 5 title 'roofline bound (chip balance)' with points pt 9 ps 1.5, "
        "'' using 4 title 'target' with points pt 7 ps 1.5\n",
        "b1-conv.png": common + "set title 'B1: ResNet-50 conv layers, cube utilization (fp16)'\n"
        "set yrange [0:1.05]\nset ylabel 'cube utilization'\n"
        f"$d << EOD\n{conv}\nEOD\n"
        "plot $d using 2:xtic(1) title 'Sinan (modeled)', "
        "'' using 5 title 'roofline bound (chip balance)' with points pt 9 ps 1.5, "
        "'' using 4 title 'target' with points pt 7 ps 1.5\n",
        "b2-sim-speed.png": common + "set title 'B2: simulator flop rate / OpenBLAS sgemm (1 thread each)'\n"
        "set ylabel 'ratio'\nset yrange [0:*]\n"
        f"$d << EOD\n{b2}\nEOD\n"
        "plot $d using 2:xtic(1) title 'fp16 model', '' using 3 title 'fp32 model', 0.5 title 'target' lw 2\n",
    }
    for name, script in scripts.items():
        data = script.split("EOD\n")[1]
        if all(" NaN" in row.split("\"")[2][:6] or row.split("\"")[2].split()[0] == "NaN"
               for row in data.strip().split("\n")):
            print(f"report: {name}: nothing measured, no plot", file=sys.stderr)
            continue
        try:
            subprocess.run(["gnuplot"], input=f"set output '{os.path.join(out, name)}'\n" + script,
                           text=True, check=True, capture_output=True)
            made.append(name)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"report: gnuplot {name}: {getattr(e, 'stderr', e)}", file=sys.stderr)
            if os.path.exists(os.path.join(out, name)):
                os.unlink(os.path.join(out, name))
    return made


def summary(recs, commits, when):
    """The short table for the README: the figures with targets, condensed."""
    by = {r["id"]: r for r in recs}
    rows = []

    def row(part, what, r, extra=""):
        if r is None:
            return
        val, tgt_s, m = cells(r)
        rows.append(f"| {part} | {what} | {val} | {tgt_s} | {m}{' ' + extra if extra else ''} |")

    for s in ["2048x2048x2048", "4096x4096x4096", "8192x8192x8192", "4096x11008x4096"]:
        row("B1", f"GEMM {s.replace('x', '×')} fp16, cube utilization", by.get(f"B1.gemm.{s}.fp16"))
    for s in GEMVS:
        row("B1", f"GEMV {s.replace('x', '×')} fp16, bandwidth fraction", by.get(f"B1.gemv.{s}.fp16"))
    for c in CONVS:
        r = by.get(f"B1.conv.{c}.b32.fp16")
        rb = r.get("roofline_bound") if r else None
        row("B1", f"ResNet-50 conv {c.split('.')[0]} {c.split('.')[1]} at {c.split('.')[2]}, batch 32", r,
            f"(bound {rb:.2f})" if rb is not None and rb < 0.999 else "")
        row("B1", f"the same, kernel in an NC1HWC0 chain (as inside the network)",
            by.get(f"B1.conv.{c}.b32.fp16.nc1hwc0"))
    for p in ("fp16", "fp32"):
        cand = [by[f"B2.gemm.{s}.{p}"] for s in GEMMS if by.get(f"B2.gemm.{s}.{p}", {}).get("value") is not None]
        if cand:
            worst = min(cand, key=lambda r: r["value"])
            row("B2", f"simulator / OpenBLAS ({worst.get('openblas_core')}) flop rate, {p}, worst of "
                f"{len(cand)} GEMMs ({worst['id'].split('.')[2].replace('x', '×')})", worst)
    for tag in sorted({r["id"].split(".", 4)[4] for r in recs if r["id"].startswith("B2.") and r["id"].count(".") >= 4}):
        cand = [r for r in recs if r["id"].startswith("B2.") and r["id"].endswith("." + tag) and r.get("value") is not None]
        if cand:
            worst = min(cand, key=lambda r: r["value"])
            row("B2", f"the same against OpenBLAS {worst.get('openblas_core')} (for information), worst of {len(cand)}",
                worst)
    r = by.get("B3.nop_roundtrip_vs_nvme_4k_read")
    if r:
        row("B3", f"NOP round trip / NVMe 4 KiB read ({fmt(r.get('nop_roundtrip_us'), 'us')} / "
            f"{fmt(r.get('nvme_read_us'), 'us')} us)", r)
    for k in ("single", "batched64"):
        row("B3", f"NOP jobs per second, {k}", by.get(f"B3.nop_jobs_per_s.{k}"))
    for m in B4_MODELS:
        r = by.get(f"B4.{m}.latency_vs_onnxruntime")
        d = by.get(f"B4.{m}.modeled_device_us")
        dv = d.get("value") if d else None
        row("B4", f"{m}: simulator / ONNX Runtime latency", r,
            f"(modeled device time {fmt(dv, 'us')} us)" if dv is not None else "")
    for i, what in (("B5.host_us_per_dispatched_op", "host time per op dispatched as its own job"),
                    ("B5.host_us_per_launch_in_job_of_64", "host time per launch, 64 per job"),
                    ("B5.host_us_per_cmdbuf_replay", "host time per command-buffer replay")):
        row("B5", what, by.get(i))
    head = (f"Last run: commit {', '.join(f'`{c}`' for c in commits)}, {when} "
            "(`build/bench/results.md` has every figure and the causes of the gaps).\n\n"
            "| | figure | value | target | met |\n|---|---|---|---|---|\n")
    return head + "\n".join(rows) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    out = sys.argv[1]
    sha = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    got = {}
    for path in sys.argv[2:]:
        if not os.path.exists(path):
            continue
        # run-bench.sh writes the commit the records come from beside them.
        commit, fdirty = sha, dirty
        if os.path.exists(path + ".commit"):
            with open(path + ".commit") as f:
                lines = f.read().split()
            commit, fdirty = (lines[0] if lines else "unknown"), "dirty" in lines[1:]
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    r = json.loads(line)
                    r["commit"] = commit
                    if fdirty:
                        r["tree_dirty"] = True
                    got[r["id"]] = r
    recs = []
    for i in EXPECTED + sorted(set(got) - set(EXPECTED)):
        r = got.get(i) or {"id": i, "value": None, "target": None, "better": "higher", "unit": "ratio",
                           "note": "not measured: its benchmark did not produce it (see the make bench log)",
                           "commit": sha}
        recs.append(r)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(recs, f, indent=1)
        f.write("\n")

    pngs = plot(out, recs)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commits = sorted({r["commit"][:12] + (" (with uncommitted changes)" if r.get("tree_dirty") else "")
                      for r in recs if r["id"] in got})
    md = [f"# Sinan benchmark results", "",
          f"Commit {', '.join(f'`{c}`' for c in commits) or f'`{sha[:12]}`'}, report made {when}. "
          "Every figure is a ratio measured in one run, a modeled (deterministic) quantity, or a "
          "host time given for information (no target).", ""]
    gaps = []
    for key, title, how in SECTIONS:
        md += [f"## {key}: {title}", "", how, "", "| figure | value | target | met | details |",
               "|---|---|---|---|---|"]
        for r in recs:
            if not r["id"].startswith(key + "."):
                continue
            val, tgt_s, m = cells(r)
            md.append(f"| `{r['id'][len(key) + 1:]}` | {val} | {tgt_s} | {m} | {detail(r)} |")
            if met(r) is False or (r.get("target") is not None and r.get("value") is None):
                gaps.append(r)
        md.append("")
    md += ["## Gaps", ""]
    if gaps:
        md += ["Figures with a target that is not met, or not measured:", ""]
        for r in gaps:
            md.append(f"- `{r['id']}`: {fmt(r.get('value'), r.get('unit', 'ratio'))} against "
                      f"{fmt(r.get('target'), r.get('unit', 'ratio'))}. {r.get('note', '')}".rstrip())
        md.append("")
    else:
        md += ["Every target is met.", ""]
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ANALYSIS.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            md += [f.read().rstrip(), ""]
    if pngs:
        md += ["## Plots", ""] + [f"![{p}]({p})" for p in pngs] + [""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(summary(recs, commits, when))
    n_met = sum(1 for r in recs if met(r))
    n_tgt = sum(1 for r in recs if r.get("target") is not None)
    print(f"bench: {len(recs)} figures in {out}/results.json, {n_met} of {n_tgt} targets met; "
          f"{out}/results.md, {len(pngs)} plots")


if __name__ == "__main__":
    main()
