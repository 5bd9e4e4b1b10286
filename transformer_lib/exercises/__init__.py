"""Checkers for the notebooks' self-study exercises, one module per notebook (``nb03`` for
``03_self_attention.ipynb``). A checker never raises: it returns a `CheckResult` whose text
says what is right, or what is wrong with a hint."""

from .feedback import CheckResult, check_matrix, check_scalar

__all__ = ["CheckResult", "check_matrix", "check_scalar"]
