"""The chapter's LeNet-5 as plain torch.nn, for calibration runs, benchmarks and the grader's own tests.

Parent only. The grader judges a student's trained weights with the reference solution's class
(course.yaml's training target), not with this one; this is the same architecture written
without the notebook, so tests and benchmarks need no solution code.
"""

from __future__ import annotations

from torch import nn


class ChapterLeNet(nn.Sequential):
    """Conv(6, 5x5, pad 2), sigmoid, avg-pool, conv(16, 5x5), sigmoid, avg-pool, then 120-84-10 dense layers."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )
