"""Sample histories and reference data: the Lao geography and the calibrated 2021–2025 generator."""
