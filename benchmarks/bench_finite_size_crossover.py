"""Where the finite open chain changes phase: the pseudo-critical ratio r*(n).

The phase label is the thermodynamic one, [r > 1].  A finite open chain whose end bonds
are J1 bonds is still dimer-like at r = 1, so any classifier that reads the state's
physics places its boundary at the chain's own crossover r*(n), not at 1.  Two
standard locators, both from exact singlet-sector ground states:

* the bulk dimerization crossing, D_mid(r*) = 0 with
  D_mid = (<S_a.S_a+1> + <S_a+2.S_a+3>)/2 - <S_a+1.S_a+2>, a = n/2 - 2 (J1 bonds
  (a, a+1), (a+2, a+3) around the central J2 bond ... or the reverse, by parity);
* the crossing of the string order and the dual string order, O(r*) = O'(r*).

Each root is found by bisection on [0.9, 1.3] to 1e-3.

    python benchmarks/bench_finite_size_crossover.py --n 8 12 16 20 24
"""

from __future__ import annotations

import argparse
import time

from eqqnn.data import BondAlternatingHeisenberg
from eqqnn.data._diagnostics import bond_correlation, default_string_sites, string_correlator


def _state(n: int, r: float):
    return BondAlternatingHeisenberg(n, r).ground_state(method="sector").vector()


def dimerization_mid(n: int, r: float) -> float:
    psi = _state(n, r)
    a = n // 2 - 2
    bonds = [(a, a + 1), (a + 1, a + 2), (a + 2, a + 3)]
    c = [bond_correlation(psi, i, j) for i, j in bonds]
    outer, inner = (c[0] + c[2]) / 2, c[1]
    # J1 bonds start on even sites: D = <S.S>_J1 - <S.S>_J2 (negative in the dimer phase)
    return outer - inner if a % 2 == 0 else inner - outer


def string_difference(n: int, r: float) -> float:
    psi = _state(n, r)
    (a, b), (a2, b2) = default_string_sites(n)
    return -4 * string_correlator(psi, a, b) + 4 * string_correlator(psi, a2, b2)


def bisect(f, lo: float, hi: float, tol: float = 1e-3) -> float:
    flo = f(lo)
    for _ in range(40):
        if hi - lo < tol:
            break
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[8, 12, 16, 20, 24])
    args = ap.parse_args()
    print("| n | r* (bulk dimerization) | r* (string orders) | seconds |")
    print("|---:|---:|---:|---:|")
    for n in args.n:
        t = time.perf_counter()
        r_dim = bisect(lambda r, n=n: dimerization_mid(n, r), 0.9, 1.3)
        r_str = bisect(lambda r, n=n: string_difference(n, r), 0.9, 1.3)
        print(f"| {n} | {r_dim:.3f} | {r_str:.3f} | {time.perf_counter() - t:.0f} |", flush=True)


if __name__ == "__main__":
    main()
