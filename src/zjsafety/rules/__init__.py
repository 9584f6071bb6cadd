"""The plan's rules: one small class per rule type, registered by its `type` slug.

A rule pack (data/rules/*.toml) binds rule types to a plan's clauses, targets and dates.
"""

from .base import REGISTRY, Context, Result, Rule, judge  # noqa: F401
from . import coverage, outcomes, supervision  # noqa: F401  (classes register themselves)
