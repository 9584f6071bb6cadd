"""The one layer that owns SQL: takes what the stages ask for; gives rows. Schema and
migrations, the connection, and the queries of each stage (import, audit, sampling,
reports, merge); other modules call these functions and never build SQL themselves."""

from zjsafety.store.connection import connect, schema_version, transaction  # noqa: F401
