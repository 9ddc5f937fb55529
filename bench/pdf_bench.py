"""Benchmark of the notice PDF renderer.

    python bench/pdf_bench.py [--quick] [--json OUT] [--runs N] [--batch N] [--processes N]

Measures a cold render (a new Python process: imports, font loading, first PDF), the warm
render of a 3-page notice (median of N runs in one process), its size, a batch rendered
with ``render_many`` on several processes, and the floor: WeasyPrint rendering the same
text with no layout rules (one font, plain paragraphs), which is what no layout work can
beat. Prints a table against the goals of NOTICE-FORMAT.md and writes JSON.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.notices.samples import sample_notice  # noqa: E402  (after the path set-up)

GOALS = {"warm_ms": 150.0, "size_kb": 200.0, "batch_100_s": 10.0}


def _median_ms(function: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(median wall, min wall, median CPU) time of ``function`` in ms, after one unmeasured
    call. CPU time shows the cost when other processes share the machine."""
    function()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def cold_child() -> None:
    """Runs in a fresh process: time the import and the first render, print JSON."""
    start = time.perf_counter()
    from app.notices.pdf import render_notice_pdf

    imported = time.perf_counter()
    render_notice_pdf(sample_notice())
    done = time.perf_counter()
    print(json.dumps({"import_s": imported - start, "first_render_s": done - imported}))


def measure_cold() -> dict[str, float]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--cold-child"],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    wall = time.perf_counter() - start
    child = json.loads(result.stdout.strip().splitlines()[-1])
    return {"cold_process_s": wall, **child}


def floor_html(data: dict[str, Any], font_url: str) -> str:
    """The notice's text with no layout rules: one font, plain paragraphs."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in data["body"].splitlines())
    return (
        f'<html><head><meta charset="utf-8"><style>@font-face {{ font-family: F; src: url("{font_url}"); }}'
        "@page { size: A4; margin: 37mm 26mm 35mm 28mm }"
        "html { font-family: F; font-size: 16pt; line-height: 28.99pt }</style></head>"
        f"<body><h1>{html.escape(data['title'])}</h1><p>{html.escape(data['addressees'])}</p>"
        f"{paragraphs}<p>{html.escape(data['signature'])}</p></body></html>"
    )


def measure_warm(runs: int) -> dict[str, Any]:
    from weasyprint import HTML

    from app.notices import pdf

    data = sample_notice()
    fonts = pdf.default_fonts()
    output = pdf.render_notice_pdf(data, fonts=fonts)
    warm_ms, warm_min, warm_cpu = _median_ms(lambda: pdf.render_notice_pdf(data, fonts=fonts), runs)
    html_ms, _, _ = _median_ms(lambda: pdf.render_notice_html(data, fonts=fonts), runs)
    document = floor_html(data, pdf.font_url("fang", fonts.fang))

    def floor() -> bytes:
        fetcher = pdf.AssetFetcher(fonts)
        return HTML(string=document, base_url=str(pdf.ASSET_DIR) + "/", url_fetcher=fetcher).write_pdf(
            font_config=pdf._font_config())

    floor_ms, _, floor_cpu = _median_ms(floor, runs)
    return {
        "warm_ms": warm_ms,
        "warm_min_ms": warm_min,
        "warm_cpu_ms": warm_cpu,
        "html_ms": html_ms,
        "floor_ms": floor_ms,
        "floor_cpu_ms": floor_cpu,
        "floor_pages": _page_count(floor()),
        "size_kb": len(output) / 1024,
        "pages": _page_count(output),
        "deterministic": output == pdf.render_notice_pdf(data, fonts=fonts),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_batch(count: int, processes: int) -> dict[str, Any]:
    from app.notices.pdf import render_many

    datas = [sample_notice(sequence) for sequence in range(1, count + 1)]
    before = _children_cpu_s()
    start = time.perf_counter()
    results = render_many(datas, processes=processes)
    elapsed = time.perf_counter() - start
    # CPU time of the workers (start-up included): the batch's wall time on an idle machine
    # is about this divided by the processes, whatever else runs now.
    cpu = _children_cpu_s() - before
    return {
        "batch_workers_cpu_s": cpu,
        "batch_idle_estimate_s": cpu / processes,
        f"batch_{count}_s": elapsed,
        "batch_count": count,
        "batch_processes": processes,
        "batch_ms_per_notice": elapsed * 1000 / count,
        "batch_total_mb": sum(map(len, results)) / 1024 / 1024,
    }


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_table(results: dict[str, Any]) -> None:
    rows = [
        ("cold: new process to first PDF", f"{results['cold_process_s']:.2f} s", ""),
        ("  import app.notices.pdf + WeasyPrint", f"{results['import_s']:.2f} s", ""),
        ("  first render (fonts loaded)", f"{results['first_render_s']:.2f} s", ""),
        (f"warm render, {results['pages']}-page notice (median)", f"{results['warm_ms']:.0f} ms",
         f"≤ {GOALS['warm_ms']:.0f} ms"),
        ("  fastest run / CPU time (median)", f"{results['warm_min_ms']:.0f} / {results['warm_cpu_ms']:.0f} ms", ""),
        ("  HTML preview alone (Jinja, metrics, QR)", f"{results['html_ms']:.1f} ms", ""),
        (f"floor: same text, no layout ({results['floor_pages']} pages)", f"{results['floor_ms']:.0f} ms", ""),
        ("  floor CPU time (median)", f"{results['floor_cpu_ms']:.0f} ms", ""),
        ("size", f"{results['size_kb']:.0f} KB", f"≤ {GOALS['size_kb']:.0f} KB"),
        ("byte-identical on re-render", str(results["deterministic"]), "True"),
        ("peak RSS of this process", f"{results['peak_rss_mb']:.0f} MB", ""),
    ]
    count = results["batch_count"]
    rows.append((f"batch of {count}, {results['batch_processes']} processes",
                 f"{results[f'batch_{count}_s']:.1f} s",
                 f"≤ {GOALS['batch_100_s'] * count / 100:.1f} s"))
    rows.append(("  per notice", f"{results['batch_ms_per_notice']:.0f} ms", ""))
    rows.append(("  workers' CPU time / processes (idle estimate)", f"{results['batch_idle_estimate_s']:.1f} s", ""))
    width = max(len(row[0]) for row in rows)
    print(f"load average at start: {results['load_average']:.2f} on {results['cpus']} CPUs")
    print(f"{'measure':{width}}  {'value':>10}  goal")
    for name, value, goal in rows:
        print(f"{name:{width}}  {value:>10}  {goal}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs and a batch of 20")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--runs", type=int, help="warm runs (default 30, quick 8)")
    parser.add_argument("--batch", type=int, help="notices in the batch (default 100, quick 20)")
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_child:
        cold_child()
        return 0
    runs = args.runs or (8 if args.quick else 30)
    batch = args.batch or (20 if args.quick else 100)
    results: dict[str, Any] = {
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
    }
    results.update(measure_cold())
    results.update(measure_warm(runs))
    results.update(measure_batch(batch, args.processes))
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
