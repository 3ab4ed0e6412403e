"""run_parallel: the one machinery of compare and the evolutionary search."""

from __future__ import annotations

import pytest

from eqqnn.errors import InvalidParameterError
from eqqnn.training import run_parallel


def _power(x: int, p: int) -> int:
    return x**p


def _fail(x: int) -> int:
    raise ValueError(f"bad {x}")


class TestRunParallel:
    def test_serial_runs_in_order(self) -> None:
        out = list(run_parallel(_power, [(x, 2) for x in range(5)]))
        assert out == [(i, i * i) for i in range(5)]

    def test_processes_give_every_result_once(self) -> None:
        out = dict(run_parallel(_power, [(x, 3) for x in range(7)], workers=2))
        assert out == {i: i**3 for i in range(7)}

    def test_arguments_are_drawn_lazily(self) -> None:
        drawn = []

        def calls():
            for x in range(6):
                drawn.append(x)
                yield (x, 2)

        it = run_parallel(_power, calls(), workers=2, window=2)
        first = next(it)
        assert first[1] == first[0] ** 2
        assert len(drawn) <= 3  # two in flight, at most one more drawn after the first
        assert sorted([first, *it]) == [(i, i * i) for i in range(6)]

    def test_worker_errors_reach_the_caller(self) -> None:
        with pytest.raises(ValueError, match="bad 1"):
            list(run_parallel(_fail, [(1,)], workers=2))

    @pytest.mark.parametrize("workers", [0, -1, 1.5, True])
    def test_bad_workers_are_refused(self, workers: object) -> None:
        with pytest.raises(InvalidParameterError, match="workers"):
            list(run_parallel(_power, [(1, 2)], workers=workers))  # type: ignore[arg-type]

    def test_bad_window_is_refused(self) -> None:
        with pytest.raises(InvalidParameterError, match="window"):
            list(run_parallel(_power, [(1, 2)], workers=2, window=0))

    @pytest.mark.slow
    def test_ray_gives_the_serial_results(self) -> None:
        pytest.importorskip("ray")
        out = dict(run_parallel(_power, [(2, 3), (3, 2)], ray_address="local"))
        assert out == {0: 8, 1: 9}
