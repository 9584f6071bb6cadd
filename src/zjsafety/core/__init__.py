"""Core vocabulary shared by every stage: errors and findings, divisions, normalisers,
reference data, labels, masking, file paths and the one xlsx cell writer. Imports nothing
else of zjsafety's."""
