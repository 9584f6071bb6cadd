"""The one layer that owns SQL: schema, connection, and every query zjsafety runs.

Other modules call these functions; they never build SQL themselves.
"""

from .connection import connect, schema_version, transaction  # noqa: F401
