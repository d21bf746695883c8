"""Datasets on disk: the HDF5 cache with provenance, field references, operator pairs."""
