"""Run a set of series over samples: shared work per sample, batches over processes.

`evaluate` is the pure core (bits in, P- and Q-values out). `Battery` feeds
it batches of raw bytes on a pool of worker processes while the caller keeps
reading or drawing the next samples, and hands the results back in order,
so memory holds only the batches in flight, whatever the number of samples.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from . import bits as bitseq
from .complexity import linear_complexities, linear_complexity_outcome
from .correlation import autocorrelation, binary_derivative
from .cusum import cumulative_sums
from .frequency import block_frequency, monobit, poker
from .outcome import Outcome
from .patterns import approximate_entropy, cyclic_counts, overlapping_subsequence
from .rank import matrix_rank
from .runs import Runs, longest_run_outcome, longest_runs, runs_distribution, runs_total
from .series import Series
from .spectral import dft
from .universal import universal


class _Sample:
    """One sample's bits with the intermediate results several series share."""

    def __init__(self, bits: np.ndarray) -> None:
        self.bits = bits
        self._counts: list[np.ndarray] | None = None
        self._runs: Runs | None = None
        self._longest: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._cusum: tuple[Outcome, Outcome] | None = None
        self._serial: dict[int, tuple[Outcome, Outcome]] = {}

    def counts(self, m: int, series: Sequence[Series]) -> list[np.ndarray]:
        if self._counts is None:
            # one tally of the longest pattern any series here needs serves them all
            longest = max([s.param for s in series if s.test == "serial"]
                          + [s.param + 1 for s in series if s.test == "approximate_entropy"])
            self._counts = cyclic_counts(self.bits, longest)
        return self._counts[: m + 1]

    def runs(self) -> Runs:
        if self._runs is None:
            self._runs = Runs.of(self.bits)
        return self._runs

    def outcome(self, item: Series, series: Sequence[Series]) -> Outcome:
        test, param, bits = item.test, item.param, self.bits
        if test == "monobit":
            return monobit(bits)
        if test == "block_frequency":
            return block_frequency(bits, param)
        if test == "poker":
            return poker(bits, param)
        if test == "serial":
            if param not in self._serial:
                self._serial[param] = overlapping_subsequence(
                    bits, param, self.counts(param, series))
            return self._serial[param][item.part - 1]
        if test == "runs":
            return runs_total(bits, self.runs())
        if test == "runs_distribution":
            return runs_distribution(bits, self.runs())
        if test == "longest_run":
            if param not in self._longest:
                self._longest[param] = longest_runs(bits, param)
            return longest_run_outcome(self._longest[param][item.part], param)
        if test == "binary_derivative":
            return binary_derivative(bits, param)
        if test == "autocorrelation":
            return autocorrelation(bits, param)
        if test == "matrix_rank":
            return matrix_rank(bits)
        if test == "cumulative_sums":
            if self._cusum is None:
                self._cusum = cumulative_sums(bits)
            return self._cusum[item.part]
        if test == "approximate_entropy":
            return approximate_entropy(bits, param, self.counts(param + 1, series))
        if test == "universal":
            return universal(bits, param, 1280)
        if test == "dft":
            return dft(bits)
        raise ValueError(f"unknown test {test!r}")


def evaluate(samples: Sequence[np.ndarray], series: Sequence[Series]) -> np.ndarray:
    """P- and Q-values of every series on every sample: an array (samples, series, 2).

    Linear complexity runs once over the blocks of all samples together, since
    its bit-sliced Berlekamp-Massey costs per step, not per block.
    """
    result = np.empty((len(samples), len(series), 2))
    prepared = [_Sample(bits) for bits in samples]
    for column, item in enumerate(series):
        if item.test == "linear_complexity":
            m = item.param
            per = [bits.size // m for bits in samples]
            blocks = np.concatenate(
                [bits[: count * m].reshape(count, m) for bits, count in zip(samples, per,
                                                                           strict=True)])
            found = np.split(linear_complexities(blocks), np.cumsum(per)[:-1])
            outcomes = [linear_complexity_outcome(values, m) for values in found]
        else:
            outcomes = [sample.outcome(item, series) for sample in prepared]
        for row, outcome in enumerate(outcomes):
            result[row, column] = (outcome.p, outcome.q)
    return result


def evaluate_bytes(data: bytes, bits: int, series: Sequence[Series]) -> np.ndarray:
    """`evaluate` over consecutive samples of `bits` bits packed MSB first in `data`."""
    per = bits // 8
    count = len(data) // per
    samples = [bitseq.from_bytes(data[i * per : (i + 1) * per]) for i in range(count)]
    return evaluate(samples, series)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Battery:
    """Evaluates batches of samples on worker processes, results in submission order."""

    def __init__(self, series: Sequence[Series], bits: int, *, workers: int | None = None,
                 batch: int = 8) -> None:
        if bits % 8:
            raise ValueError(f"sample length {bits} is not a whole number of bytes")
        self.series = tuple(series)
        self.bits = bits
        self.workers = workers if workers is not None else default_workers()
        # a batch of 10^6-bit samples is ~100 MB of intermediates per worker; 10^8-bit
        # samples go one at a time (one sample then needs about 2 GB, the FFT's most)
        self.batch = max(1, min(batch, 8_000_000 // bits))

    @property
    def batch_bytes(self) -> int:
        """How many bytes of samples make one unit of work."""
        return self.batch * self.bits // 8

    def run(self, batches: Iterable[bytes],
            done: Callable[[int], None] | None = None) -> Iterator[np.ndarray]:
        """Yield (samples, series, 2) arrays, one per batch of whole samples, in order.

        At most two batches per worker are in flight, so a source larger than
        memory streams through. `done(samples)` is told as each batch finishes.
        """
        if self.workers <= 1:
            for data in batches:
                values = evaluate_bytes(data, self.bits, self.series)
                if done is not None:
                    done(values.shape[0])
                yield values
            return
        context = multiprocessing.get_context("spawn")
        pending: deque[Future[np.ndarray]] = deque()
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            for data in batches:
                pending.append(pool.submit(evaluate_bytes, data, self.bits, self.series))
                while len(pending) >= 2 * self.workers:
                    yield self._collect(pending.popleft(), done)
            while pending:
                yield self._collect(pending.popleft(), done)

    @staticmethod
    def _collect(future: Future[np.ndarray],
                 done: Callable[[int], None] | None) -> np.ndarray:
        values = future.result()
        if done is not None:
            done(values.shape[0])
        return values
