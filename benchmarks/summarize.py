#!/usr/bin/env python3
"""Summarises a JMH SampleTime JSON file: median, quartiles, p99 per benchmark (from the raw
histograms, so every sample counts) and the ratios that RESULTS.md tracks, each computed from
numbers measured in the same run."""
import json
import sys

# (name, measured, reference, kind): kind "ratio" = measured p50 / reference p50,
# "delta" = measured p50 - reference p50 (µs), i.e. the fixed overhead.
COMPARISONS = [
    ("MobileNetV2 per inference through a running guest / direct", "mobilenetGuestPerInference", "mobilenetDirect", "ratio"),
    ("tiny model per inference through a running guest minus direct (µs)", "tinyGuestPerInference", "tinyDirect", "delta"),
    ("MobileNetV2 via classify guest / direct ORT", "mobilenetGuestClassify", "mobilenetDirect", "ratio"),
    ("MobileNetV2 via raw-infer guest / direct ORT", "mobilenetGuestRawInfer", "mobilenetDirect", "ratio"),
    ("MobileNetV2 via raw-infer guest, caller thread / direct", "mobilenetGuestRawInferOnCaller", "mobilenetDirect", "ratio"),
    ("MobileNetV2 via host backend SPI / direct ORT", "mobilenetHostBackend", "mobilenetDirect", "ratio"),
    ("tiny model: raw-infer guest minus direct ORT (µs)", "tinyGuestRawInfer", "tinyDirect", "delta"),
    ("tiny model: raw-infer guest on caller thread minus direct (µs)", "tinyGuestRawInferOnCaller", "tinyDirect", "delta"),
]


def quantile(pairs, q):
    total = sum(c for _, c in pairs)
    target = q * (total - 1)
    seen = 0
    for value, count in pairs:
        if seen + count > target:
            return value
        seen += count
    return pairs[-1][0]


def stats(bench):
    metric = bench["primaryMetric"]
    pairs = []
    iteration_medians = []
    for fork in metric["rawDataHistogram"]:
        for iteration in fork:
            it_pairs = sorted((float(v), int(c)) for v, c in iteration)
            iteration_medians.append(quantile(it_pairs, 0.5))
            pairs.extend(it_pairs)
    pairs.sort()
    return {
        "n": sum(c for _, c in pairs),
        "p25": quantile(pairs, 0.25),
        "p50": quantile(pairs, 0.5),
        "p75": quantile(pairs, 0.75),
        "p99": quantile(pairs, 0.99),
        "it_lo": min(iteration_medians),
        "it_hi": max(iteration_medians),
        "unit": metric["scoreUnit"],
    }


def main(path):
    with open(path) as f:
        runs = json.load(f)
    results = {}
    print(f"{'benchmark':<52} {'p50':>10} {'p25-p75':>19} {'p99':>10} {'iter p50 range':>19} {'samples':>8}")
    for bench in runs:
        name = bench["benchmark"].rsplit(".", 1)[-1]
        s = stats(bench)
        results[name] = s
        print(f"{bench['benchmark'].split('.')[-2] + '.' + name:<52} {s['p50']:>10.1f} "
              f"{s['p25']:>9.1f}-{s['p75']:<9.1f} {s['p99']:>10.1f} {s['it_lo']:>9.1f}-{s['it_hi']:<9.1f} {s['n']:>8}"
              f"  {s['unit']}")
    print()
    for label, measured, reference, kind in COMPARISONS:
        if measured in results and reference in results:
            m, r = results[measured]["p50"], results[reference]["p50"]
            value = m / r if kind == "ratio" else m - r
            print(f"{label:<55} {value:>8.3f}" if kind == "ratio" else f"{label:<55} {value:>8.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
