"""Trainable models with one interface: ``forward(batch) -> (B,)`` probabilities of label 1."""

from eqqnn.models._quantum import QuantumClassifier

__all__ = ["QuantumClassifier"]
