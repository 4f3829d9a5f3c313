"""Fashion-MNIST through torchvision, from the course's configured data root.

The root is $COURSE_DATA_ROOT, else course.yaml's optional `data_root`, else a per-user cache
(~/.cache/cnn-course/data): see config.Course.data_path. Students' notebooks get torchvision's
download when the files are missing; the grader never downloads while grading (`course data
--download` does, once, and `course grade`/`course demo` check first): tests, CI and benchmarks
pass download=False, so a missing file is an error, never a network call.
"""

from __future__ import annotations

from pathlib import Path

import torch

from autograder import config as course_config

CLASSES = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)


class DataUnavailable(course_config.GraderUnavailable, FileNotFoundError):
    """Fashion-MNIST is not where the course says: the instructor's to fix, never a student's zero."""


def data_root(course: course_config.Course | None = None) -> Path:
    """The course's data root; a notebook outside any grader reads the nearest course.yaml, now."""
    return (course or course_config.load()).data_path()


def missing_message(root: Path | str, where: str | None = None, detail: str = "") -> str:
    """What the instructor must do when Fashion-MNIST is not under `root`."""
    where = f" ({where})" if where else ""
    detail = f" ({detail})" if detail else ""
    return (f"Fashion-MNIST is not available under {root}{where}{detail}: set data_root in course.yaml or "
            f"${course_config.DATA_ROOT_ENV} to a folder holding FashionMNIST/raw, or go online once and run "
            f"`course data --download`.")


def present(root: Path | str) -> bool:
    """Both splits are there, as torchvision checks them (no download, no reading the images)."""
    from torchvision import datasets

    try:
        return all(datasets.FashionMNIST(root=str(root), train=train, download=False) is not None for train in (True, False))
    except (RuntimeError, OSError, ValueError):
        return False


def download(root: Path | str) -> None:
    """Fetch both splits into `root` (online). Raises DataUnavailable saying why when it cannot."""
    from torchvision import datasets

    Path(root).mkdir(parents=True, exist_ok=True)
    try:
        for train in (True, False):
            datasets.FashionMNIST(root=str(root), train=train, download=True)
    except Exception as exc:  # noqa: BLE001 - URLError, timeouts, a full disk: all say the same to the instructor
        why = " ".join(str(exc).split())[:300] or type(exc).__name__
        err = DataUnavailable(missing_message(root, detail=f"the download failed: {why}"))
        err.why = why
        raise err from None


def fashion_mnist(train: bool, *, root: Path | str | None = None, download: bool = True, transform=None):
    """The torchvision dataset (60k train or 10k test images)."""
    from torchvision import datasets, transforms

    root = Path(root) if root else data_root()
    try:
        return datasets.FashionMNIST(
            root=str(root), train=train, download=download,
            transform=transform if transform is not None else transforms.ToTensor(),
        )
    except (RuntimeError, OSError) as exc:
        detail = f"the download failed: {' '.join(str(exc).split())[:200]}" if download else ""
        raise DataUnavailable(missing_message(root, detail=detail)) from None


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
