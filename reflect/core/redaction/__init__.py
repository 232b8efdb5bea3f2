"""The redaction gate and its detectors."""
