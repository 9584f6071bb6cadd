"""Reading county ledgers: takes files and folders (xlsx, xls, et, ods, csv); gives validated
records in the database, and findings naming the file, sheet, row and column of every problem.

reader (survey, whole-sheet read) → headers (which ledger, which column) → models and fields
(validation) → loader and records (what to store) → store.records; pipeline runs them."""
