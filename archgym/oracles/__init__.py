"""Accuracy oracles: where a candidate network's accuracy comes from.

Every oracle has one interface (``oracle(archs) -> accuracies``, batched) and a
``kind`` that says what it is: ``"tabular"`` (a lookup of real training results),
``"trained"`` (trains the candidate for real on the CPU) or ``"surrogate"`` (a model
fitted to trained results, with its held-out error reported). None invents numbers.
"""

from .accel_nasbench import AccelNASBenchAccuracy
from .base import AccuracyOracle, OracleError
from .datasets import load_digits, load_fashion_mnist
from .registry import register
from .surrogate import SurrogateAccuracy
from .tabular import NB201Accuracy
from .trained import TrainedAccuracy

__all__ = [
    "AccelNASBenchAccuracy",
    "AccuracyOracle",
    "OracleError",
    "NB201Accuracy",
    "SurrogateAccuracy",
    "TrainedAccuracy",
    "load_digits",
    "load_fashion_mnist",
    "register",
]
