"""Progress on stderr: a bar on a terminal, plain lines elsewhere, nothing for short work."""

from __future__ import annotations

import io

import pytest

from eqqnn import _progress
from eqqnn._progress import ProgressReport, progress_report


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_at_most_every_interval_and_a_last_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    monkeypatch.setattr(_progress.time, "monotonic", clock)
    out = io.StringIO()
    report = ProgressReport(9, "states n=30", terminal=False, interval=30.0, stream=out)
    for step in range(9):
        clock.now = 20.0 * (step + 1)  # 20 s per state
        report.advance()
    report.stop()
    lines = out.getvalue().splitlines()
    # at 40 s (2/9), 80 s (4/9), 120 s (6/9), 160 s (8/9); then the last line
    assert lines[0] == "states n=30: 2/9 (22 %), 0m40s elapsed, about 2m20s left"
    assert [line.split(":")[1].split()[0] for line in lines] == ["2/9", "4/9", "6/9", "8/9", "9/9"]
    assert lines[-1] == "states n=30: 9/9 (100 %), 3m00s elapsed"


def test_short_work_writes_nothing_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(_progress.time, "monotonic", clock)
    out = io.StringIO()
    with ProgressReport(100, "epochs", terminal=False, stream=out) as report:
        for _ in range(100):
            clock.now += 0.1
            report.advance()
    assert out.getvalue() == ""


def test_describe_names_the_current_step(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(_progress.time, "monotonic", clock)
    out = io.StringIO()
    report = ProgressReport(2, "compare", terminal=False, interval=1.0, stream=out)
    report.describe("EQCNN-sector n=30 size=2 seed=0")
    clock.now = 5.0
    report.advance()
    assert out.getvalue().startswith("EQCNN-sector n=30 size=2 seed=0: 1/2 (50 %)")


def test_disabled_or_empty_work_has_no_report() -> None:
    assert progress_report(False, 10, "x") is None
    assert progress_report(None, 0, "x") is None
    report = progress_report(None, 3, "x")
    assert isinstance(report, ProgressReport)
    report.stop()


def test_a_terminal_gets_a_bar_that_is_removed() -> None:
    out = io.StringIO()
    report = ProgressReport(3, "epochs", terminal=True, stream=out)
    assert report._bar is not None
    report.advance(3)
    report.stop()
    assert report._bar is None
