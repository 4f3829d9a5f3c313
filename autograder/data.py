"""Fashion-MNIST through torchvision, from the course's configured data root.

The root comes from course.yaml (`data_root`), overridden by $COURSE_DATA_ROOT. Real
users get torchvision's download when the files are missing; tests, CI and benchmarks
pass download=False so a missing file is an error, never a network call.
"""

from __future__ import annotations

from pathlib import Path

import torch

from autograder import config as course_config

CLASSES = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)


def data_root(course: course_config.Course | None = None) -> Path:
    return (course or course_config.default_course()).data_path()


def fashion_mnist(train: bool, *, root: Path | str | None = None, download: bool = True, transform=None):
    """The torchvision dataset (60k train or 10k test images)."""
    from torchvision import datasets, transforms

    root = Path(root) if root else data_root()
    try:
        return datasets.FashionMNIST(
            root=str(root), train=train, download=download,
            transform=transform if transform is not None else transforms.ToTensor(),
        )
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"Fashion-MNIST not found under {root}/FashionMNIST/raw and download={download}: {exc}. "
            f"Set data_root in course.yaml or ${course_config.DATA_ROOT_ENV}."
        ) from None


def as_tensors(train: bool, *, root: Path | str | None = None, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole split as one float tensor (N, 1, 28, 28) in [0, 1] and int64 labels.

    Reading torchvision's decoded arrays directly avoids a per-image transform, which is
    what makes keeping the full dataset on the device cheap.
    """
    ds = fashion_mnist(train, root=root, download=download)
    images = ds.data.unsqueeze(1).to(torch.float32).div_(255.0)
    return images, ds.targets.to(torch.int64)


def loaders(batch_size: int, *, root: Path | str | None = None, download: bool = True):
    """The chapter's DataLoaders: shuffled training batches, ordered test batches."""
    from torch.utils.data import DataLoader

    train = DataLoader(fashion_mnist(True, root=root, download=download), batch_size=batch_size, shuffle=True)
    test = DataLoader(fashion_mnist(False, root=root, download=download), batch_size=batch_size, shuffle=False)
    return train, test
