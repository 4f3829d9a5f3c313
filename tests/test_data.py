"""Fashion-MNIST comes through torchvision from the configured root, never downloaded in tests."""

from __future__ import annotations

import pytest

from autograder import data


def test_full_splits_load_offline_from_configured_root(course):
    root = course.data_path()
    if not (root / "FashionMNIST" / "raw").is_dir():
        pytest.skip(f"Fashion-MNIST raw files not present under {root}")
    X, y = data.as_tensors(True, root=root, download=False)
    assert X.shape == (60000, 1, 28, 28) and y.shape == (60000,)
    assert abs(float(X.mean()) - 0.2860) < 1e-3  # the dataset README's mean pixel
    Xt, yt = data.as_tensors(False, root=root, download=False)
    assert Xt.shape == (10000, 1, 28, 28) and set(yt.unique().tolist()) == set(range(10))


def test_missing_data_without_download_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_ROOT"):
        data.fashion_mnist(True, root=tmp_path, download=False)
