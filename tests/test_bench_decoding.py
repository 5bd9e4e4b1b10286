"""The benchmark's decoding measurement: one row per length, rates from the measured times."""

from transformer_lib.tooling import bench


def test_measure_decoding_reports_both_rates_and_their_ratio_per_length():
    size = bench.Size("tiny", 20, 8, 2, 16, 1, 2, 4)
    rows = bench.measure_decoding(lengths=(3, 6), size=size)
    assert [row["length"] for row in rows] == [3, 6]
    for row in rows:
        assert row["cached_tokens_per_second"] > 0 and row["uncached_tokens_per_second"] > 0
        assert abs(row["speedup"] - row["cached_tokens_per_second"] / row["uncached_tokens_per_second"]) < 1e-9
