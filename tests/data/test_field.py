"""Field references: a domain mask restricts the scored points and survives the HDF5 round trip."""

import numpy as np
import pytest

from sciml.core.errors import SciMLError
from sciml.data.field import FieldReference, read_field_reference, write_field_reference
from sciml.problems.base import load_problem


def test_masked_reference_scores_the_domain_and_round_trips(tmp_path):
    axes = {"x": np.linspace(0, 1, 3), "y": np.linspace(0, 1, 4)}
    values = np.arange(12.0).reshape(3, 4, 1)
    mask = np.ones((3, 4), dtype=bool)
    mask[1, 2] = mask[2, 3] = False
    reference = FieldReference(axes, values, mask)
    assert len(reference.grid_points()) == 12 and len(reference.points()) == 10
    np.testing.assert_array_equal(reference.points()[6], [0.5, 1.0])  # (1, 3): (1, 2) skipped
    np.testing.assert_array_equal(reference.flat_values()[:, 0], [0, 1, 2, 3, 4, 5, 7, 8, 9, 10])
    problem = load_problem("poisson-l", overrides={"resolution": 9})
    path = write_field_reference(tmp_path / "ref.h5", problem, reference)
    again = read_field_reference(path)
    np.testing.assert_array_equal(again.mask, mask)
    np.testing.assert_array_equal(again.flat_values(), reference.flat_values())
    unmasked = write_field_reference(tmp_path / "plain.h5", problem, FieldReference(axes, values))
    assert read_field_reference(unmasked).mask is None


def test_a_mask_of_the_wrong_shape_is_refused(tmp_path):
    import h5py

    axes = {"x": np.linspace(0, 1, 3), "y": np.linspace(0, 1, 4)}
    problem = load_problem("poisson-l", overrides={"resolution": 9})
    path = write_field_reference(
        tmp_path / "ref.h5",
        problem,
        FieldReference(axes, np.zeros((3, 4, 1)), np.ones((3, 4), bool)),
    )
    with h5py.File(path, "a") as f:
        del f["mask"]
        f.create_dataset("mask", data=np.ones((2, 2), dtype=np.uint8))
        del f.attrs["checksum"]
    with pytest.raises(SciMLError, match="mask has shape"):
        read_field_reference(path)
