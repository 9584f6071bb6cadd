"""The plan's rules: takes the database, a scope and an as-of date; gives figures (numerator,
denominator, target, status, clause, what is missing) for every rule of a pack.

One small class per rule type, registered by its `type` slug; a rule pack (data/rules/*.toml)
binds rule types to a plan's clauses, targets and dates."""

from zjsafety.rules.base import REGISTRY, Context, Result, Rule, judge  # noqa: F401
from zjsafety.rules import clearance, coverage, outcomes, supervision, training  # noqa: F401  (classes register themselves)
