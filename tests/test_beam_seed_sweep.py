"""tools/beam_seed_sweep.py (chapter 13's greedy-against-beam counts over seeds) runs on a short
training run, its counts agree with each other, and its exit status follows the chapter's claim."""

import importlib.util
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "beam_seed_sweep.py"


def _tool():
    spec = importlib.util.spec_from_file_location("beam_seed_sweep", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_a_short_run_gives_counts_that_agree():
    tool = _tool()
    result = tool.compare(seed=0, steps=30, sequences=40)
    assert result.sequences == 40
    for count in (result.greedy, result.beam, result.only_beam, result.only_greedy):
        assert 0 <= count <= result.sequences
    # right by beam = right by both + only the beam; right by greedy = right by both + only greedy
    assert result.beam - result.greedy == result.only_beam - result.only_greedy
    assert result.only_beam <= result.beam and result.only_greedy <= result.greedy


def test_the_table_and_the_exit_status_follow_the_claim(capsys, monkeypatch):
    tool = _tool()
    ahead = tool.Comparison(seed=0, sequences=500, greedy=249, beam=254, only_beam=11, only_greedy=6)
    behind = tool.Comparison(seed=1, sequences=500, greedy=300, beam=290, only_beam=2, only_greedy=12)
    text = tool.table([ahead, behind], 200)
    assert "| 0 | 249 of 500 | 254 | 11 | 6 | 5 |" in text
    assert "beam ahead in 1 of 2 seeds, by -10 to 5; only the beam 2 to 11; only greedy 6 to 12" in text
    monkeypatch.setattr(tool, "compare", lambda seed, steps, sequences=None: {0: ahead, 1: behind}[seed])
    assert tool.main(["--seeds", "0"]) == 0
    assert tool.main(["--seeds", "0", "1"]) == 1
    assert "| 1 | 300 of 500 | 290 |" in capsys.readouterr().out
